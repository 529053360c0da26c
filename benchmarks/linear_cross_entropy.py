"""linear_cross_entropy vs the naive jitted cross_entropy(h @ W), and PyTorch 2.13.

    python benchmarks/linear_cross_entropy.py [--n 2048 --d 1024 --v 32768] [--repeats 9]

value_and_grad wrt hidden and weight, float32, all in one process on the same
inputs (numpy arrays shared with torch zero-copy). Runs are interleaved
(A B C A B C ...); the table gives the median with min and max, and compile
time separately. On a GPU it also reports peak memory. PyTorch columns appear
only when torch is importable (CPU build; torch.set_num_threads = CPU count).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

import lossjax as lj


def main() -> None:
  ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  ap.add_argument("--n", type=int, default=2048)
  ap.add_argument("--d", type=int, default=1024)
  ap.add_argument("--v", type=int, default=32768)
  ap.add_argument("--repeats", type=int, default=9)
  args = ap.parse_args()
  n, d, v = args.n, args.d, args.v
  rng = np.random.default_rng(0)
  h_np = rng.normal(size=(n, d)).astype(np.float32)
  w_np = (rng.normal(size=(v, d)) / np.sqrt(d)).astype(np.float32)  # [V, D], torch's layout
  y_np = rng.integers(0, v, size=(n,))
  h, w, y = jnp.asarray(h_np), jnp.asarray(w_np), jnp.asarray(y_np, jnp.int32)

  def naive(h, w, y):
    return lj.cross_entropy(h @ w.T, y)

  def ours(h, w, y):
    return lj.linear_cross_entropy(h, w, y)

  runners, compile_s = {}, {}
  for name, f in (("naive jit", naive), ("lossjax.linear_cross_entropy", ours)):
    t0 = time.perf_counter()
    compiled = jax.jit(jax.value_and_grad(f, argnums=(0, 1))).lower(h, w, y).compile()
    compile_s[name] = time.perf_counter() - t0
    runners[name] = lambda c=compiled: jax.block_until_ready(c(h, w, y))

  try:
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(os.cpu_count())
    th = torch.from_numpy(h_np).requires_grad_(True)  # zero-copy views of the same arrays
    tw = torch.from_numpy(w_np).requires_grad_(True)
    ty = torch.from_numpy(y_np)

    def torch_run(options=None):
      th.grad = tw.grad = None
      loss = F.linear_cross_entropy(th, tw, ty, options=options)
      loss.backward()
      return loss.item()

    runners["torch 2.13 linear_cross_entropy (reference)"] = torch_run
    if hasattr(torch.nn, "LinearCrossEntropyOptions"):
      opts = torch.nn.LinearCrossEntropyOptions()
      runners["torch 2.13 linear_cross_entropy (chunked)"] = lambda: torch_run(opts)
  except ImportError:
    torch = None

  for run in runners.values():  # warm up
    run()
  times = {name: [] for name in runners}
  for _ in range(args.repeats):
    for name, run in runners.items():  # interleaved
      t0 = time.perf_counter()
      run()
      times[name].append(time.perf_counter() - t0)

  device = jax.devices()[0]
  print(f"value_and_grad, N={n}, D={d}, V={v}, float32; device: {device.platform} "
        f"({device.device_kind}), {os.cpu_count()} CPU cores; jax {jax.__version__}"
        + (f", torch {torch.__version__}" if torch else ""))
  base = statistics.median(times["naive jit"])
  print("| implementation | median s | min s | max s | vs naive jit | compile s |")
  print("| --- | ---: | ---: | ---: | ---: | ---: |")
  for name, ts in times.items():
    med = statistics.median(ts)
    comp = f"{compile_s[name]:.2f}" if name in compile_s else "—"
    print(f"| {name} | {med:.3f} | {min(ts):.3f} | {max(ts):.3f} | {med / base:.2f}x | {comp} |")
  if device.platform == "gpu":
    for name, f in (("naive jit", naive), ("lossjax.linear_cross_entropy", ours)):
      stats = jax.jit(jax.value_and_grad(f, argnums=(0, 1))).lower(h, w, y).compile().memory_analysis()
      print(f"{name}: compiled temp memory {stats.temp_size_in_bytes / 2**20:.0f} MiB")


if __name__ == "__main__":
  main()
