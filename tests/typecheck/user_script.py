"""A user's script, type-checked by pyright in strict mode in CI (pyproject's [tool.pyright]).

It is what a user writes: the functions, the torch.nn-style classes, a jitted training step.
pyright must know every lossjax name (no unknown attribute of lossjax.nn) and infer exactly
the types `assert_type` states (no Any leaking out of a loss). Run by .ci/run, not pytest.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from typing_extensions import assert_type

import lossjax as lj
from lossjax import nn

logits = jnp.zeros((4, 3))
labels = jnp.array([0, 2, 1, 0])

loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=-100)
assert_type(loss_fn, nn.CrossEntropyLoss)
assert_type(loss_fn(logits, labels, where=labels >= 0), jax.Array)
assert_type(nn.HuberLoss(delta=0.5, reduction="sum")(jnp.ones(3), jnp.zeros(3)), jax.Array)
dice = nn.DiceLoss(mode="multiclass", include_background=False)
assert_type(dice(jnp.zeros((2, 5, 3)), jnp.zeros((2, 5), jnp.int32)), jax.Array)
ctc = nn.CTCLoss(blank=0, zero_infinity=True)
lce = nn.LinearCrossEntropyLoss(vocab_chunk=1024, return_lse=True)
assert_type(lce(jnp.zeros((4, 8)), jnp.zeros((16, 8)), labels),
            jax.Array | tuple[jax.Array, jax.Array])
assert_type(lj.cross_entropy(logits, labels), jax.Array)
assert_type(lj.mse_loss(jnp.ones(3), jnp.zeros(3), where=jnp.array([True, False, True])),
            jax.Array)


def step(w: jax.Array) -> tuple[jax.Array, jax.Array]:
  def f(w: jax.Array) -> jax.Array:
    return lj.cross_entropy(logits @ w, labels, label_smoothing=0.1) + lj.z_loss(logits @ w)

  return jax.value_and_grad(f)(w)


loss, grad = step(jnp.eye(3))
print(float(loss), grad.shape, ctc)
