"""One process with 8 virtual CPU devices: parts psum'd inside shard_map (tests/test_parts.py).

    python tests/parts_worker.py OUT.json

For each loss of the gradient-accumulation recipes, the batch is split over 8 devices; each
device computes its `reduction="parts"`, `psum` merges them, and `.mean()` (and its gradient)
must be the one-device mean. Writes the values and gradients for the test to compare.
"""

from __future__ import annotations

import json
import os
import sys


def cases():
  """(name, loss(params, *batch, reduction), params, batch arrays): the same in both processes."""
  import jax
  import jax.numpy as jnp
  import numpy as np

  import lossjax as lj

  rng = np.random.default_rng(0)
  n = 16
  x = jnp.asarray(rng.normal(size=(n, 5)))
  y = jnp.asarray(rng.integers(0, 5, size=n)).at[jnp.array([0, 1, 2, 3, 9])].set(-100)
  m = jnp.asarray(rng.uniform(size=n) > 0.3)
  w = jnp.asarray(rng.uniform(0.5, 2.0, size=5))
  h, wv = jnp.asarray(rng.normal(size=(n, 6))), jnp.asarray(rng.normal(size=(12, 6)) / 3)
  lp = jnp.asarray(rng.normal(size=(n, 9, 4)))
  tg = jnp.asarray(rng.integers(1, 4, size=(n, 3)))
  il, tl = jnp.asarray(rng.integers(6, 10, size=n)), jnp.asarray(rng.integers(1, 4, size=n))
  logps = jnp.asarray(np.log(rng.uniform(0.1, 0.9, size=(n, 5))))
  adv, tok = jnp.asarray(rng.normal(size=n)), jnp.asarray(rng.uniform(size=(n, 5)) > 0.3)
  seg, segy = jnp.asarray(rng.normal(size=(n, 4, 4, 3))), jnp.asarray(rng.integers(0, 3, (n, 4, 4)))
  return [
      ("cross_entropy", lambda W, x, y, m, reduction: lj.cross_entropy(
          x @ W, y, weight=w, where=m, label_smoothing=0.1, reduction=reduction),
       jnp.eye(5), (x, y, m)),
      ("linear_cross_entropy", lambda W, h, y, reduction: lj.linear_cross_entropy(
          h, W, y, reduction=reduction), wv, (h, y)),
      ("ctc_loss", lambda s, lp, tg, il, tl, reduction: lj.ctc_loss(
          jax.nn.log_softmax(lp * s, axis=-1).transpose(1, 0, 2), tg, il, tl,
          reduction=reduction), jnp.asarray(1.2), (lp, tg, il, tl)),
      *[(f"policy_gradient_loss[{a}]", lambda s, lp, adv, tok, reduction, a=a:
         lj.policy_gradient_loss(lp * s, lp, adv, where=tok, average=a, reduction=reduction),
         jnp.asarray(1.1), (logps, adv, tok))
        for a in ("tokens", "sequences", "constant", "sequence_sums")],
      ("dice_loss", lambda W, x, y, reduction: lj.dice_loss(x @ W, y, reduction=reduction),
       jnp.eye(3) + 0.1, (seg, segy)),
  ]


def vocab_case():
  """Hidden states, a [D, V] weight (V = 8 x 6) and targets with one ignored."""
  import jax.numpy as jnp
  import numpy as np

  rng = np.random.default_rng(1)
  y = jnp.asarray(rng.integers(0, 48, size=10)).at[3].set(-100)
  return (jnp.asarray(rng.normal(size=(10, 6))), jnp.asarray(rng.normal(size=(6, 48)) / 3), y)


def main(out: str) -> None:
  os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
  import jax
  from jax.sharding import NamedSharding
  from jax.sharding import PartitionSpec as P

  import lossjax as lj

  jax.config.update("jax_enable_x64", True)
  mesh = jax.make_mesh((8,), ("data",))
  results = {"devices": jax.device_count()}
  for name, loss, params, batch in cases():
    def sharded_mean(params, *batch, loss=loss):
      def local(*shard, params=params):
        return jax.lax.psum(loss(params, *shard, reduction="parts"), "data").mean()
      return jax.shard_map(local, mesh=mesh, in_specs=tuple(P("data") for _ in batch),
                           out_specs=P())(*batch)
    batch = [jax.device_put(b, NamedSharding(mesh, P("data"))) for b in batch]
    value, grad = jax.jit(jax.value_and_grad(sharded_mean))(params, *batch)
    results[name] = {"value": float(value), "grad": jax.numpy.asarray(grad).tolist()}

  # Vocabulary-parallel linear_cross_entropy: the weight's columns over the 8 devices, the
  # tokens on every device; its parts are the tokens' (the same on every device).
  h, w, y = vocab_case()
  w = jax.device_put(w, NamedSharding(mesh, P(None, "data")))

  def vocab_parallel(w):
    def local(w):
      return lj.linear_cross_entropy(h, w, y, layout="dv", axis_name="data",
                                     reduction="parts").mean()
    return jax.shard_map(local, mesh=mesh, in_specs=P(None, "data"), out_specs=P())(w)
  value, grad = jax.jit(jax.value_and_grad(vocab_parallel))(w)
  grad = jax.jit(lambda a: a, out_shardings=NamedSharding(mesh, P()))(grad)
  results["linear_cross_entropy[vocab-parallel]"] = {
      "value": float(value), "grad": jax.numpy.asarray(grad).tolist()}
  with open(out, "w") as f:
    json.dump(results, f)


if __name__ == "__main__":
  main(sys.argv[1])
