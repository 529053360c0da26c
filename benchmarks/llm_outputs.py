"""Per-token statistics and fused distillation against the naive programs: time and temporaries.

    python benchmarks/llm_outputs.py [--n 2048 --d 256 --v 32768] [--repeats 5]

value_and_grad (float32) of
- linear_token_stats (log-probability of the target plus an entropy bonus, the RL inputs)
  against the naive log_softmax over the materialised logits;
- linear_jsd_loss (student head against a frozen teacher head, β = 0.5) against
  generalized_jsd_loss on both materialised logit matrices.
Each line gives the median time over interleaved runs (min and max beside it) and the
compiled program's temporary memory (memory_analysis), with the device named.
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

import lossjax as lj


def main() -> None:
  ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  ap.add_argument("--n", type=int, default=2048)
  ap.add_argument("--d", type=int, default=256)
  ap.add_argument("--v", type=int, default=32768)
  ap.add_argument("--repeats", type=int, default=5)
  args = ap.parse_args()
  n, d, v = args.n, args.d, args.v
  rng = np.random.default_rng(0)
  h = jnp.asarray(rng.normal(size=(n, d)), jnp.float32)
  w = jnp.asarray(rng.normal(size=(v, d)) / np.sqrt(d), jnp.float32)
  ht = jnp.asarray(rng.normal(size=(n, d)), jnp.float32)
  wt = jnp.asarray(rng.normal(size=(v, d)) / np.sqrt(d), jnp.float32)
  y = jnp.asarray(rng.integers(0, v, size=(n,)), jnp.int32)
  adv = jnp.asarray(rng.normal(size=(n,)), jnp.float32)

  def stats_ours(h, w):
    s = lj.linear_token_stats(h, w, y)
    return jnp.mean(adv * s.log_prob) + 0.01 * jnp.mean(s.entropy)

  def stats_naive(h, w):
    logp = jax.nn.log_softmax(h @ w.T, axis=-1)
    log_prob = jnp.take_along_axis(logp, y[:, None], axis=1)[:, 0]
    entropy = -jnp.sum(jnp.exp(logp) * logp, axis=-1)
    return jnp.mean(adv * log_prob) + 0.01 * jnp.mean(entropy)

  def jsd_ours(h, w):
    return lj.linear_jsd_loss(h, w, jax.lax.stop_gradient(ht), jax.lax.stop_gradient(wt))

  def jsd_naive(h, w):
    return lj.generalized_jsd_loss(h @ w.T, jax.lax.stop_gradient(ht @ wt.T))

  programs = {}
  for name, f in (("naive token stats", stats_naive), ("lossjax.linear_token_stats", stats_ours),
                  ("naive generalized_jsd_loss(h @ W.T, h_t @ W_t.T)", jsd_naive),
                  ("lossjax.linear_jsd_loss", jsd_ours)):
    compiled = jax.jit(jax.value_and_grad(f, argnums=(0, 1))).lower(h, w).compile()
    programs[name] = (compiled, compiled.memory_analysis().temp_size_in_bytes / 2**30)
  times = {name: [] for name in programs}
  for compiled, _ in programs.values():
    jax.block_until_ready(compiled(h, w))  # warm-up
  for _ in range(args.repeats):
    for name, (compiled, _) in programs.items():
      t0 = time.perf_counter()
      jax.block_until_ready(compiled(h, w))
      times[name].append(time.perf_counter() - t0)
  dev = jax.devices()[0]
  print(f"value_and_grad, N={n}, D={d}, V={v}, float32; device: {dev.platform} ({dev.device_kind})")
  print("| program | median s | min s | max s | temporaries GiB |")
  print("| --- | ---: | ---: | ---: | ---: |")
  for name, (_, temp) in programs.items():
    ts = times[name]
    print(f"| {name} | {statistics.median(ts):.3f} | {min(ts):.3f} | {max(ts):.3f} | {temp:.3f} |")


if __name__ == "__main__":
  main()
