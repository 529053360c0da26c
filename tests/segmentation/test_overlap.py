"""Overlap losses: optax's Tversky-form dice as the reference, identities and edges.

generalized_dice_loss is also fixed by a torch transcription of MONAI's
GeneralizedDiceLoss (tests/fixture_cases/segmentation.py -> fixtures).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import lossjax as lj

RNG = np.random.default_rng(0)
X = jnp.asarray(RNG.normal(size=(3, 6, 5, 4)) * 2)  # [N, H, W, C]
Y = jnp.asarray(RNG.integers(0, 4, size=(3, 6, 5)))
ONEHOT = jax.nn.one_hot(Y, 4, dtype=X.dtype)


def _optax(alpha, beta, smooth):
  # optax.losses.dice_loss: 1 - (I + s) / (I + a FP + b FN + s) per image and class.
  with jax.numpy_dtype_promotion("standard"):
    return optax.losses.dice_loss(X, ONEHOT, smooth=smooth, alpha=alpha, beta=beta,
                                  reduction="none")


@pytest.mark.parametrize(("alpha", "beta"), [(0.5, 0.5), (0.3, 0.7), (0.8, 0.2)])
def test_tversky_equals_optax(alpha, beta):
  got = lj.tversky_loss(X, Y, alpha=alpha, beta=beta, smooth_nr=1.0, smooth_dr=1.0,
                        reduction="none")
  np.testing.assert_allclose(got, _optax(alpha, beta, 1.0), rtol=1e-12)


def test_jaccard_and_dice_equal_optax():
  # optax's Jaccard form (I + s) / (U + s) is MONAI's (2I + 2s) / (2U + 2s), lossjax's
  # jaccard_loss with smooth_nr = smooth_dr = 2s (SMP's JaccardLoss is the same form).
  np.testing.assert_allclose(
      lj.jaccard_loss(X, Y, smooth_nr=1.0, smooth_dr=1.0, reduction="none"), _optax(1.0, 1.0, 0.5),
      rtol=1e-12)
  # optax's dice form (I + s) / ((P + T) / 2 + s) is (2I + 2s) / (P + T + 2s).
  np.testing.assert_allclose(
      lj.dice_loss(X, Y, smooth_nr=2.0, smooth_dr=2.0, reduction="none"), _optax(0.5, 0.5, 1.0),
      rtol=1e-12)


def test_focal_tversky_is_tversky_to_the_gamma():
  t = lj.tversky_loss(X, Y, alpha=0.3, beta=0.7, reduction="none")
  np.testing.assert_allclose(lj.focal_tversky_loss(X, Y, gamma=1.5, reduction="none"), t**1.5,
                             rtol=1e-12)


def test_layouts_modes_and_background():
  np.testing.assert_allclose(lj.dice_loss(jnp.moveaxis(X, -1, 1), Y, axis=1), lj.dice_loss(X, Y),
                             rtol=1e-13)
  # multiclass with softmax == multilabel on the softmax probabilities and one-hot targets
  np.testing.assert_allclose(
      lj.dice_loss(jax.nn.softmax(X), ONEHOT, mode="multilabel", from_logits=False),
      lj.dice_loss(X, Y), rtol=1e-13)
  none = lj.jaccard_loss(X, Y, reduction="none")
  np.testing.assert_allclose(lj.jaccard_loss(X, Y, include_background=False, reduction="none"),
                             none[..., 1:], rtol=1e-13)


def test_ignored_pixels_do_not_matter():
  y = Y.at[:, 0, :].set(-1)
  moved = X.at[:, 0, :, :].set(100.0)  # anything at ignored pixels
  for fn in (lj.dice_loss, lj.tversky_loss, lj.generalized_dice_loss):
    np.testing.assert_allclose(fn(moved, y, ignore_index=-1), fn(X, y, ignore_index=-1),
                               rtol=1e-13)


def test_empty_target_and_empty_prediction_give_zero_with_finite_gradients():
  logits = jnp.full((2, 8), -1e4)  # binary: prediction ~0 everywhere
  target = jnp.zeros((2, 8))
  for fn in (lj.dice_loss, lj.jaccard_loss, lj.tversky_loss, lj.focal_tversky_loss,
             lj.generalized_dice_loss):
    value, grad = jax.value_and_grad(lambda x, fn=fn: fn(x, target, mode="binary"))(logits)
    np.testing.assert_allclose(value, 0.0, atol=1e-9)
    assert np.all(np.isfinite(grad)), fn.__name__


def test_lovasz_with_a_class_absent_from_the_batch_is_finite():
  # Class 3 never appears: "present" skips it, "all" counts it; both finite.
  y = jnp.where(Y == 3, 0, Y)
  for classes in ("present", "all"):
    value, grad = jax.value_and_grad(lj.lovasz_softmax_loss)(X, y, classes=classes)
    assert np.isfinite(value) and np.all(np.isfinite(grad)), classes
  absent_only = lj.lovasz_softmax_loss(X, y, classes="present", per_image=True, reduction="none")
  assert np.all(np.isfinite(absent_only))
  value, grad = jax.value_and_grad(lj.lovasz_hinge_loss)(X[..., 0], jnp.zeros(Y.shape, jnp.int32))
  assert np.isfinite(value) and np.all(np.isfinite(grad))  # no positive pixel at all
