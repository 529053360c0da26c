"""python -m lossjax: the catalogue, and PyTorch parity verified on this machine.

    python -m lossjax                 # verify every shipped fixture (the default)
    python -m lossjax verify --loss cross_entropy --dtype float32
    python -m lossjax list [--family margin] [--markdown]
    python -m lossjax bench           # quick timing against optax (and PyTorch if installed)
    python -m lossjax migrate Huber   # the lossjax call for an optax or Keras loss

Every command takes --json for machine-readable output.

`verify` runs every PyTorch reference case shipped in lossjax/fixtures on
JAX's default device (CPU, GPU or TPU) and closes with
``parity: N passed, M failed`` (cases); the exit code is 1 on any failure.
PyTorch is not needed: the fixtures were generated with it.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import difflib
import json
import os
import pathlib
import sys
import time
from collections.abc import Sequence


def _parser() -> argparse.ArgumentParser:
  parser = argparse.ArgumentParser(
      prog="python -m lossjax",
      description=(
          "lossjax: PyTorch's losses for JAX. Without a command, runs `verify`: every "
          "shipped PyTorch fixture (values and gradients) on JAX's default device."
      ),
  )
  sub = parser.add_subparsers(dest="command")
  verify = sub.add_parser("verify", help="check parity with the shipped PyTorch fixtures (default)")
  verify.add_argument("--loss", action="append", help="only this loss (repeatable)")
  verify.add_argument(
      "--dtype", choices=("float64", "float32", "all"), default=None,
      help="fixture dtype to check (default: all; float32 on TPU, which lacks float64)",
  )
  verify.add_argument("-v", "--verbose", action="store_true", help="print every failed check")
  verify.add_argument(
      "--thorough", action="store_true",
      help="compile with XLA's default options, as a user's jit does (about 3x slower on "
           "CPU; by default the check's programs skip optimizations they cannot repay)")
  verify.add_argument("--json", action="store_true", help="machine-readable output")
  listing = sub.add_parser("list", help="list the catalogue")
  listing.add_argument("--family", help="only this family")
  listing.add_argument("--markdown", action="store_true", help="the README table")
  listing.add_argument("--json", action="store_true", help="machine-readable output")
  migrate = sub.add_parser(
      "migrate", help="the lossjax call for an optax or Keras 3 loss (docs/migration.md)")
  migrate.add_argument("name", help="an optax or Keras name, or part of one: "
                       "optax.losses.hinge_loss, keras.losses.Huber, SparseCategorical")
  migrate.add_argument("--json", action="store_true", help="machine-readable output")
  bench = sub.add_parser(
      "bench", help="a quick side-by-side timing against optax (and PyTorch when installed)")
  bench.add_argument("--repeats", type=int, default=5, help="timed runs per library (median)")
  bench.add_argument("--scale", type=int, default=22, help="elementwise losses on 2**scale elements")
  bench.add_argument("--json", action="store_true", help="machine-readable output")
  return parser


def _list(args) -> int:
  from lossjax import _registry

  if args.markdown:
    print(_registry.markdown_table())
    return 0
  specs = [s for s in _registry.REGISTRY.values() if args.family in (None, s.family)]
  if not specs:
    print(f"no family {args.family!r}; families: {', '.join(_registry.FAMILIES)}", file=sys.stderr)
    return 2
  from lossjax._spec import class_name

  if args.json:
    print(json.dumps([{"name": s.name, "family": s.family, "nn": f"lossjax.nn.{class_name(s)}",
                       "torch": s.torch, "options": s.options, "source": s.source}
                      for s in specs], indent=1))
    return 0
  width = max(len(s.name) for s in specs)
  for family in _registry.FAMILIES:  # each family once, in catalogue order
    members = [s for s in specs if s.family == family]
    if not members:
      continue
    print(f"{family}:")
    for s in members:
      twin = f"torch.nn.{s.torch}" if s.torch else s.source
      print(f"  {s.name:<{width}}  nn.{class_name(s):<32} {twin}")
      print(f"  {'':<{width}}  options: {', '.join((*s.options, 'reduction', 'where'))}")
  print(f"{len(specs)} losses")
  return 0


def _verify(args) -> int:
  import jax

  jax.config.update("jax_enable_x64", True)  # before any array is made: float64 fixtures
  from lossjax import REGISTRY, __version__
  from lossjax import _fixtures as fx

  device = jax.devices()[0]
  dtype = args.dtype or ("float32" if device.platform == "tpu" else "all")
  names = args.loss or fx.available()
  unknown = [n for n in names if n not in fx.available()]
  if unknown:
    for n in unknown:
      close = difflib.get_close_matches(n, fx.available(), n=3, cutoff=0.6)
      if n in REGISTRY:
        hint = "it has no PyTorch fixture (the test suite checks it against its reference)"
      elif close:
        hint = f"did you mean {close[0]}?" + (f" (or {', '.join(close[1:])})" if close[1:] else "")
      else:
        hint = "`python -m lossjax list` shows every loss"
      print(f"no fixtures for {n}: {hint}", file=sys.stderr)
    return 2
  import lossjax

  say = (lambda *a, **k: None) if args.json else print
  package = pathlib.Path(lossjax.__file__).resolve().parent
  source_tree = pathlib.Path.cwd().resolve() == package.parent
  where = (f"{package} (the source tree in the current directory, which `python -m` imports "
           "first: run it from another directory to check the installed package)"
           if source_tree else str(package))
  fixtures = set(fx.available())
  without = [s for s in REGISTRY.values() if s.name not in fixtures]
  tolerances = {d: {"rtol": r, "atol": a} for d, (r, a) in fx.TOLERANCES.items()}
  looser = {" ".join(key): {"rtol": r, "atol": a} for key, (r, a) in fx.LOOSER.items()}
  say(f"lossjax {__version__} at {where}")
  say(f"jax {jax.__version__}, device: {device.platform} ({device.device_kind}), "
      f"fixtures: {dtype}")
  if not args.loss:  # the whole check: what it covers and what it does not, once
    say(f"coverage: {len(fixtures)} of {len(REGISTRY)} losses have PyTorch fixtures (inputs, "
        "every reduction's value and the gradients, generated by torch 2.13). The "
        f"{len(without)} others have no fixture; the test suite checks each against its "
        "reference: `python -m lossjax list` names it.")
  shown_looser = [f"{k} atol {t['atol']:g}" for k, t in looser.items() if k.split()[0] in names]
  say("tolerances: " + ", ".join(f"{d} rtol {t['rtol']:g} atol {t['atol']:g}"
                                 for d, t in tolerances.items())
      + ("; looser: " + ", ".join(shown_looser) + " (lossjax/_fixtures.py gives the "
         "measurement behind each)" if shown_looser else "")
      + ". `tol used`: the largest "
      "share of the allowed error |got - want| <= atol + rtol |want| any check used (a pass "
      "is at most 1; - where that dtype is not checked)")
  report = []
  started = time.perf_counter()
  header = f"{'loss':<34} {'cases':>5} {'failed':>6} {'tol used f64':>12} {'f32':>6} {'time':>6}"
  say(header)
  say("-" * len(header))
  passed = failed = 0
  for i, name in enumerate(names):
    # Progress on stderr (stdout stays the table, or one JSON document): a counter and, once a
    # loss has run, the remaining time at the pace so far (per loss: counting the cases ahead
    # would read every fixture file twice).
    pace = (time.perf_counter() - started) / i if i else None
    eta = "" if pace is None else f", about {pace * (len(names) - i):.0f} s left"
    print(f"[{i + 1}/{len(names)}] {name}{eta}", file=sys.stderr, flush=True)
    doc = fx.load(name)
    cases = [c for c in doc["cases"] if dtype in ("all", c["dtype"])]
    worst = {"float64": None, "float32": None}  # None: that dtype is not checked
    used = {"float64": None, "float32": None}
    n_failed = 0
    start = time.perf_counter()
    # Cases compile in parallel: XLA releases the GIL while compiling.
    fn = REGISTRY[name].fn
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
      results = list(pool.map(
          lambda c, fn=fn: fx.verify_case(fn, c, thorough=args.thorough), cases))
    for case, checks in zip(cases, results):
      bad = [c for c in checks if not c.ok]
      n_failed += bool(bad)
      d = case["dtype"]
      worst[d] = max([worst[d] or 0.0] + [c.max_rel_err for c in checks])
      used[d] = max([used[d] or 0.0] + [c.tol_used for c in checks])
      if bad and args.verbose:
        for c in bad:
          say(f"  FAILED {name} {c.case} {c.reduction} {c.quantity}: "
                f"abs err {c.max_abs_err:.3g}, rel err {c.max_rel_err:.3g}")
    passed += len(cases) - n_failed
    failed += n_failed
    report.append({"loss": name, "cases": len(cases), "failed": n_failed,
                   "max_rel_err": worst, "tol_used": used,
                   "seconds": time.perf_counter() - start})
    shown = {d: "-" if u is None else f"{u:.2f}" for d, u in used.items()}
    say(f"{name:<34} {len(cases):>5} {n_failed:>6} {shown['float64']:>12} "
        f"{shown['float32']:>6} {time.perf_counter() - start:>5.1f}s", flush=True)
  if args.json:
    print(json.dumps({"package": str(package), "source_tree": source_tree,
                      "device": device.platform, "passed": passed, "failed": failed,
                      "coverage": {"with_fixtures": sorted(fixtures),
                                   "without_fixtures": {s.name: s.source for s in without}},
                      "tolerances": tolerances, "looser_tolerances": looser,
                      "losses": report}, indent=1))
  else:
    print(f"parity: {passed} passed, {failed} failed")
  return 1 if failed else 0


def _migrate(args) -> int:
  import dataclasses
  import difflib

  from lossjax import _migration

  rows = _migration.find(args.name)
  if args.json:
    print(json.dumps([dataclasses.asdict(r) for r in rows], indent=2))
    return 0 if rows else 1
  if not rows:
    names = sorted({r.name for r in _migration.ROWS})
    short = {n.rsplit(".", 1)[-1]: n for n in names}
    close = difflib.get_close_matches(args.name.rsplit(".", 1)[-1], list(short), n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(short[c] for c in close)}?" if close else ""
    print(f"no optax or Keras loss matches {args.name!r}.{hint} "
          f"(`python -m lossjax migrate .` lists all {len(names)})", file=sys.stderr)
    return 1
  for r in rows:
    print(r.name + ("  (a loss lossjax added for it)" if r.new else ""))
    print(f"  theirs:  {r.theirs}")
    print(f"  lossjax: {r.ours}")
    print(f"  inputs:  {_migration.input_shapes(r)}")
    if r.note:
      print(f"  differs: {r.note}")
    print()
  print("`lj` is `import lossjax as lj`; each row is an equality test (tests/test_migration.py).")
  return 0


def _bench(args) -> int:
  import dataclasses

  from lossjax import _bench

  try:
    from tqdm import tqdm  # the bench extra installs it
  except ImportError:
    print("python -m lossjax bench needs the bench extra: pip install 'lossjax[bench]'",
          file=sys.stderr)
    return 2

  case_list = _bench.cases(scale=args.scale, vocab=((256, 32768),))
  probe = _bench.probes()
  with tqdm(total=len(case_list) * 2, unit="case", file=sys.stderr) as bar:
    def progress(label):
      bar.set_postfix_str(label)
      bar.update()

    results = list(_bench.run(case_list, repeats=args.repeats, progress=progress))
  if args.json:
    print(json.dumps({"probes": probe, "results": [dataclasses.asdict(r) for r in results]},
                     indent=1))
  else:
    print(_bench.environment(probe))
    print("Ratios are the other library's median time over lossjax's: above 1.00x lossjax is "
          "faster. Where both JAX libraries compile the same program, the cell says so instead of "
          "a ratio (their difference is noise).")
    print(_bench.table(results, case_list, probe))
  return 0


def _shadowed() -> str | None:
  """Why ``import lossjax`` found a directory instead of the package, or None.

  From the parent of a clone named ``lossjax`` (an editable install), the clone itself is a
  namespace package that shadows the installed one: nothing in it is a loss."""
  import lossjax

  if getattr(lossjax, "__file__", None) is None:
    where = ", ".join(str(p) for p in getattr(lossjax, "__path__", []))
    return (f"`import lossjax` found the directory {where}, not the package: a folder named "
            "lossjax without __init__.py (a clone of the repository, say) in the current "
            "directory shadows the installed package. Run from another directory, or from "
            "inside the clone.")
  return None


def main(argv: Sequence[str] | None = None) -> int:
  argv = list(sys.argv[1:] if argv is None else argv)
  shadowed = _shadowed()
  if shadowed:
    print(f"python -m lossjax: {shadowed}", file=sys.stderr)
    return 2
  if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
    argv = ["verify", *argv]  # verify is the default command (also with only its options)
  args = _parser().parse_args(argv)
  return {"list": _list, "bench": _bench, "verify": _verify,
          "migrate": _migrate}[args.command](args)


if __name__ == "__main__":
  try:
    sys.exit(main(sys.argv[1:]))
  except BrokenPipeError:  # `python -m lossjax list | head`: the reader left, nothing to say
    sys.stderr.close()
    sys.exit(0)
