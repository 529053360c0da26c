"""CTC at T=200, N=16, C=32, S=40: lossjax vs optax.ctc_loss vs PyTorch 2.13, one process.

    python benchmarks/ctc.py [--repeats 9]

Forward and value_and_grad (wrt the logits, through log_softmax, for all
three), jitted JAX (synchronised) and eager torch (torch.set_num_threads = CPU
count), interleaved runs, median with min and max; compile time apart.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

import lossjax as lj


def main() -> None:
  ap = argparse.ArgumentParser()
  ap.add_argument("--repeats", type=int, default=9)
  args = ap.parse_args()
  t, n, c, s = 200, 16, 32, 40
  rng = np.random.default_rng(0)
  logits_np = rng.normal(size=(n, t, c)).astype(np.float32)  # batch-first
  labels_np = rng.integers(1, c, size=(n, s))
  in_len = rng.integers(150, t + 1, size=n)
  tg_len = rng.integers(20, s + 1, size=n)
  logit_pad = (np.arange(t)[None] >= in_len[:, None]).astype(np.float32)
  label_pad = (np.arange(s)[None] >= tg_len[:, None]).astype(np.float32)
  x, y = jnp.asarray(logits_np), jnp.asarray(labels_np, jnp.int32)
  il, tl = jnp.asarray(in_len, jnp.int32), jnp.asarray(tg_len, jnp.int32)

  def ours(z):
    return lj.ctc_loss(jnp.swapaxes(jax.nn.log_softmax(z, -1), 0, 1), y, il, tl, reduction="sum")

  def theirs(z):
    return jnp.sum(optax.ctc_loss(z, jnp.asarray(logit_pad), y, jnp.asarray(label_pad)))

  runners, compile_s = {}, {}
  for mode in ("forward", "value_and_grad"):
    for lib, f in (("lossjax", ours), ("optax", theirs)):
      g = f if mode == "forward" else jax.value_and_grad(f)
      t0 = time.perf_counter()
      compiled = jax.jit(g).lower(x).compile()
      compile_s[(lib, mode)] = time.perf_counter() - t0
      runners[(lib, mode)] = lambda compiled=compiled: jax.block_until_ready(compiled(x))
  try:
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(os.cpu_count())
    tx = torch.from_numpy(logits_np)
    args_t = (torch.from_numpy(labels_np), torch.from_numpy(in_len), torch.from_numpy(tg_len))

    def torch_forward():
      with torch.no_grad():
        return F.ctc_loss(tx.log_softmax(-1).transpose(0, 1), *args_t, reduction="sum").item()

    def torch_grad():
      z = tx.detach().requires_grad_(True)
      loss = F.ctc_loss(z.log_softmax(-1).transpose(0, 1), *args_t, reduction="sum")
      loss.backward()
      return loss.item()

    runners[("torch", "forward")], runners[("torch", "value_and_grad")] = torch_forward, torch_grad
    version = f", torch {torch.__version__}"
  except ImportError:
    version = ""
  for r in runners.values():
    r()
  times = {k: [] for k in runners}
  for _ in range(args.repeats):
    for k, r in runners.items():
      t0 = time.perf_counter()
      r()
      times[k].append(time.perf_counter() - t0)
  dev = jax.devices()[0]
  print(f"CTC T={t} N={n} C={c} S={s} float32; {dev.platform} ({dev.device_kind}), "
        f"{os.cpu_count()} cores; jax {jax.__version__}, optax {optax.__version__}{version}")
  print("| mode | library | median ms | min ms | max ms | vs lossjax | compile s |")
  print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
  for mode in ("forward", "value_and_grad"):
    base = statistics.median(times[("lossjax", mode)])
    for (lib, m), ts in times.items():
      if m != mode:
        continue
      med = statistics.median(ts)
      comp = f"{compile_s[(lib, m)]:.2f}" if (lib, m) in compile_s else "—"
      print(f"| {mode} | {lib} | {med * 1e3:.2f} | {min(ts) * 1e3:.2f} | {max(ts) * 1e3:.2f} | "
            f"{med / base:.2f}x | {comp} |")


if __name__ == "__main__":
  main()
