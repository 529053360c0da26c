"""One process of tests/test_multiprocess.py: JAX's own distributed runtime on localhost.

    python tests/distributed_worker.py PROCESS_ID NUM_PROCESSES PORT OUT.json

Each process has 2 virtual CPU devices; the processes join with jax.distributed (CPU
collectives over gloo) into one mesh of 2 * NUM_PROCESSES devices, then compute, on data
that every process builds from the same seed but holds only its shards of:

- data-parallel evaluation of a masked, ignore_index cross-entropy over a batch sharded over
  all devices, two ways: jit over the global arrays, and the explicit shard_map pattern
  (each device's `reduction="parts"`, psum'd: the mean over the *global* count);
- vocabulary-parallel linear_cross_entropy with the weight's vocabulary sharded over all
  devices of all processes, value and gradients.

Process 0 writes the results to OUT.json; the test compares them with one process's.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np


def data():
  """The global inputs, the same in every process (and in the test's single process)."""
  rng = np.random.default_rng(0)
  n, c, d, v = 16, 5, 6, 32
  logits = rng.normal(size=(n, c))
  labels = rng.integers(0, c, size=(n,))
  labels[[1, 2, 3, 9]] = -100  # ignored: unevenly spread over the shards
  where = np.ones(n, bool)
  where[[0, 4, 5, 6]] = False  # masked: all in the first process's shards
  h, w = rng.normal(size=(n, d)), rng.normal(size=(d, v)) / 3
  y = rng.integers(0, v, size=(n,))
  y[7] = -100
  return logits, labels, where, h, w, y


LCE = dict(label_smoothing=0.1, z_loss=1e-3, vocab_chunk=4, token_chunk=8, layout="dv")


def main(process_id: int, num_processes: int, port: int, out: str) -> None:
  # Before JAX starts: 2 CPU devices per process, gloo for the collectives between processes.
  # (Here, not at import: the test imports this module for data() alone.)
  os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
  import jax
  from jax.sharding import NamedSharding
  from jax.sharding import PartitionSpec as P

  import lossjax as lj

  jax.config.update("jax_cpu_collectives_implementation", "gloo")
  jax.config.update("jax_enable_x64", True)
  jax.distributed.initialize(coordinator_address=f"127.0.0.1:{port}",
                             num_processes=num_processes, process_id=process_id)
  assert jax.process_count() == num_processes and jax.device_count() == 2 * num_processes
  mesh = jax.make_mesh((jax.device_count(),), ("data",))
  logits, labels, where, h, w, y = data()

  def place(a, spec):
    # Each process supplies only the shards its own devices hold.
    sharding = NamedSharding(mesh, spec)
    return jax.make_array_from_callback(a.shape, sharding, lambda idx: a[idx])

  x_g, y_g, m_g = (place(a, P("data", *([None] * (a.ndim - 1)))) for a in (logits, labels, where))
  # 1. jit over global arrays: XLA inserts the reductions over every device.
  mean_jit = jax.jit(lambda x, t, m: lj.cross_entropy(x, t, where=m))(x_g, y_g, m_g)

  # 2. The explicit pattern: per device the loss's parts, psum them, one mean.
  def local(x, t, m):
    return jax.lax.psum(lj.cross_entropy(x, t, where=m, reduction="parts"), "data").mean()

  mean_shard_map = jax.jit(jax.shard_map(local, mesh=mesh, in_specs=(P("data"),) * 3,
                                         out_specs=P()))(x_g, y_g, m_g)
  # ... and its gradient: each process's devices hold their rows of it.
  grad_parts = jax.jit(jax.grad(jax.shard_map(
      local, mesh=mesh, in_specs=(P("data"),) * 3, out_specs=P())))(x_g, y_g, m_g)
  grad_parts = jax.jit(lambda a: a, out_shardings=NamedSharding(mesh, P()))(grad_parts)

  # 3. Vocabulary-parallel linear_cross_entropy: the weight's columns over every device.
  h_g, w_g, yy_g = place(h, P()), place(w, P(None, "data")), place(y, P())

  def vocab_parallel(h, w):
    def local(h, w, y):
      return lj.linear_cross_entropy(h, w, y, axis_name="data", **LCE)
    return jax.shard_map(local, mesh=mesh, in_specs=(P(), P(None, "data"), P()),
                         out_specs=P())(h, w, yy_g)

  value, (g_h, g_w) = jax.jit(jax.value_and_grad(vocab_parallel, argnums=(0, 1)))(h_g, w_g)
  # Gather the sharded weight gradient to every process, to compare it whole.
  g_w = jax.jit(lambda a: a, out_shardings=NamedSharding(mesh, P()))(g_w)
  results = {
      "mean_jit": float(mean_jit), "mean_shard_map": float(mean_shard_map),
      "parts_grad_logits": np.asarray(grad_parts.addressable_data(0)).tolist(),
      "lce": float(value), "lce_grad_hidden": np.asarray(g_h.addressable_data(0)).tolist(),
      "lce_grad_weight": np.asarray(g_w.addressable_data(0)).tolist(),
      "devices": jax.device_count(), "processes": jax.process_count(),
  }
  if process_id == 0:
    with open(out, "w") as f:
      json.dump(results, f)
  jax.distributed.shutdown()


if __name__ == "__main__":
  main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
