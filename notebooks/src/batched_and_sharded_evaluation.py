"""Notebook: batched and sharded evaluation. Cells as (kind, source) pairs; see notebooks/build.py."""

CELLS = [
    ("md", """
# Batched and sharded evaluation with lossjax

Every lossjax loss is a pure function. The same loss therefore runs unchanged under
`jax.vmap` (an ensemble of models, several datasets) and on inputs sharded over a device
mesh, in one compiled program. This notebook evaluates an ensemble on several datasets
with `vmap`. It then repeats the evaluation with the data sharded over 8 devices and
checks that the numbers are equal.

The 8 devices here are virtual CPU devices. They must be requested before JAX starts.
"""),
    ("code", """
import os
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"

import jax
import jax.numpy as jnp
import numpy as np
import lossjax as lj
from jax.sharding import NamedSharding, PartitionSpec as P

print(jax.devices())
"""),
    ("md", """
## An ensemble on several datasets, in one program

Four linear classifiers, each with its own parameter set, are evaluated on three
synthetic datasets of 4,096 examples. The evaluation reports three numbers per model and
dataset: the cross-entropy, a class-weighted cross-entropy, and a binary one-vs-rest
cross-entropy on logits. `vmap` runs over the ensemble and over the datasets.
"""),
    ("code", """
E, D_SETS, N, F, C = 4, 3, 4096, 16, 5
k_params, k_data, k_true = jax.random.split(jax.random.key(0), 3)
true_w = jax.random.normal(k_true, (F, C))
params = {"w": true_w + 0.5 * jax.random.normal(k_params, (E, F, C)), "b": jnp.zeros((E, C))}
x = jax.random.normal(k_data, (D_SETS, N, F))
y = jnp.argmax(x @ true_w + 0.3 * jax.random.normal(k_data, (D_SETS, N, C)), axis=-1)
class_weight = jnp.array([1.0, 2.0, 1.0, 0.5, 1.5])

def evaluate(p, x, y):
  logits = x @ p["w"] + p["b"]
  onehot = jax.nn.one_hot(y, C)
  return jnp.stack([
      lj.cross_entropy(logits, y),
      lj.cross_entropy(logits, y, weight=class_weight),
      lj.binary_cross_entropy_with_logits(logits, onehot),
  ])

# over datasets (inner), then over ensemble members (outer): [E, D_SETS, 3]
evaluate_all = jax.jit(jax.vmap(jax.vmap(evaluate, in_axes=(None, 0, 0)), in_axes=(0, None, None)))
table = evaluate_all(params, x, y)
print("cross-entropy per model (rows) and dataset (columns):")
print(np.round(np.asarray(table[..., 0]), 4))
"""),
    ("md", """
`vmap` is the same as a Python loop over models and datasets, only faster:
"""),
    ("code", """
loop = np.array([[evaluate(jax.tree.map(lambda a, e=e: a[e], params), x[d], y[d]) for d in range(D_SETS)]
                 for e in range(E)])
print("max |vmap - loop| =", float(np.max(np.abs(loop - np.asarray(table)))))
"""),
    ("md", """
## The same evaluation on data sharded over 8 devices

A mesh with a `data` axis of 8 devices is built, and every dataset's examples are split
over it. The parameters are replicated. The compiled program is the same `evaluate_all`.
XLA partitions it over the mesh, and the losses' reductions over the batch become
cross-device sums.
"""),
    ("code", """
mesh = jax.make_mesh((8,), ("data",), axis_types=(jax.sharding.AxisType.Auto,))
x_sharded = jax.device_put(x, NamedSharding(mesh, P(None, "data", None)))
y_sharded = jax.device_put(y, NamedSharding(mesh, P(None, "data")))
params_replicated = jax.device_put(params, NamedSharding(mesh, P()))
print("x is split as", x_sharded.sharding.spec, "over", len(x_sharded.devices()), "devices")

sharded_table = evaluate_all(params_replicated, x_sharded, y_sharded)
print("max |sharded - single device| =", float(np.max(np.abs(np.asarray(sharded_table) - np.asarray(table)))))
assert np.allclose(sharded_table, table, rtol=1e-5, atol=1e-6)
"""),
    ("md", """
## On GPUs, TPUs and many hosts

- **One GPU or TPU.** Nothing changes: `jax.jit` compiles the same program for the
  accelerator. Losses compute in float32 even for bf16 logits, so bf16 training is safe.
- **Several accelerators on one host.** Use a mesh of real devices,
  `jax.make_mesh((jax.device_count(),), ("data",))`, exactly as above. The virtual CPU
  devices stand in for them here.
- **Many hosts.** Call `jax.distributed.initialize()` on every host. `jax.devices()` then
  spans all hosts, and the same mesh code shards over all of them. Each host feeds its
  own slice of the batch (`jax.make_array_from_process_local_data`).
- **Large vocabularies.** `lj.linear_cross_entropy(..., axis_name="vocab")` inside
  `jax.shard_map` shards the output layer's weight over the vocabulary. It combines the
  partial log-sum-exps across devices and never gathers the weight or the logits.
"""),
]
