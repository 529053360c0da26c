"""Why dice_focal_loss is slower than MONAI on XLA:CPU: a probe of the fusion, not of lossjax.

    python benchmarks/probe_segmentation_fusion.py

value_and_grad of four programs on [8, 128, 128, 4] float32 logits (channels last), jitted,
median of 9: the sigmoid focal part alone, a softmax-weighted sum alone, both in one program,
and both with the softmax's max and sum written as elementwise maxima and sums over the 4
classes instead of reductions. Printed: milliseconds per call.
"""

from __future__ import annotations

import functools
import time

import jax
import jax.numpy as jnp
import numpy as np

import lossjax as lj


def unrolled_softmax(x):
  cols = [x[..., i] for i in range(x.shape[-1])]
  m = jax.lax.stop_gradient(functools.reduce(jnp.maximum, cols))
  e = jnp.exp(x - m[..., None])
  return e / functools.reduce(jnp.add, [e[..., i] for i in range(x.shape[-1])])[..., None]


def main() -> None:
  rng = np.random.default_rng(0)
  x = jnp.asarray((rng.normal(size=(8, 128, 128, 4)) * 2).astype(np.float32))
  onehot = jax.nn.one_hot(jnp.asarray(rng.integers(0, 4, size=(8, 128, 128))), 4,
                          dtype=jnp.float32)

  def focal(z):
    return jnp.sum(lj.sigmoid_focal_loss(z, onehot, alpha=-1.0, reduction="none"))

  programs = {
      "focal alone": focal,
      "softmax alone": lambda z: jnp.sum(jax.nn.softmax(z, -1) * onehot),
      "softmax + focal": lambda z: focal(z) + jnp.sum(jax.nn.softmax(z, -1) * onehot),
      "unrolled softmax + focal": lambda z: focal(z) + jnp.sum(unrolled_softmax(z) * onehot),
  }
  print(f"jax {jax.__version__}, {jax.devices()[0].platform}")
  for name, f in programs.items():
    g = jax.jit(jax.value_and_grad(f)).lower(x).compile()
    jax.block_until_ready(g(x))
    times = []
    for _ in range(9):
      t0 = time.perf_counter()
      jax.block_until_ready(g(x))
      times.append(time.perf_counter() - t0)
    print(f"{name:28s} {np.median(times) * 1e3:7.2f} ms")


if __name__ == "__main__":
  main()
