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


# --------------------------------------------------------------------------
# Issue #14, one named test per class of the edge sweep (tests/test_edges.py
# applies each class to every registered loss). x and y are the issue's own.
# --------------------------------------------------------------------------

X = jnp.array([[2, .5, -1], [.1, .2, 3], [1, -1, 0]])
Y = jnp.array([0, 2, 1])


def test_issue14_class1_ignore_index_none_is_off_not_a_sum():
  """ignore_index=None counts every target: the mean, not the sum (it divided by True)."""
  mean = lj.cross_entropy(X, Y)
  for fn, x in ((lj.cross_entropy, X), (lj.softmax_focal_loss, X),
                (lj.nll_loss, jax.nn.log_softmax(X))):
    np.testing.assert_allclose(fn(x, Y, ignore_index=None), fn(x, Y), rtol=1e-14)
  np.testing.assert_allclose(lj.cross_entropy(X, Y, ignore_index=None), mean, rtol=1e-14)
  h, w = jnp.eye(3), X.T  # input @ linear_weight.T == X (linear_weight [V, D])
  np.testing.assert_allclose(lj.linear_cross_entropy(h, w, Y, ignore_index=None), mean, rtol=1e-12)


def test_issue14_class2_out_of_range_index_under_jit_is_nan_not_a_wrapped_class():
  """-1 under jit used to read class C - 1 (0.2717, equal to labels [0, 2, 2])."""
  bad = jnp.array([0, 2, -1])
  assert np.isnan(jax.jit(lj.softmax_focal_loss)(X, bad))
  h, w = jnp.asarray(RNG.normal(size=(3, 4))), jnp.asarray(RNG.normal(size=(6, 4)))
  assert np.isnan(jax.jit(lj.linear_cross_entropy)(h, w, jnp.array([0, 1, 6])))
  with pytest.raises(ValueError, match="softmax_focal_loss: argument `target` holds -1"):
    lj.softmax_focal_loss(X, bad)


def test_issue14_class3_where_keeps_masked_nan_out_of_gradients():
  """A NaN target masked by `where`: gradient [-1, 0, -3], not [-1, nan, -3]."""
  t = jnp.array([1.0, jnp.nan, 3.0])
  g = jax.grad(lambda p: lj.mse_loss(p, t, where=~jnp.isnan(t)))(jnp.zeros(3))
  np.testing.assert_array_equal(g, [-1.0, 0.0, -3.0])
  # One masked NaN row of hidden no longer spoils every entry of the weight gradient.
  h = jnp.asarray(RNG.normal(size=(4, 5))).at[2].set(jnp.nan)
  w = jnp.asarray(RNG.normal(size=(7, 5)))
  keep = jnp.array([True, True, False, True])
  gw = jax.grad(lambda w: lj.linear_cross_entropy(h, w, jnp.array([0, 1, 2, 3]), where=keep))(w)
  assert np.all(np.isfinite(gw))


def test_issue14_class4_bool_options_take_bools_only():
  """log_target="False" computed the log_target=True value."""
  lp, q = jax.nn.log_softmax(X), jax.nn.softmax(X[::-1])
  for bad in ("False", [True], -1.0, float("nan"), 1e30, 1):
    with pytest.raises(ValueError, match=r"kl_div: argument `log_target`.*expected a bool"):
      lj.kl_div(lp, q, log_target=bad)
  np.testing.assert_allclose(lj.kl_div(lp, q, log_target=np.False_), lj.kl_div(lp, q))


def test_issue14_class5_nan_input_is_never_swallowed():
  """kl_div with a NaN target gave 0.0627; triplet p=3 with a NaN gave 0.333."""
  lp, q = jax.nn.log_softmax(X), jax.nn.softmax(X[::-1])
  assert np.isnan(lj.kl_div(lp, q.at[0, 0].set(jnp.nan)))
  a = jnp.asarray(RNG.normal(size=(3, 4)))
  assert np.isnan(lj.triplet_margin_loss(a.at[0, 0].set(jnp.nan), 2 * a, -a, p=3.0))
  assert np.isnan(lj.js_divergence(q.at[0, 0].set(jnp.nan), q))
  s, y = jnp.asarray(RNG.normal(size=(2, 4))), jnp.array([[1.0, 0.0, 2.0, 0.0]] * 2)
  for fn in (lj.pairwise_logistic_loss, lj.pairwise_hinge_loss, lj.listmle_loss):
    assert np.isnan(fn(s, y.at[0, 1].set(jnp.nan))), fn.__name__
  # CTC: a NaN log-probability on the target's path gives NaN (it became -inf, a finite loss).
  lp_ctc = jax.nn.log_softmax(jnp.asarray(RNG.normal(size=(6, 1, 4))), axis=-1)
  args = (jnp.array([[1, 2]]), jnp.array([6]), jnp.array([2]))
  assert np.isnan(lj.ctc_loss(lp_ctc.at[2, 0, 1].set(jnp.nan), *args))
  # A class no alignment reads is not read, as in torch (which gives a finite loss there too).
  assert np.isfinite(lj.ctc_loss(lp_ctc.at[0, 0, 3].set(jnp.nan), *args))
  # Labels that torch computes silently: NaN ±1 labels (torch: 0.6000 and 0.4244).
  assert np.isnan(jax.jit(lj.hinge_embedding_loss)(jnp.array([0.5, 0.2]), jnp.array([jnp.nan, 1.0])))
  assert np.isnan(jax.jit(lj.cosine_embedding_loss)(a[:2], a[1:], jnp.array([jnp.nan, 1.0])))
  with pytest.raises(lj.CheckError, match="kl_div: argument `target`"):
    lj.checked(jax.jit(lj.kl_div))(lp, q.at[0, 0].set(jnp.nan))


def test_issue14_class6_every_option_is_validated_with_a_clear_error():
  """None, strings, NaN and fractions for options gave raw Python errors or silent values."""
  cases = [
      (lambda: lj.cross_entropy(X, Y, label_smoothing=None), "cross_entropy", "label_smoothing"),
      (lambda: lj.nll_loss(X, Y, axis="x"), "nll_loss", "axis"),
      (lambda: lj.sigmoid_focal_loss(X, X > 0, alpha=float("nan")), "sigmoid_focal_loss", "alpha"),
      (lambda: lj.cross_entropy(X, Y, ignore_index=1.5), "cross_entropy", "ignore_index"),
      (lambda: lj.triplet_margin_with_distance_loss(X, X, X, distance_function="euclidean"),
       "triplet_margin_with_distance_loss", "distance_function"),
      (lambda: lj.linear_cross_entropy(X, X, Y, axis_name="vocab"), "linear_cross_entropy",
       "axis_name"),
      (lambda: lj.linear_cross_entropy(X, X, Y, token_chunk=float("nan")), "linear_cross_entropy",
       "token_chunk"),
      (lambda: lj.smooth_l1_loss(X, X, beta=float("nan")), "smooth_l1_loss", "beta"),
      (lambda: lj.huber_loss(X, X, delta=float("inf")), "huber_loss", "delta"),
  ]
  lp = jax.nn.log_softmax(jnp.zeros((4, 2, 3)), axis=-1)
  cases.append((lambda: lj.ctc_loss(lp, jnp.array([[1], [2]]), jnp.array([4, 4]), jnp.array([1, 1]),
                                    blank=1.5), "ctc_loss", "blank"))
  for fn, loss, option in cases:
    with pytest.raises((ValueError, TypeError), match=rf"^{loss}: argument `{option}`"):
      fn()
  # None is the documented "off" value of ignore_index, in every loss that has one.
  logits = jnp.asarray(RNG.normal(size=(2, 3, 3)))
  labels = jnp.asarray(RNG.integers(0, 3, size=(2, 3)))
  np.testing.assert_allclose(lj.dice_loss(logits, labels, ignore_index=None),
                             lj.dice_loss(logits, labels), rtol=1e-14)


def test_issue14_class7_empty_batch_is_zero_and_zero_classes_raise():
  """One rule: an empty batch's mean is 0 with a finite gradient; zero classes: ValueError."""
  empty_cases = [
      (lj.linear_cross_entropy, (jnp.zeros((0, 4)), jnp.ones((5, 4)), jnp.zeros((0,), int))),
      (lj.lovasz_hinge_loss, (jnp.zeros((0, 4)), jnp.zeros((0, 4), int))),
      (lj.lovasz_softmax_loss, (jnp.zeros((0, 4, 3)), jnp.zeros((0, 4), int))),
      (lj.supcon_loss, (jnp.zeros((0, 2, 3)),)),
      (lambda z: lj.info_nce_loss(z, labels=jnp.zeros((0,), int)), (jnp.zeros((0, 3)),)),
  ]
  for fn, args in empty_cases:
    value, grad = jax.value_and_grad(fn)(*args)
    assert value == 0.0 and np.all(np.isfinite(grad))
  zero_classes = [
      lambda: lj.cross_entropy(jnp.zeros((2, 0)), jnp.zeros((2,), int)),
      lambda: lj.poly1_cross_entropy(jnp.zeros((2, 0)), jnp.zeros((2,), int)),
      lambda: lj.z_loss(jnp.zeros((2, 0))),
      lambda: lj.multilabel_soft_margin_loss(jnp.zeros((2, 0)), jnp.zeros((2, 0))),
      lambda: lj.multilabel_margin_loss(jnp.zeros((2, 0)), jnp.zeros((2, 0), int)),
      lambda: lj.multilabel_margin_loss(jnp.zeros((0,)), jnp.zeros((0,), int)),
  ]
  for fn in zero_classes:
    with pytest.raises(ValueError, match="expected at least one class"):
      fn()
  # Lists of no items are like fully masked lists: 0.
  assert lj.softmax_ranking_loss(jnp.zeros((2, 0)), jnp.zeros((2, 0))) == 0.0
  assert lj.listmle_loss(jnp.zeros((2, 0)), jnp.zeros((2, 0))) == 0.0


def test_issue14_class8_smaller_holes():
  """poly1 -100, complex targets, short CTC targets, gKL's zero target, ±inf multilabel logits."""
  with pytest.raises(ValueError, match=r"poly1_cross_entropy: argument `target` holds -100"):
    lj.poly1_cross_entropy(X, jnp.array([0, 2, -100]))
  assert np.isnan(jax.jit(lj.poly1_cross_entropy)(X, jnp.array([0, 2, -100])))
  with pytest.raises(ValueError, match=r"mse_loss: argument `target` has dtype complex"):
    lj.mse_loss(X, X.astype(jnp.complex128))
  lp = jax.nn.log_softmax(jnp.asarray(RNG.normal(size=(5, 2, 4))), axis=-1)
  with pytest.raises(ValueError, match=r"ctc_loss: argument `targets` has shape \(2,\)"):
    lj.ctc_loss(lp, jnp.array([1, 2]), jnp.array([5, 5]), jnp.array([2, 1]))
  p, t = jnp.array([1.0, 2.0]), jnp.array([0.5, 0.0])
  for argnum in (0, 1):
    assert np.all(np.isfinite(jax.grad(lj.generalized_kl_div, argnums=argnum)(p, t)))
  x = jnp.array([[jnp.inf, -jnp.inf]])
  y = jnp.array([[1.0, 0.0]])
  value, grad = jax.value_and_grad(lj.multilabel_soft_margin_loss)(x, y)
  assert value == lj.binary_cross_entropy_with_logits(x, y) == 0.0
  assert np.all(np.isfinite(grad))


def test_issue14_class9_value_checks_hold_under_grad_outside_jit():
  """value_and_grad of BCE at p = 1.5 returned NaN; torch (and the plain call) raise."""
  t = jnp.array([1.0, 0.0])
  f = lambda q: lj.binary_cross_entropy(q, t)  # noqa: E731
  for transform in (jax.grad, jax.value_and_grad, lambda f: lambda x: jax.vjp(f, x)):
    with pytest.raises(ValueError, match=r"binary_cross_entropy: argument `input` holds 1.5"):
      transform(f)(jnp.array([1.5, 0.5]))
  with pytest.raises(ValueError, match=r"binary_cross_entropy: argument `input` holds 1.5"):
    jax.vmap(f)(jnp.array([[0.5, 0.5], [1.5, 0.5]]))
  # Under jit the check is opt-in, as before (log(1 - 1.5) is NaN).
  assert np.isnan(jax.jit(f)(jnp.array([1.5, 0.5])))
  with pytest.raises(lj.CheckError):
    lj.checked(jax.jit(f))(jnp.array([1.5, 0.5]))


def test_issue14_torch_accepts_what_it_accepts_and_rejects_what_it_rejects():
  """torch's OpInfo inputs: a (1,) target for a (C,) input, 0-d inputs, margins > 0."""
  x = jnp.array([0.1, 0.9, -0.3, 0.4, 0.2])
  assert lj.multi_margin_loss(x, jnp.array([1]), p=2, reduction="none").shape == (1,)
  assert lj.multi_margin_loss(jnp.array(0.7), jnp.array(0)) == 0.0
  assert lj.multilabel_margin_loss(jnp.array(0.7), jnp.array(0)) == 0.0
  a = jnp.asarray(RNG.normal(size=(3, 4)))
  for margin in (0.0, -1.0):
    with pytest.raises(ValueError, match=r"triplet_margin_loss: argument `margin`.*greater than 0"):
      lj.triplet_margin_loss(a, 2 * a, -a, margin=margin)
