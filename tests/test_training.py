"""lossjax inside a Flax NNX + Optax training step, under jit, on deterministic data."""

from __future__ import annotations

import contextlib

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

import lossjax as lj

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class MLP(nnx.Module):
  def __init__(self, d_in, d_out, rngs):
    self.hidden = nnx.Linear(d_in, 32, rngs=rngs)
    self.out = nnx.Linear(32, d_out, rngs=rngs)

  def __call__(self, x):
    return self.out(jax.nn.relu(self.hidden(x)))


class _Relaxed(contextlib.ExitStack):
  """flax (bias broadcast) and optax (integer step counts) rely on JAX's default
  promotion rules; the suite's strict settings are for lossjax itself."""

  def __enter__(self):
    super().__enter__()
    self.enter_context(jax.numpy_rank_promotion("allow"))
    self.enter_context(jax.numpy_dtype_promotion("standard"))
    return self


def _train(d_out, x, loss_fn, steps=150, lr=1e-2):
  with _Relaxed():
    model = MLP(x.shape[1], d_out, nnx.Rngs(0))
    optimizer = nnx.Optimizer(model, optax.adam(lr), wrt=nnx.Param)

    @nnx.jit
    def step(model, optimizer):
      loss, grads = nnx.value_and_grad(lambda m: loss_fn(m(x)))(model)
      optimizer.update(model, grads)
      return loss

    losses = [float(step(model, optimizer)) for _ in range(steps)]
    return model, losses


def _classification_data(n=512, d=8, c=4, seed=0):
  rng = np.random.default_rng(seed)
  x = rng.normal(size=(n, d)).astype(np.float32)
  y = np.argmax(x @ rng.normal(size=(d, c)), axis=1)
  return jnp.asarray(x), jnp.asarray(y)


@pytest.mark.parametrize("options", [{}, {"weight": jnp.array([1.0, 2.0, 1.0, 0.5]),
                                          "label_smoothing": 0.05}])
def test_cross_entropy_trains_a_flax_classifier(options):
  x, y = _classification_data()
  model, losses = _train(4, x, lambda logits: lj.cross_entropy(logits, y, **options))
  with _Relaxed():
    accuracy = float(jnp.mean(jnp.argmax(model(x), axis=-1) == y))
  assert losses[-1] < 0.5 * losses[0]
  assert accuracy >= 0.95, accuracy


def test_huber_trains_a_flax_regressor():
  rng = np.random.default_rng(1)
  x = jnp.asarray(rng.normal(size=(512, 8)), jnp.float32)
  target = jnp.sin(x[:, :1]) + 0.5 * x[:, 1:2]
  model, losses = _train(1, x, lambda pred: lj.huber_loss(pred, target, delta=0.5))
  assert losses[-1] < 0.02, losses[-1]


def test_bce_with_logits_trains_a_multilabel_classifier():
  rng = np.random.default_rng(2)
  x = jnp.asarray(rng.normal(size=(512, 8)), jnp.float32)
  labels = (x[:, :3] > 0).astype(jnp.float32)
  model, losses = _train(3, x, lambda logits: lj.binary_cross_entropy_with_logits(
      logits, labels, pos_weight=jnp.array([1.0, 2.0, 1.0])))
  with _Relaxed():
    accuracy = float(jnp.mean((model(x) > 0) == (labels > 0)))
  assert accuracy >= 0.95, accuracy


def test_softmax_focal_loss_trains_a_flax_classifier():
  x, y = _classification_data(seed=3)
  model, losses = _train(4, x, lambda logits: lj.softmax_focal_loss(logits, y, gamma=2.0))
  with _Relaxed():
    accuracy = float(jnp.mean(jnp.argmax(model(x), axis=-1) == y))
  assert losses[-1] < 0.2 * losses[0]
  assert accuracy >= 0.95, accuracy


def test_dice_loss_trains_a_per_pixel_segmenter():
  # 16 "images" of 64 pixels with 8 features each; a pixel is foreground when a
  # feature combination is positive (about a third of the pixels).
  rng = np.random.default_rng(4)
  x = jnp.asarray(rng.normal(size=(16 * 64, 8)), jnp.float32)
  mask = (x[:, 0] + 0.5 * x[:, 1] > 0.5).astype(jnp.float32).reshape(16, 64)

  def loss_fn(logits):
    return lj.dice_loss(logits.reshape(16, 64), mask, mode="binary")

  model, losses = _train(1, x, loss_fn)
  with _Relaxed():
    pred = (model(x).reshape(16, 64) > 0).astype(jnp.float32)
  hard_dice = float(2 * jnp.sum(pred * mask) / (jnp.sum(pred) + jnp.sum(mask)))
  assert losses[-1] < 0.1, losses[-1]
  assert hard_dice >= 0.93, hard_dice
