"""Every known NaN / quantisation trap of loss libraries, one named test each.

Each test says in its name and first line which upstream issue it guards.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj

RNG = np.random.default_rng(0)


def test_optax_896_1762_neg_inf_logits_with_soft_targets_are_finite():
  """-inf logits (masked-out classes) under zero probability targets: not NaN."""
  x = jnp.array([[0.0, -jnp.inf, 1.0], [-jnp.inf, 2.0, 0.5]])
  t = jnp.array([[0.5, 0.0, 0.5], [0.0, 1.0, 0.0]])
  for smoothing in (0.0, 0.1):
    value, grad = jax.value_and_grad(lj.cross_entropy)(x, t, label_smoothing=smoothing)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
  np.testing.assert_allclose(lj.cross_entropy(x, t),
                             lj.cross_entropy(jnp.where(jnp.isinf(x), -1e30, x), t))
  assert np.all(np.isfinite(jax.grad(lj.cross_entropy)(x, jnp.array([0, 1]))))


def test_optax_1786_kl_zero_targets_have_finite_gradients_wrt_both():
  """KL with zero targets: gradient wrt the target is finite (torch: -inf; optax: NaN)."""
  x = jax.nn.log_softmax(jnp.asarray(RNG.normal(size=(3, 4))))
  t = jnp.array([[0.5, 0.5, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25]])
  gx, gt = jax.grad(lj.kl_div, argnums=(0, 1))(x, t, reduction="batchmean")
  assert np.all(np.isfinite(gx)) and np.all(np.isfinite(gt))
  np.testing.assert_array_equal(gt[t == 0], 0.0)
  x_inf = x.at[1, 3].set(-jnp.inf)  # log-probability -inf under a zero target: 0, not NaN
  value, g = jax.value_and_grad(lj.kl_div)(x_inf, t)
  assert np.isfinite(value) and np.all(np.isfinite(g))


def test_optax_1792_uniform_huge_logits_give_log_c():
  """Uniform logits of 1e8: the loss is log C, not 0 (catastrophic cancellation)."""
  for dtype in (jnp.float32, jnp.bfloat16):
    x = jnp.full((2, 5), 1e8, dtype)
    np.testing.assert_allclose(lj.cross_entropy(x, jnp.array([0, 3])), np.log(5), rtol=1e-6)
    np.testing.assert_allclose(lj.cross_entropy(x, jax.nn.softmax(jnp.zeros((2, 5)))),
                               np.log(5), rtol=1e-6)


def test_optax_1020_bf16_cross_entropy_is_not_quantised():
  """bf16 logits: the loss equals the float32 reference of the same bf16 values to 1e-6."""
  x = jnp.asarray(RNG.normal(size=(64, 1000)) * 3, jnp.bfloat16)
  y = jnp.asarray(RNG.integers(0, 1000, size=(64,)))
  got = lj.cross_entropy(x, y, label_smoothing=0.1)
  want = lj.cross_entropy(x.astype(jnp.float32), y, label_smoothing=0.1)
  assert got.dtype == jnp.float32
  np.testing.assert_allclose(got, want, rtol=1e-6)


def test_pytorch_70348_all_targets_ignored_gives_zero_not_nan():
  """Every target equal to ignore_index: mean is 0 with a zero gradient (torch: NaN)."""
  x = jnp.asarray(RNG.normal(size=(3, 4)))
  y = jnp.full((3,), -100)
  for fn, inp in ((lj.cross_entropy, x), (lj.nll_loss, jax.nn.log_softmax(x))):
    value, grad = jax.value_and_grad(fn)(inp, y)
    assert value == 0.0 and not np.any(np.asarray(grad))


def test_pytorch_96813_smooth_l1_beta_0_at_equality_has_zero_gradient():
  """smooth_l1_loss(beta=0) at input == target: gradient 0, not NaN (0/0)."""
  x = jnp.asarray(RNG.normal(size=(4, 3)))
  np.testing.assert_allclose(lj.smooth_l1_loss(x, 2 * x, beta=0.0), lj.l1_loss(x, 2 * x), rtol=0)
  for fn in (lambda a, b: lj.smooth_l1_loss(a, b, beta=0.0), lj.l1_loss):
    np.testing.assert_array_equal(jax.grad(fn)(x, x), 0.0)


def test_bce_at_probabilities_exactly_0_and_1_is_finite():
  """BCE at p in {0, 1}: torch's -100 clamp on the logs, finite gradients."""
  p = jnp.array([0.0, 1.0, 0.0, 1.0])
  t = jnp.array([0.0, 1.0, 1.0, 0.0])
  value, (gp, gt) = jax.value_and_grad(lj.binary_cross_entropy, argnums=(0, 1))(p, t)
  assert value == pytest.approx(50.0)  # two clamped logs of -100, averaged over 4
  assert np.all(np.isfinite(gp)) and np.all(np.isfinite(gt))


def test_bce_with_logits_at_infinite_logits_is_finite():
  """±inf logits: finite value and gradient (torch: NaN for -inf with target 0)."""
  x = jnp.array([-jnp.inf, jnp.inf, -jnp.inf, 1e4, -1e4])
  t = jnp.array([0.0, 1.0, 1.0, 0.0, 1.0])
  value, g = jax.value_and_grad(lj.binary_cross_entropy_with_logits)(x, t, pos_weight=jnp.full(5, 2.0))
  assert np.isfinite(value) and np.all(np.isfinite(g))


def test_poisson_nll_at_rate_zero_is_finite():
  """Rate 0 (log-rate -inf, or rate 0 without log input): finite value and gradients."""
  t = jnp.array([0.0, 2.0, 5.0])
  for log_input, x in ((False, jnp.zeros(3)), (True, jnp.array([-jnp.inf, 0.0, 1.0]))):
    for full in (False, True):
      value, (gx, gt) = jax.value_and_grad(lj.poisson_nll_loss, argnums=(0, 1))(
          x, t, log_input=log_input, full=full)
      assert np.isfinite(value), (log_input, full)
      assert np.all(np.isfinite(gx)) and np.all(np.isfinite(gt)), (log_input, full)


def test_optax_1771_ctc_loss_is_never_negative():
  """A near-certain alignment: -log p rounds to ~0 and must not come out negative."""
  t, c = 6, 3
  logits = jnp.full((t, 1, c), -30.0).at[:, 0, 1].set(30.0)  # class 1 at every frame
  lp = jax.nn.log_softmax(logits, axis=-1).astype(jnp.float32)
  loss = lj.ctc_loss(lp, jnp.array([[1]]), jnp.array([t]), jnp.array([1]), reduction="none")
  assert np.all(np.asarray(loss) >= 0.0)


def test_pytorch_31557_ctc_impossible_alignment_has_finite_gradient():
  """Target longer than the input: inf loss, finite gradient; zero_infinity gives 0 and 0."""
  lp = jax.nn.log_softmax(jnp.asarray(RNG.normal(size=(3, 2, 5))), axis=-1)
  targets = jnp.array([[1, 1, 2, 3], [1, 2, 0, 0]])  # sequence 0 needs 5 frames, has 3
  il, tl = jnp.array([3, 3]), jnp.array([4, 2])
  value, grad = jax.value_and_grad(lj.ctc_loss)(lp, targets, il, tl, reduction="sum")
  assert np.isinf(value) and np.all(np.isfinite(grad))
  none = lj.ctc_loss(lp, targets, il, tl, reduction="none", zero_infinity=True)
  assert none[0] == 0.0 and np.isfinite(none[1]) and none[1] > 0
  grad = jax.grad(lj.ctc_loss)(lp, targets, il, tl, zero_infinity=True)
  np.testing.assert_array_equal(grad[:, 0], 0.0)
  assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("gamma", [0.0, 2.0])
def test_optax_1267_focal_loss_at_logit_1000_is_finite_with_hessian(gamma):
  """Focal loss at logits ±1000: finite value, gradient and Hessian, gamma 0 and 2."""
  x = jnp.array([1000.0, -1000.0, 1000.0, -1000.0])
  t = jnp.array([1.0, 0.0, 0.0, 1.0])
  f = lambda x: lj.sigmoid_focal_loss(x, t, gamma=gamma, reduction="sum")  # noqa: E731
  value, grad, hess = f(x), jax.grad(f)(x), jax.hessian(f)(x)
  assert np.isfinite(value) and np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))
  g = lambda x: lj.softmax_focal_loss(x, jnp.array([0, 1]), gamma=gamma, reduction="sum")  # noqa: E731
  logits = jnp.array([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0]])
  assert np.all(np.isfinite(jax.hessian(g)(logits))) and np.isfinite(g(logits))


def test_sqrt_at_zero_cosine_and_triplet_at_zero_or_identical_vectors():
  """Zero vectors (cosine) and identical vectors (triplet): sqrt(0) must not put NaN in grads."""
  zero = jnp.zeros((2, 4))
  a = jnp.asarray(RNG.normal(size=(2, 4)))
  for fn, args in (
      (lj.cosine_embedding_loss, (zero, zero, jnp.array([1.0, -1.0]))),
      (lj.cosine_similarity_loss, (zero, zero)),
      (lj.triplet_margin_loss, (a, a, a)),
      (lj.triplet_margin_with_distance_loss, (zero, zero, zero)),
      (lambda x, y: lj.contrastive_loss(x, y, jnp.array([True, False])), (a, a)),
  ):
    value, grads = jax.value_and_grad(fn, argnums=(0, 1))(*args)
    assert np.isfinite(value) and all(np.all(np.isfinite(g)) for g in grads)
