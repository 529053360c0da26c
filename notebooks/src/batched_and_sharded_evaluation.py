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
## Means over sharded data: `reduction="parts"`

A mean with `where` or `ignore_index` divides by the number of *counted* elements (with class
weights, by their sum). Over sharded data (data parallelism, gradient accumulation over
micro-batches) that denominator must be the global one. `reduction="parts"` returns the
loss's own numerator and denominator, `lj.Parts(total, count)`; `psum` adds them over the
devices and `.mean()` divides once. Under `jax.jit` on globally sharded arrays XLA does this
by itself; inside `jax.shard_map` you write it. Averaging per-shard means instead weighs a
shard with many masked or ignored rows as much as a full one.
"""),
    ("code", """
logits, labels = x[0] @ params["w"][0], y[0]
labels = labels.at[:700].set(-100)                 # ignored rows, all in the first shards
keep = jnp.arange(N) % 3 != 0                      # masked rows, everywhere
want = lj.cross_entropy(logits, labels, where=keep)

def per_shard(lg, lb, m):
  parts = lj.cross_entropy(lg, lb, where=m, reduction="parts")
  return jax.lax.psum(parts, "data").mean()

def mean_of_means(lg, lb, m):                       # the mistake, for comparison
  return jax.lax.pmean(lj.cross_entropy(lg, lb, where=m), "data")

specs = (P("data", None), P("data"), P("data"))
for name, f in (("parts, psum, mean", per_shard), ("mean of shard means", mean_of_means)):
  got = jax.jit(jax.shard_map(f, mesh=mesh, in_specs=specs, out_specs=P()))(logits, labels, keep)
  print(f"{name:>20}: {float(got):.6f}   single device: {float(want):.6f}")
"""),
    ("md", """
## Gradient accumulation on variable-length sequences

A language-model batch of sequences of very different lengths, split into micro-batches
(gradient accumulation): each micro-batch's mean divides by its own token count, so a mean of
those means weighs the tokens of a short micro-batch more than the tokens of a long one. The
parts of the micro-batches add up to the batch's: the merged mean is the true loss for any
number of micro-batches.
"""),
    ("code", """
import matplotlib.pyplot as plt

rng = np.random.default_rng(0)
n_seq, t_max, vocab = 64, 96, 50
lengths = np.sort(rng.integers(4, t_max + 1, n_seq))  # length-bucketed, as loaders do
tokens = jnp.asarray(rng.integers(0, vocab, (n_seq, t_max)))
seq_logits = jnp.asarray(rng.normal(size=(n_seq, t_max, vocab)).astype(np.float32))
easy = jnp.asarray(4.0 * (1 - lengths / t_max), jnp.float32)[:, None, None]
seq_logits = seq_logits + easy * jax.nn.one_hot(tokens, vocab)  # short sequences: easier
valid = jnp.arange(t_max)[None, :] < jnp.asarray(lengths)[:, None]
true = float(lj.cross_entropy(seq_logits, tokens, where=valid))

splits, drift, exact = [1, 2, 4, 8, 16, 32], [], []
for k in splits:
  pieces = np.array_split(np.arange(n_seq), k)
  means = [lj.cross_entropy(seq_logits[i], tokens[i], where=valid[i]) for i in pieces]
  parts = sum(lj.cross_entropy(seq_logits[i], tokens[i], where=valid[i], reduction="parts")
              for i in pieces)
  drift.append(100 * abs(float(np.mean(means)) - true) / true)
  exact.append(100 * abs(float(parts.mean()) - true) / true)

fig, ax = plt.subplots(figsize=(5.5, 3.2))
ax.plot(splits, drift, "o-", label="mean of micro-batch means")
ax.plot(splits, exact, "s-", label='parts, merged (reduction="parts")')
ax.set_xscale("log", base=2)
ax.set(xlabel="micro-batches", ylabel="error against the true loss (%)",
       title="gradient accumulation over variable-length sequences")
ax.legend()
fig.tight_layout()
print(f"true loss {true:.5f}; largest drift {max(drift):.2f}%, parts {max(exact):.1e}%")
"""),
    ("md", """
## Memory and throughput against the number of devices

The same evaluation, sharded over 1, 2, 4 and 8 devices. Each device holds `1/devices` of
the data, which is what lets a batch outgrow one accelerator. The throughput is measured
here on virtual CPU devices. **Caveat:** the 8 "devices" are threads of this machine's 2 CPU
cores, so the throughput cannot scale here. The plot shows the program running sharded, not
the speed-up real accelerators give.
"""),
    ("code", """
import time
import matplotlib.pyplot as plt

counts, per_device_mib, throughput = [1, 2, 4, 8], [], []
for n_dev in counts:
  sub = jax.make_mesh((n_dev,), ("data",), devices=jax.devices()[:n_dev],
                      axis_types=(jax.sharding.AxisType.Auto,))
  xs = jax.device_put(x, NamedSharding(sub, P(None, "data", None)))
  ys = jax.device_put(y, NamedSharding(sub, P(None, "data")))
  ps = jax.device_put(params, NamedSharding(sub, P()))
  per_device_mib.append(xs.addressable_shards[0].data.nbytes / 2**20)
  jax.block_until_ready(evaluate_all(ps, xs, ys))  # compile
  start = time.perf_counter()
  for _ in range(20):
    jax.block_until_ready(evaluate_all(ps, xs, ys))
  throughput.append(20 * E * D_SETS * N / (time.perf_counter() - start))

fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2))
a.plot(counts, per_device_mib, "o-")
a.set_xscale("log", base=2)
a.set(xlabel="devices", ylabel="MiB of inputs per device", title="memory per device")
b.plot(counts, np.asarray(throughput) / 1e6, "o-")
b.set_xscale("log", base=2)
b.set(xlabel="devices (virtual, on 2 CPU cores)", ylabel="M examples / s",
      title="throughput (does not scale here)")
fig.tight_layout()
"""),
    ("md", """
## On GPUs, TPUs and many hosts

- **One GPU or TPU.** Nothing changes: `jax.jit` compiles the same program for the
  accelerator. Losses compute in float32 even for bf16 logits, so bf16 training is safe.
- **Several accelerators on one host.** Use a mesh of real devices,
  `jax.make_mesh((jax.device_count(),), ("data",))`, exactly as above. The virtual CPU
  devices stand in for them here.
- **Many hosts.** Call `jax.distributed.initialize()` on every host (on a TPU pod or a
  SLURM cluster it finds its peers by itself). `jax.devices()` then spans all hosts, and
  the same mesh code shards over all of them. Each host feeds its own slice of the batch
  (`jax.make_array_from_process_local_data`, or `jax.make_array_from_callback`). The test
  suite runs this for real with two processes on one machine (tests/distributed_worker.py):
  the masked mean and vocabulary-parallel `linear_cross_entropy` give the single-process
  values and gradients.
- **One program for every platform.** XLA:CPU-specific forms (cross-entropy's chunked
  log-sum-exp over long rows, its optimization barriers) are chosen when the program is
  lowered, so the same jitted or `jax.export`-ed function gets the plain fused form on GPU
  and TPU.
- **Large vocabularies.** `lj.linear_cross_entropy(..., axis_name="vocab")` inside
  `jax.shard_map` shards the output layer's weight over the vocabulary. It combines the
  partial log-sum-exps across devices and never gathers the weight or the logits.
"""),
]
