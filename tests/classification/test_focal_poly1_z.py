"""Focal, Poly-1 and z-loss: checked against optax directly, or against an identity.

softmax_focal_loss and z_loss are also fixed by torch implementations of their
formulas (tests/fixture_cases/classification.py -> lossjax/fixtures, test_fixtures.py).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import lossjax as lj

RNG = np.random.default_rng(0)
X = jnp.asarray(RNG.normal(size=(7, 4)) * 3)
T_SOFT = jnp.asarray(RNG.uniform(size=(7, 4)))
T_HARD = jnp.asarray((RNG.uniform(size=(7, 4)) < 0.5).astype(np.float64))
LABELS = jnp.asarray(RNG.integers(0, 4, size=(7,)))


@pytest.mark.parametrize("alpha", [0.25, 0.8, -1.0])
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("targets", [T_SOFT, T_HARD], ids=["soft", "hard"])
def test_sigmoid_focal_equals_optax(alpha, gamma, targets):
  # Reference: optax.sigmoid_focal_loss (per element; alpha=None disables weighting).
  with jax.numpy_dtype_promotion("standard"):
    want = optax.sigmoid_focal_loss(X, targets, alpha=None if alpha < 0 else alpha, gamma=gamma)
  got = lj.sigmoid_focal_loss(X, targets, alpha=alpha, gamma=gamma, reduction="none")
  np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("epsilon", [1.0, 2.0, -0.5])
def test_poly1_equals_optax_for_integer_and_probability_labels(epsilon):
  # Reference: optax.losses.poly_loss_cross_entropy (labels as probabilities).
  onehot = jax.nn.one_hot(LABELS, 4, dtype=X.dtype)
  probs = jax.nn.softmax(jnp.asarray(RNG.normal(size=(7, 4))))
  with jax.numpy_dtype_promotion("standard"):
    # T_SOFT's rows do not sum to 1: optax's term is ε Σ t_c (1 - p_c), not ε (1 - Σ t_c p_c).
    for labels, as_probs in ((LABELS, onehot), (probs, probs), (T_SOFT, T_SOFT)):
      want = optax.losses.poly_loss_cross_entropy(X, as_probs, epsilon=epsilon)
      got = lj.poly1_cross_entropy(X, labels, epsilon=epsilon, reduction="none")
      np.testing.assert_allclose(got, want, rtol=1e-12)


def test_softmax_focal_with_gamma_0_is_cross_entropy():
  w = jnp.asarray(RNG.uniform(0.5, 2.0, size=4))
  y = LABELS.at[2].set(-100)
  np.testing.assert_allclose(lj.softmax_focal_loss(X, y, gamma=0.0, weight=w),
                             lj.cross_entropy(X, y, weight=w), rtol=1e-13)


@pytest.mark.parametrize("alpha", [None, 0.3, "per class"])
def test_softmax_focal_with_probability_targets(alpha):
  """A one-hot target equals its class index (value and gradient); the general form is Keras's
  categorical_focal_crossentropy, -Σ_c α_c t_c (1 - p_c)^γ log p_c (tests/test_keras.py runs
  Keras itself); a -inf logit of a zero-probability class stays finite; masks hold."""
  a = jnp.asarray(RNG.uniform(0.2, 1.0, size=4)) if alpha == "per class" else alpha
  onehot = jax.nn.one_hot(LABELS, 4, dtype=X.dtype)
  for fn in (lambda x, t: lj.softmax_focal_loss(x, t, alpha=a, gamma=1.5, reduction="sum"),
             jax.grad(lambda x, t: lj.softmax_focal_loss(x, t, alpha=a, gamma=1.5))):
    np.testing.assert_allclose(fn(X, onehot), fn(X, LABELS), rtol=1e-13)
  soft = jax.nn.softmax(jnp.asarray(RNG.normal(size=(7, 4))))
  p = jax.nn.softmax(X)
  a_c = jnp.broadcast_to(1.0 if a is None else a, p.shape)
  want = -jnp.sum(a_c * soft * (1 - p) ** 1.5 * jnp.log(p), axis=-1)
  got = lj.softmax_focal_loss(X, soft, alpha=a, gamma=1.5, reduction="none")
  np.testing.assert_allclose(got, want, rtol=1e-12)
  x = X.at[0, 1].set(-jnp.inf)
  t = soft.at[0].set(jnp.array([0.5, 0.0, 0.25, 0.25]))
  assert jnp.isfinite(lj.softmax_focal_loss(x, t))
  keep = jnp.arange(7) != 3
  g = jax.grad(lambda x: lj.softmax_focal_loss(x, soft, where=keep))(X.at[3].set(jnp.nan))
  assert jnp.all(jnp.isfinite(g)) and jnp.all(g[3] == 0)


def test_z_loss_is_the_squared_log_normaliser():
  np.testing.assert_allclose(lj.z_loss(X, reduction="none"),
                             jax.nn.logsumexp(X, axis=-1) ** 2, rtol=1e-13)


def test_generalized_cross_entropy_tends_to_cross_entropy_and_is_mae_at_q_1():
  # (1 - p^q) / q -> -log p as q -> 0; q = 1 gives 1 - p_y.
  np.testing.assert_allclose(lj.generalized_cross_entropy(X, LABELS, q=1e-6),
                             lj.cross_entropy(X, LABELS), rtol=1e-4)
  p_y = jnp.take_along_axis(jax.nn.softmax(X), LABELS[:, None], axis=-1)[:, 0]
  np.testing.assert_allclose(lj.generalized_cross_entropy(X, LABELS, q=1.0, reduction="none"),
                             1 - p_y, rtol=1e-12)


def test_porting_mistakes_get_a_hint():
  """torch's [N, C, H, W] logits without axis=1, and a (N, 1) column of indices."""
  with pytest.raises(ValueError, match=r"cross_entropy: argument `target`.*pass axis=1 for "
                                       r"PyTorch's \[N, C, d1, \.\.\.\] layout"):
    lj.cross_entropy(jnp.zeros((2, 4, 5, 5)), jnp.zeros((2, 5, 5), jnp.int32))
  with pytest.raises(ValueError, match=r"nll_loss: argument `target` has shape \(3, 1\).*drop "
                                       r"the trailing axis of size 1"):
    lj.nll_loss(jnp.zeros((3, 4)), jnp.zeros((3, 1), jnp.int32))
  with pytest.raises(ValueError, match=r"^cross_entropy: argument `target`"):  # no chex prefix
    lj.cross_entropy(jnp.zeros((3, 4)), jnp.zeros((2,), jnp.int32))


def test_sigmoid_focal_hessian_finite_at_extreme_logits_and_equal_to_autodiff():
  # optax's own test (test_extreme_logits_finite_gradients), run through the migration rows,
  # found NaN here: autodiff through log(total) divides by total², which overflows float32 at
  # t = 1, x = 50. The log-space rule must give the same derivatives as autodiff of the plain
  # formula where that one is finite (float64, moderate logits).
  from lossjax.classification.binary import _log_one_minus_pt

  x32 = jnp.array([100.0, -100.0, 75.0, -75.0, 50.0, -50.0], jnp.float32)
  t32 = jnp.array([0.9, 0.1, 0.8, 0.2, 1.0, 0.0], jnp.float32)
  f = lambda x: lj.sigmoid_focal_loss(x, t32, alpha=-1.0, gamma=0.5, reduction="sum")  # noqa: E731
  assert np.all(np.isfinite(jax.hessian(f)(x32)))
  rng = np.random.default_rng(0)
  x = jnp.asarray(rng.normal(size=8) * 3)
  t = jnp.asarray(rng.uniform(size=8))
  plain = lambda x, t: jnp.log((1 - t) * jax.nn.sigmoid(x) + t * jax.nn.sigmoid(-x))  # noqa: E731
  for arg in (0, 1):
    ours = jax.hessian(lambda *a: _log_one_minus_pt(*a).sum(), arg)(x, t)
    want = jax.hessian(lambda *a: plain(*a).sum(), arg)(x, t)
    np.testing.assert_allclose(ours, want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(jax.grad(lambda *a: _log_one_minus_pt(*a).sum(), arg)(x, t),
                               jax.grad(lambda *a: plain(*a).sum(), arg)(x, t), rtol=1e-12)
