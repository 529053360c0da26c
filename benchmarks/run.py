"""The full benchmark: lossjax vs optax vs PyTorch at 0.5-2 GiB working sets.

    pip install -e ".[bench]"   # plus torch==2.13.0 (CPU build) by hand for its column
    python benchmarks/run.py [--repeats 7] [--out BENCHMARKS.md]

Writes BENCHMARKS.md (time, speed-up vs optax and vs PyTorch, GB/s and the
fraction of the in-process read-bandwidth probe) and benchmarks/speedup.png.
See lossjax/_bench.py for the method.
"""

from __future__ import annotations

import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import jax  # noqa: E402

from lossjax import _bench  # noqa: E402


def speedups(results) -> list[tuple[str, float, float]]:
  """(label, speed-up vs optax, speed-up vs torch) per lossjax case and mode; NaN where absent."""
  by = {(r.case, r.size, r.mode, r.library): r.median for r in results}
  out = []
  for (case, size, mode, lib), t in by.items():
    if lib == "lossjax":
      out.append((f"{case} {size} {'fwd' if mode == 'forward' else 'v&g'}",
                  by.get((case, size, mode, "optax"), float("nan")) / t,
                  by.get((case, size, mode, "torch"), float("nan")) / t))
  return out


def speedups_from_markdown(text: str) -> list[tuple[str, float, float]]:
  """The same triples, read back from a BENCHMARKS.md table (to redraw its chart)."""
  out = []
  for line in text.splitlines():
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) != 11 or not cells[0].startswith("`"):
      continue

    def ratio(cell):
      return float(cell.split("x")[0]) if cell[0].isdigit() else float("nan")

    mode = "fwd" if cells[2] == "forward" else "v&g"
    out.append((f"{cells[0].strip('`')} {cells[1]} {mode}", ratio(cells[6]), ratio(cells[8])))
  return out


def chart(rows: list[tuple[str, float, float]], path: pathlib.Path) -> None:
  """Horizontal bars of lossjax's speed-up, log scale, 1x marked."""
  import matplotlib

  matplotlib.use("Agg")
  import matplotlib.pyplot as plt

  labels = [r[0] for r in rows]
  ys = range(len(rows))
  fig, ax = plt.subplots(figsize=(9, 0.22 * len(rows) + 1.2))
  ax.barh([y - 0.2 for y in ys], [r[1] for r in rows], height=0.4, label="vs optax")
  ax.barh([y + 0.2 for y in ys], [r[2] for r in rows], height=0.4, label="vs PyTorch 2.13 (CPU)")
  ax.axvline(1.0, color="black", linewidth=0.8)
  ax.set_xscale("log")
  ax.set_yticks(list(ys), labels, fontsize=7)
  ax.invert_yaxis()
  ax.set_xlabel("speed-up of lossjax: other library's median time / lossjax's (log scale)")
  ax.legend(loc="lower right")
  ax.grid(axis="x", which="both", alpha=0.3)
  fig.tight_layout()
  fig.savefig(path, dpi=110)


def targets(results, case_list, probe, bf16_rows, vocab) -> str:
  """Issue #8's targets, each checked against this run's figures."""
  by = {(r.case, r.size, r.mode, r.library): r for r in results}
  bytes_read = {(c.name, c.size): c.bytes_read for c in case_list}  # the read probe's target
  rows = ["| target | measured | met |", "| --- | --- | --- |"]

  def row(target, measured, ok):
    rows.append(f"| {target} | {measured} | {'yes' if ok else '**no**'} |")

  slower = []
  for (case, size, mode, lib), r in by.items():
    ours = by[(case, size, mode, "lossjax")]
    if lib != "lossjax" and r.median < ours.median:
      notes = ["same program"] if r.same_program_as_lossjax else []
      if ours.min <= r.max:
        notes.append("the runs' ranges overlap")
      slower.append(f"`{case}` {mode} vs {lib}: {r.median / ours.median:.2f}x"
                    + (f" ({', '.join(notes)})" if notes else ""))
  shared = sum(1 for (c, s, m, lib) in by if lib != "lossjax")
  row("no shared loss slower than optax's or PyTorch's twin, forward or value_and_grad",
      f"{shared - len(slower)} of {shared} comparisons not slower"
      + (": slower in " + "; ".join(slower) if slower else ""), not slower)
  for rows_, classes in vocab:
    if classes < 65536:
      continue
    size = f"[{rows_}, {classes}] f32"  # as _bench.cases names it
    for mode, want in (("forward", 4.0), ("value_and_grad", 1.5)):
      ce = {lib: by[("cross_entropy", size, mode, lib)].median for lib in ("lossjax", "optax")}
      speedup = ce["optax"] / ce["lossjax"]
      row(f"cross-entropy {size} {mode} >= {want}x optax", f"{speedup:.2f}x", speedup >= want)
  for case in ("mse_loss", "huber_loss"):
    r = next(r for k, r in by.items() if k[0] == case and k[2] == "forward" and k[3] == "lossjax")
    frac = bytes_read[(r.case, r.size)] / (probe["read GB/s"] * 1e9) / r.median
    row(f"`{case}` forward >= 85% of the read probe", f"{frac:.0%}", frac >= 0.85)
  for b in bf16_rows:
    ok = b["rel_diff"] <= 1e-6 and b["ratio"] <= 1.1
    row(f"bf16 cross-entropy [{b['shape'][0]}, {b['shape'][1]}] {b['mode']}: within 1e-6 of "
        "float32, <= 1.1x its time", f"{b['rel_diff']:.1e}, {b['ratio']:.2f}x", ok)
  return "\n".join(rows)


def main() -> None:
  ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  ap.add_argument("--repeats", type=int, default=9)
  ap.add_argument("--scale", type=int, default=27)
  ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
  ap.add_argument("--chart-only", action="store_true",
                  help="redraw benchmarks/speedup.png from the table in --out, without running")
  args = ap.parse_args()
  if args.chart_only:
    chart(speedups_from_markdown(pathlib.Path(args.out).read_text()),
          ROOT / "benchmarks" / "speedup.png")
    return
  vocab = ((1024, 131072), (8192, 32768)) if args.scale >= 27 else ((256, 65536), (512, 8192))
  case_list = _bench.cases(scale=args.scale, vocab=vocab, full=True)
  probe = _bench.probes()
  results = list(_bench.run(case_list, repeats=args.repeats,
                            progress=lambda s: print(s, file=sys.stderr, flush=True)))
  bf16_rows = _bench.bf16_cross_entropy(vocab, repeats=args.repeats)
  chart(speedups(results), ROOT / "benchmarks" / "speedup.png")
  import limits  # benchmarks/limits.py: the probes behind the misses

  probes_section = limits.section(repeats=args.repeats)
  notes = ROOT / "benchmarks" / "notes.md"
  platform = jax.devices()[0].platform
  gpu_line = ("No GPU was available to this run; every figure is from the CPU named above."
              if platform == "cpu" else f"JAX ran on {platform}; PyTorch on the CPU.")
  text = f"""# Benchmarks

Produced by `python benchmarks/run.py` (method: `lossjax/_bench.py`): the same inputs for
every library in one process, jitted JAX (synchronised) and eager PyTorch, interleaved runs,
the median of {args.repeats} with min and max. "optax / lossjax" and "torch / lossjax" are the
other library's median time divided by lossjax's, so above 1 means lossjax is faster.

{_bench.environment(probe)}

{gpu_line}

## Targets

{targets(results, case_list, probe, bf16_rows, vocab)}

## Every shared loss

"of probe floor" is the time the machine's own limits allow divided by lossjax's time: the
inputs read at the read probe's rate or, for losses that need an exponential per element or
logit, those exponentials at the exp probe's rate, whichever takes longer; plus, for
`value_and_grad`, the gradients written at the fresh-output write probe's rate. "lossjax GB/s"
counts the bytes read and written. Compile time (seconds,
lossjax) is measured once, apart from the runs. "same program" in place of a ratio: lossjax
and optax compile to the same optimised HLO, so their difference is noise.

{_bench.table(results, case_list, probe)}

![speed-up](benchmarks/speedup.png)

## bf16 cross-entropy

lossjax's `cross_entropy` on bf16 logits against float32 logits that hold the same values
(widened exactly), in the same run. The loss is computed in float32 either way.

{_bench.bf16_table(bf16_rows)}

## Probes: the XLA:CPU limits behind the misses

Measured by `benchmarks/limits.py` in the same run.

{probes_section}
{notes.read_text() if notes.exists() else ""}"""
  pathlib.Path(args.out).write_text(text)
  print(text)


if __name__ == "__main__":
  main()
