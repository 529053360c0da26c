"""A/B in one process: this checkout's lossjax against another revision's.

    python benchmarks/ab.py [--base REV] [--repeats 9] [--scale 27]

Extracts REV's ``lossjax/`` (``git archive``, default: the commit before this
session's work, 4a96e37) into a temporary directory and imports it beside
this checkout's, each under the name ``lossjax`` with its own modules. Every
case is compiled with both, the runs are interleaved (A B A B ...), and each
row gives both medians and their ratio (base / this: above 1 is faster now),
with optax's median as a third column, plus whether the two revisions compile
the case to the same optimised program (then any difference is noise).

The cases are the default compiled path of issue #14's three losses: cross-
entropy at [1024, 131072] and [8192, 32768] float32, BCE-with-logits and MSE
at 2**scale float32, forward and value_and_grad, without ``where``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import pathlib
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _import_lossjax(path: pathlib.Path):
  """Imports the lossjax package found in `path`, keeping whatever lossjax is loaded now."""
  saved = {k: m for k, m in sys.modules.items() if k == "lossjax" or k.startswith("lossjax.")}
  for k in saved:
    del sys.modules[k]
  sys.path.insert(0, str(path))
  try:
    module = importlib.import_module("lossjax")
  finally:
    sys.path.remove(str(path))
    for k in [k for k in sys.modules if k == "lossjax" or k.startswith("lossjax.")]:
      del sys.modules[k]
    sys.modules.update(saved)
  return module


def _extract(rev: str, into: pathlib.Path) -> pathlib.Path:
  data = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "lossjax"], check=True,
                        capture_output=True).stdout
  with tarfile.open(fileobj=io.BytesIO(data)) as tar:
    tar.extractall(into, filter="data")
  return into


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--base", default="4a96e37", help="the revision to compare against")
  parser.add_argument("--repeats", type=int, default=9)
  parser.add_argument("--scale", type=int, default=27)
  args = parser.parse_args()

  import jax
  import jax.numpy as jnp
  import numpy as np
  import optax

  with tempfile.TemporaryDirectory() as tmp:
    base = _import_lossjax(_extract(args.base, pathlib.Path(tmp)))
    this = _import_lossjax(ROOT)
    from lossjax._bench import _program  # the optimised HLO without names

    rng = np.random.default_rng(0)
    n = 2**args.scale
    x = jnp.asarray(rng.standard_normal(n, dtype=np.float32))
    t = jnp.asarray(rng.standard_normal(n, dtype=np.float32))
    b = jnp.asarray((rng.random(n, dtype=np.float32) > 0.5).astype(np.float32))
    cases = [
        ("mse_loss", f"2^{args.scale}", lambda m: m.mse_loss, (x, t), (0, 1),
         lambda a, c: jnp.mean(optax.squared_error(a, c))),
        ("binary_cross_entropy_with_logits", f"2^{args.scale}",
         lambda m: m.binary_cross_entropy_with_logits, (x, b), (0,),
         lambda a, c: jnp.mean(optax.sigmoid_binary_cross_entropy(a, c))),
    ]
    for rows, classes in ((1024, 131072), (8192, 32768)):
      logits = jnp.asarray(rng.standard_normal((rows, classes), dtype=np.float32))
      labels = jnp.asarray(rng.integers(0, classes, size=rows).astype(np.int32))
      cases.append(("cross_entropy", f"[{rows}, {classes}]", lambda m: m.cross_entropy,
                    (logits, labels), (0,),
                    lambda a, c: jnp.mean(optax.softmax_cross_entropy_with_integer_labels(a, c))))

    print(f"base {args.base} vs this checkout, {jax.devices()[0].device_kind}, "
          f"median of {args.repeats} interleaved runs\n")
    print("| case | mode | base s | this s | base / this | optax s | same program |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    for name, size, pick, arrays, argnums, optax_fn in cases:
      for mode in ("forward", "value_and_grad"):
        runners, programs = {}, {}
        for label, fn in (("base", pick(base)), ("this", pick(this)), ("optax", optax_fn)):
          f = fn if mode == "forward" else jax.value_and_grad(fn, argnums=argnums)
          compiled = jax.jit(f).lower(*arrays).compile()
          programs[label] = _program(compiled)
          runners[label] = lambda c=compiled, a=arrays: jax.block_until_ready(c(*a))
          runners[label]()  # warm-up
        times = {label: [] for label in runners}
        for _ in range(args.repeats):
          for label, run in runners.items():
            start = time.perf_counter()
            run()
            times[label].append(time.perf_counter() - start)
        med = {label: statistics.median(ts) for label, ts in times.items()}
        same = "yes" if programs["base"] == programs["this"] else "no"
        print(f"| `{name}` {size} | {mode} | {med['base']:.4f} | {med['this']:.4f} | "
              f"{med['base'] / med['this']:.2f}x | {med['optax']:.4f} | {same} |", flush=True)


if __name__ == "__main__":
  with contextlib.suppress(KeyboardInterrupt):
    main()
