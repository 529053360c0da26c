"""What reduction="parts" costs under jit, against "sum" and "mean", in one process.

    python benchmarks/parts.py [--repeats 9]

For each case (value_and_grad of the loss with respect to its input, float32, jitted), the
three reductions are compiled and run interleaved (mean, sum, parts, mean, ...); each row
gives their medians, parts' time over sum's, and two deterministic figures of the compiled
programs: the number of instructions in the optimised HLO and the bytes of temporaries
(``memory_analysis().temp_size_in_bytes``). "parts" returns the total the "sum" program
computes plus one scalar, the count.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

import lossjax as lj


def cases():
  rng = np.random.default_rng(0)
  f32 = np.float32
  x = jnp.asarray(rng.normal(size=(4096, 8192)).astype(f32))
  y = jnp.asarray(rng.integers(0, 8192, 4096)).at[:512].set(-100)
  w = jnp.asarray(rng.uniform(0.5, 2, 8192).astype(f32))
  h = jnp.asarray(rng.normal(size=(2048, 512)).astype(f32))
  wv = jnp.asarray((rng.normal(size=(32768, 512)) / 20).astype(f32))
  yv = jnp.asarray(rng.integers(0, 32768, 2048))
  v = jnp.asarray(rng.normal(size=2**24).astype(f32))
  t = (v > 0).astype(jnp.float32)
  m = jnp.asarray(rng.uniform(size=2**24) > 0.1)
  return [
      ("cross_entropy [4096, 8192], weights, ignore_index",
       lambda x, r: lj.cross_entropy(x, y, weight=w, reduction=r), x),
      ("linear_cross_entropy [2048, 512] x [32768, 512]",
       lambda h, r: lj.linear_cross_entropy(h, wv, yv, reduction=r), h),
      ("binary_cross_entropy_with_logits 2^24, where",
       lambda v, r: lj.binary_cross_entropy_with_logits(v, t, where=m, reduction=r), v),
  ]


def main() -> None:
  parser = argparse.ArgumentParser()
  parser.add_argument("--repeats", type=int, default=9)
  args = parser.parse_args()
  print(f"# {platform.processor() or platform.machine()}, {jax.devices()[0].device_kind}, "
        f"jax {jax.__version__}")
  print("| case | mean ms | sum ms | parts ms | parts / sum | HLO instructions (mean, sum, "
        "parts) | temporaries MiB (mean, sum, parts) |")
  print("| --- | ---: | ---: | ---: | ---: | --- | --- |")
  for name, loss, x in cases():
    fns, instr, temp = {}, [], []
    for r in ("mean", "sum", "parts"):
      def f(x, r=r, loss=loss):
        if r != "parts":
          return jax.value_and_grad(lambda x: loss(x, r))(x)

        def total(x):  # the gradient of the total, and the count beside it
          p = loss(x, r)
          return p.total, p.count
        return jax.value_and_grad(total, has_aux=True)(x)
      compiled = jax.jit(f).lower(x).compile()
      fns[r] = compiled
      instr.append(sum(1 for line in compiled.as_text().splitlines() if " = " in line))
      temp.append(compiled.memory_analysis().temp_size_in_bytes / 2**20)
      jax.block_until_ready(compiled(x))
    times = {r: [] for r in fns}
    for _ in range(args.repeats):
      for r, c in fns.items():
        start = time.perf_counter()
        jax.block_until_ready(c(x))
        times[r].append(time.perf_counter() - start)
    med = {r: statistics.median(ts) * 1e3 for r, ts in times.items()}
    print(f"| {name} | {med['mean']:.2f} | {med['sum']:.2f} | {med['parts']:.2f} | "
          f"{med['parts'] / med['sum']:.2f} | {', '.join(map(str, instr))} | "
          f"{', '.join(f'{t:.1f}' for t in temp)} |")


if __name__ == "__main__":
  main()
