"""Probes for the XLA:CPU limits behind the benchmark's misses.

    python benchmarks/limits.py          # prints the markdown section
    (benchmarks/run.py appends the same section to BENCHMARKS.md)

Each probe isolates one cause named in BENCHMARKS.md:

- ``op_chain``: what the elementwise ops inside a reduction cost in XLA:CPU's
  YNNPACK reduction: little for a chain, much more once a value is used twice
  (it is kept per tile), as in Huber's q (z - q/2).
- ``row_cliff``: the exp-sum over rows longer than 32,768 float32, against the
  same logits viewed as chunks of 8,192 (why cross_entropy chunks its rows).
- ``triplet_eps``: torch's ``eps`` inside the triplet distance is one more
  elementwise op per element and distance than optax's formula.
- ``page_faults``: the gradient is a fresh allocation that glibc maps anew on
  every call; the same process with transparent huge pages for malloc
  (``GLIBC_TUNABLES=glibc.malloc.hugetlb=1``) shows what the page faults cost.
"""

from __future__ import annotations

import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402


def _time(fns: dict, args: tuple, repeats: int) -> dict[str, float]:
  """Median seconds of each jitted function, runs interleaved."""
  compiled = {k: jax.jit(f).lower(*args).compile() for k, f in fns.items()}
  for c in compiled.values():
    jax.block_until_ready(c(*args))
  times = {k: [] for k in compiled}
  for _ in range(repeats):
    for k, c in compiled.items():
      start = time.perf_counter()
      jax.block_until_ready(c(*args))
      times[k].append(time.perf_counter() - start)
  return {k: statistics.median(v) for k, v in times.items()}


def op_chain(repeats: int = 7, scale: int = 27) -> dict[str, float]:
  """sum(f(x - t)) over 2**scale float32 pairs for elementwise f: chains of
  cheap ops, the same ops with a value used twice, and lossjax's mse_loss and
  huber_loss (whose q (z - q/2) uses z and q twice)."""
  import lossjax as lj

  rng = np.random.default_rng(0)
  n = 2**scale
  x = jnp.asarray(rng.standard_normal(n, dtype=np.float32))
  t = jnp.asarray(rng.standard_normal(n, dtype=np.float32))

  def chain(k):
    def f(x, t):
      v = x - t
      for i in range(k):
        v = v * 1.5 if i % 2 == 0 else v - 0.25
      return jnp.sum(v)
    return f

  fns = {f"a chain of {k + 1} ops": chain(k) for k in (0, 4, 8)}
  fns["min(abs(x - t), 1)^2: 4 ops, a chain"] = lambda x, t: jnp.sum(
      jnp.square(jnp.minimum(jnp.abs(x - t), 1.0)))
  fns["z min(z, 1), z = abs(x - t): 4 ops, z used twice"] = lambda x, t: jnp.sum(
      (lambda z: z * jnp.minimum(z, 1.0))(jnp.abs(x - t)))
  fns["mse_loss: 2 ops"] = lj.mse_loss
  fns["huber_loss: 6 ops, z and q used twice"] = lj.huber_loss
  return _time(fns, (x, t), repeats)


def row_cliff(repeats: int = 7) -> dict[str, float]:
  """Seconds per 2**27 logits of sum(exp(x - m)) over whole rows of C classes,
  and over the same rows viewed as [.., C / 8192, 8192] chunks."""
  rng = np.random.default_rng(0)
  out = {}
  for c in (32768, 40960, 131072):
    n = 2**27 // c
    x = jnp.asarray(rng.standard_normal((n, c), dtype=np.float32))
    m = jnp.max(x, axis=-1)
    k = c // 8192
    times = _time({
        "rows": lambda x, m: jnp.sum(jnp.exp(x - m[:, None]), axis=-1),
        "chunks": lambda x, m, k=k, n=n: jnp.sum(
            jnp.exp(x.reshape(n, k, 8192) - m[:, None, None]), axis=-1),
    }, (x, m), repeats)
    scale = 2**27 / (n * c)
    out.update({f"{c} {kind}": s * scale for kind, s in times.items()})
  return out


def triplet_eps(repeats: int = 7) -> dict[str, float]:
  """The triplet forward at [2^20, 128] with torch's distance ||a - p + eps||
  (lossjax), the same without eps (optax's ops), and optax."""
  import optax

  import lossjax as lj
  from lossjax import _core as core

  rng = np.random.default_rng(0)
  a, p, q = (jnp.asarray(rng.standard_normal((2**20, 128), dtype=np.float32)) for _ in range(3))

  def no_eps(a, p, q):
    d = core.safe_norm(a - p) - core.safe_norm(a - q)
    return jnp.mean(core.clamp_min_zero(1.0 + d))

  return _time({"lossjax": lj.triplet_margin_loss, "lossjax without eps": no_eps,
                "optax": lambda a, p, q: jnp.mean(optax.losses.triplet_margin_loss(a, p, q))},
               (a, p, q), repeats)


def _ce_value_and_grad(repeats: int) -> dict[str, float]:
  import optax

  import lossjax as lj
  from lossjax import _bench

  rng = np.random.default_rng(0)
  x = jnp.asarray(rng.standard_normal((1024, 131072), dtype=np.float32))
  y = jnp.asarray(rng.integers(0, 131072, size=1024).astype(np.int32))
  out = _time({
      "lossjax": jax.value_and_grad(lj.cross_entropy),
      "optax": jax.value_and_grad(
          lambda x, y: jnp.mean(optax.softmax_cross_entropy_with_integer_labels(x, y))),
  }, (x, y), repeats)
  out.update(_bench.probes())
  return out


def page_faults(repeats: int = 7) -> dict[str, dict[str, float]] | None:
  """Cross-entropy value_and_grad at [1024, 131072] and the probes, in a fresh
  process with glibc's default malloc and in one with transparent huge pages
  for malloc. None where glibc's tunable is not available (not Linux)."""
  if not sys.platform.startswith("linux"):
    return None
  out = {}
  for label, tunables in (("default malloc", None), ("huge pages", "glibc.malloc.hugetlb=1")):
    env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    if tunables:
      env["GLIBC_TUNABLES"] = tunables
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import limits; "
            f"print(json.dumps(limits._ce_value_and_grad({repeats})))")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=1200)
    if proc.returncode:
      return None
    out[label] = json.loads(proc.stdout.strip().splitlines()[-1])
  return out


def section(repeats: int = 7) -> str:
  """All probes, as the markdown section that run.py appends to BENCHMARKS.md."""
  ops = op_chain(repeats)
  cliff = row_cliff(repeats)
  triplet = triplet_eps(repeats)
  faults = page_faults(repeats)
  lines = ["### Probe: elementwise ops inside a reduction (2^27 float32 pairs)", "",
           "| sum over x - t of | seconds |", "| --- | ---: |"]
  lines += [f"| {k} | {v:.4f} |" for k, v in ops.items()]
  lines.append("")
  lines += ["### Probe: exp-sum over long rows (seconds per 2^27 float32 logits)", "",
            "| classes | whole rows | chunks of 8,192 |", "| ---: | ---: | ---: |"]
  for c in (32768, 40960, 131072):
    lines.append(f"| {c:,} | {cliff[f'{c} rows']:.4f} | {cliff[f'{c} chunks']:.4f} |")
  lines += ["", "### Probe: torch's eps inside the triplet distance ([2^20, 128] float32 "
            "forward, seconds)", "", "| | seconds |", "| --- | ---: |"]
  lines += [f"| {k} | {v:.4f} |" for k, v in triplet.items()]
  lines.append("")
  if faults:
    lines += ["### Probe: page faults in value_and_grad (cross-entropy at [1024, 131072] "
              "float32, fresh processes)", "",
              "| malloc | lossjax s | optax s | fresh-output write GB/s | read GB/s |",
              "| --- | ---: | ---: | ---: | ---: |"]
    for label, r in faults.items():
      lines.append(f"| {label} | {r['lossjax']:.4f} | {r['optax']:.4f} | "
                   f"{r['write GB/s']:.1f} | {r['read GB/s']:.1f} |")
    lines.append("")
  return "\n".join(lines)


if __name__ == "__main__":
  print(section())
