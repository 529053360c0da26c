"""The bf16 weight gradient of linear_cross_entropy: how far from exact, against the naive program.

    python benchmarks/bf16_accumulation.py [--n 2048 --d 256 --v 8192]

All programs get the same bf16 inputs (hidden states, weight [V, D], labels). The
reference is the float64 gradient of those same bf16 values; the floor is that
reference rounded to bf16, the best a bf16 result can be. For each program the
table gives the relative error ||dW - ref|| / ||ref||:

- lossjax.linear_cross_entropy with token chunks from 1 to 64 blocks (its dW of a
  vocabulary block is accumulated over the token chunks in float32, then rounded once);
- the naive jitted program cross_entropy(h @ W.T) on bf16 (XLA's own accumulation);
- for contrast, the same chunked sum accumulated in bf16 (each token chunk's partial
  dW rounded to bf16 before it is added), what a kernel without float32 accumulation
  does (Liger PR #1391 measured 1.34x to 7.31x more error in that case).

Printed as a Markdown table, with the device named.
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)

import lossjax as lj  # noqa: E402


def rel(a, ref):
  a = np.asarray(a, np.float64)
  return float(np.linalg.norm(a - ref) / np.linalg.norm(ref))


def reference_grad(h, w, y):
  """d mean CE / dW in float64 of the bf16 values, and the softmax residual dz (float64)."""
  h64, w64 = np.asarray(h, np.float64), np.asarray(w, np.float64)
  z = h64 @ w64.T
  p = np.exp(z - z.max(1, keepdims=True))
  p /= p.sum(1, keepdims=True)
  p[np.arange(len(y)), np.asarray(y)] -= 1.0
  dz = p / len(y)
  return dz.T @ h64, dz


def bf16_accumulated(dz, h, chunks):
  """dW = sum over token chunks of dz_chunk.T @ h_chunk, the running sum kept in bf16."""
  acc = jnp.zeros((dz.shape[1], h.shape[1]), jnp.bfloat16)
  for dzc, hc in zip(np.array_split(dz, chunks), np.array_split(np.asarray(h, np.float64), chunks)):
    acc = (acc.astype(jnp.float32) + jnp.asarray(dzc.T @ hc, jnp.float32)).astype(jnp.bfloat16)
  return acc


def main() -> None:
  ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  ap.add_argument("--n", type=int, default=2048)
  ap.add_argument("--d", type=int, default=256)
  ap.add_argument("--v", type=int, default=8192)
  args = ap.parse_args()
  n, d, v = args.n, args.d, args.v
  rng = np.random.default_rng(0)
  h = jnp.asarray(rng.normal(size=(n, d)), jnp.bfloat16)
  w = jnp.asarray(rng.normal(size=(v, d)) / np.sqrt(d), jnp.bfloat16)
  y = jnp.asarray(rng.integers(0, v, size=(n,)), jnp.int32)
  ref, dz = reference_grad(h, w, y)
  rows = [("bf16 floor: the float64 gradient rounded to bf16",
           rel(jnp.asarray(ref, jnp.bfloat16), ref))]
  for chunks in (1, 4, 16, 64):
    grad = jax.jit(jax.grad(lambda w, c=chunks: lj.linear_cross_entropy(
        h, w, y, token_chunk=n // c, vocab_chunk=2048)))(w)
    rows.append((f"lossjax.linear_cross_entropy, {chunks} token chunk(s)", rel(grad, ref)))
  naive = jax.jit(jax.grad(lambda w: lj.cross_entropy(h @ w.T, y)))(w)
  rows.append(("naive jit cross_entropy(h @ W.T), bf16", rel(naive, ref)))
  for chunks in (4, 16, 64):
    rows.append((f"contrast: {chunks} token chunks accumulated in bf16",
                 rel(bf16_accumulated(dz, h, chunks), ref)))
  dev = jax.devices()[0]
  print(f"bf16 weight gradient, N={n}, D={d}, V={v}; device: {dev.platform} ({dev.device_kind})")
  print("| program | relative error of dW | vs floor |")
  print("| --- | ---: | ---: |")
  floor = rows[0][1]
  for name, err in rows:
    print(f"| {name} | {err:.3e} | {err / floor:.2f}x |")


if __name__ == "__main__":
  main()
