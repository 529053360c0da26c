"""cross_entropy, nll_loss, binary_cross_entropy(_with_logits): behaviour beyond the fixtures.

Reference numbers come from the PyTorch fixtures (tests/test_fixtures.py) or
from lossjax itself under an exact identity (layout, dtype, shift, slicing).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.test_util
import numpy as np
import pytest

import lossjax as lj
from lossjax._shared.classes import chunk_size

RNG = np.random.default_rng(0)
LOGITS = jnp.asarray(RNG.normal(size=(2, 5, 3, 4)))  # torch layout [N, C, d1, d2]
LABELS = jnp.asarray(RNG.integers(0, 5, size=(2, 3, 4)))


def test_channels_last_equals_torch_layout():
  last = jnp.moveaxis(LOGITS, 1, -1)
  w = jnp.linspace(0.5, 2.0, 5)
  for kw in ({}, {"weight": w, "label_smoothing": 0.2}):
    np.testing.assert_allclose(
        lj.cross_entropy(last, LABELS, **kw), lj.cross_entropy(LOGITS, LABELS, axis=1, **kw),
        rtol=1e-13,
    )
  logp = jax.nn.log_softmax(LOGITS, axis=1)
  np.testing.assert_allclose(
      lj.nll_loss(jnp.moveaxis(logp, 1, -1), LABELS), lj.nll_loss(logp, LABELS, axis=1), rtol=1e-13
  )


@pytest.mark.parametrize("dtype", [jnp.int8, jnp.uint8, jnp.int16, jnp.int32, jnp.int64])
def test_any_integer_target_dtype(dtype):
  x = LOGITS[:, :, 0, 0]
  y = LABELS[:, 0, 0]
  np.testing.assert_allclose(lj.cross_entropy(x, y.astype(dtype)), lj.cross_entropy(x, y), rtol=0)


def test_out_of_range_class_raises_on_concrete_input_like_torch():
  x = jnp.zeros((3, 4))
  with pytest.raises(ValueError, match=r"cross_entropy: argument `target` holds 7"):
    lj.cross_entropy(x, jnp.array([0, 7, 1]))
  with pytest.raises(ValueError, match=r"nll_loss: argument `target` holds -1"):
    lj.nll_loss(x, jnp.array([0, -1, 1]))
  lj.cross_entropy(x, jnp.array([0, 3, 1]), ignore_index=3)  # ignored, not out of range


def test_out_of_range_class_does_not_raise_under_jit():
  # The compiled path pays nothing for value checks (checked mode is opt-in):
  # an out-of-range class gathers NaN (JAX's fill value), never a wrong number.
  assert jnp.isnan(jax.jit(lj.cross_entropy)(jnp.zeros((3, 4)), jnp.array([0, 7, 1])))


def test_option_errors_use_torch_wording():
  x, y = jnp.zeros((3, 4)), jnp.array([0, 1, 2])
  with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0. Got: 1.5"):
    lj.cross_entropy(x, y, label_smoothing=1.5)
  with pytest.raises(ValueError, match="weight tensor should be defined either for all 4 classes"):
    lj.cross_entropy(x, y, weight=jnp.ones(3))
  with pytest.raises(ValueError, match=r"cross_entropy: argument `target` has shape \(3,\) and dtype float64.*class indices must be integers"):
    lj.cross_entropy(x, jnp.zeros(3))  # float target must be probabilities of the input's shape
  with pytest.raises(ValueError, match=r"cross_entropy: argument `axis`"):
    lj.cross_entropy(x, y, axis=2)



def test_softmax_losses_are_shift_invariant():
  x = LOGITS[:, :, 0, 0]
  y = LABELS[:, 0, 0]
  t = jax.nn.softmax(jnp.asarray(RNG.normal(size=x.shape)))
  for target in (y, t):
    np.testing.assert_allclose(
        lj.cross_entropy(x + 1e3, target, label_smoothing=0.1),
        lj.cross_entropy(x, target, label_smoothing=0.1), rtol=1e-10,
    )



def test_huge_logits_are_finite():
  x = jnp.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], jnp.float32)
  for target in (jnp.array([1, 0]), jax.nn.softmax(jnp.zeros((2, 3)))):
    value, grad = jax.value_and_grad(lj.cross_entropy)(x, target, label_smoothing=0.1)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    value, grad = jax.value_and_grad(lj.binary_cross_entropy_with_logits)(x, jnp.ones_like(x))
    assert np.isfinite(value) and np.all(np.isfinite(grad))


def test_unbatched_input_with_axis_1_is_torch_unbatched():
  x, y = LOGITS[0, :, 0, 0], LABELS[0, 0, 0]
  np.testing.assert_allclose(lj.cross_entropy(x, y, axis=1), lj.cross_entropy(x[None], y[None]))


def test_bce_probabilities_outside_unit_interval_raise_like_torch():
  with pytest.raises(ValueError, match="binary_cross_entropy: argument `input` holds 1.5"):
    lj.binary_cross_entropy(jnp.array([0.5, 1.5]), jnp.array([1.0, 0.0]))



def test_bce_target_shape_must_equal_input_shape():
  with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: argument `target`"):
    lj.binary_cross_entropy_with_logits(jnp.zeros((3, 4)), jnp.zeros((4,)))
  with pytest.raises(ValueError, match=r"argument `pos_weight` has shape \(3,\)"):
    lj.binary_cross_entropy_with_logits(jnp.zeros((3, 4)), jnp.zeros((3, 4)), pos_weight=jnp.ones(3))


def test_bce_with_logits_agrees_with_bce_on_sigmoid():
  x = jnp.asarray(RNG.normal(size=(4, 3)))
  t = jnp.asarray(RNG.uniform(size=(4, 3)))
  np.testing.assert_allclose(
      lj.binary_cross_entropy_with_logits(x, t), lj.binary_cross_entropy(jax.nn.sigmoid(x), t),
      rtol=1e-12,
  )


@pytest.mark.parametrize("c", [5 * 8192, 8 * 8192 + 3000, 65537])
def test_chunked_log_normaliser_at_large_class_counts_equals_log_softmax(c):
  # Rows of more than 32,768 classes take the chunked online log-sum-exp path
  # (fixtures have few classes): 40,960 = 5 chunks of 8,192; 68,536 = 8 chunks
  # of 8,567 (a divisor); 65,537 (prime) = 8 chunks of 8,192 plus a 1-class
  # tail. The reference is jax.nn.log_softmax, with -inf classes, a whole chunk
  # of -inf, an -inf tail logit, label smoothing and weights.
  chunk = chunk_size(c)
  assert (c % chunk == 0) == (c != 65537)
  x = jnp.asarray(RNG.normal(size=(3, c)) * 4)
  x = x.at[0, :chunk].set(-jnp.inf).at[1, 5].set(-jnp.inf).at[2, c - 1].set(-jnp.inf)
  y = jnp.array([chunk + 808, 7, c - 2])
  w = jnp.asarray(RNG.uniform(0.5, 2.0, size=c))

  def reference(x, y, eps, w):
    logp = jnp.where(jnp.isneginf(x), -jnp.inf, jax.nn.log_softmax(x, axis=-1))
    nll = -jnp.take_along_axis(logp, y[:, None], axis=-1)[:, 0] * w[y]
    smooth = -jnp.sum(jnp.where(jnp.isneginf(logp), 0.0, logp) * w[None, :], axis=-1)
    return jnp.sum((1 - eps) * nll + eps / c * smooth) / jnp.sum(w[y])

  finite = jnp.where(jnp.isneginf(x), -50.0, x)  # smoothing needs finite logits
  for inp, eps in ((x, 0.0), (finite, 0.1)):
    got, g = jax.value_and_grad(lj.cross_entropy)(inp, y, weight=w, label_smoothing=eps)
    want, g_want = jax.value_and_grad(reference)(inp, y, eps, w)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(g, g_want, rtol=1e-10, atol=1e-16)
  assert np.isnan(lj.cross_entropy(jnp.full((1, c), -jnp.inf), jnp.array([0])))  # as torch
  # The written-out derivative, in forward and reverse mode, against finite differences.
  jax.test_util.check_grads(lambda z: lj.cross_entropy(z, y[:2]), (finite[:2],), order=1,
                            modes=("fwd", "rev"))


@pytest.mark.parametrize("classes", [8192, 16 * 8192, 128256])
def test_bf16_cross_entropy_equals_float32_and_keeps_no_float32_copy(classes):
  # bf16 logits are computed in float32. The result equals the float32 loss of
  # the same (exactly widened) values, gradients round once to bf16, and XLA
  # keeps no float32 [N, C] temporary (a full copy made bf16 2.5x slower than
  # float32 on CPU; compile-time figures, deterministic).
  n = 64
  x32 = jnp.asarray(RNG.normal(size=(n, classes)) * 3, jnp.float32)
  xb = x32.astype(jnp.bfloat16)
  y = jnp.asarray(RNG.integers(0, classes, size=n))
  vg = jax.value_and_grad(lj.cross_entropy)
  got, g = vg(xb, y)
  want, g_want = vg(xb.astype(jnp.float32), y)
  assert got.dtype == jnp.float32 and g.dtype == jnp.bfloat16
  np.testing.assert_allclose(got, want, rtol=1e-6)
  np.testing.assert_allclose(g.astype(jnp.float32), g_want.astype(jnp.bfloat16).astype(jnp.float32),
                             rtol=1e-2, atol=1e-9)
  f32_copy = n * classes * 4
  for fn in (lj.cross_entropy, vg):
    compiled = jax.jit(fn).lower(xb, y).compile()
    assert compiled.memory_analysis().temp_size_in_bytes < f32_copy // 4, fn
