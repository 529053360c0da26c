"""lossjax.keras against Keras 3's own Loss classes (JAX backend, float64): every class, over
its options, each reduction name with a sample_weight of each shape Keras broadcasts, and the
gradient with respect to y_pred. Keras's own tests of these classes run in
tests/test_peer_suites.py."""

from __future__ import annotations

import inspect
import os

import jax
import numpy as np
import pytest

from lossjax._migration import _sigmoid, _softmax

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "jax":
  pytest.skip("Keras runs on another backend here", allow_module_level=True)

ljk = pytest.importorskip("lossjax.keras")


def _inputs(kind, rng):
  """(y_true, y_pred) for a kind of loss; batch of 6 on the first axis."""
  if kind == "regression":
    return rng.normal(size=(6, 4)) * 2, rng.normal(size=(6, 4)) * 2
  if kind == "msle":  # values at and below Keras's 1e-7 floor, negative ones too
    t, p = rng.uniform(-0.5, 3.0, size=(6, 4)), rng.uniform(-0.5, 3.0, size=(6, 4))
    t[0, 0], p[1, 1] = 0.0, 0.0
    return t, p
  if kind == "poisson":
    return rng.poisson(2.0, size=(6, 4)).astype(float), rng.uniform(0.1, 3.0, size=(6, 4))
  if kind == "hinge01":
    return (rng.uniform(size=(6, 4)) < 0.5).astype(float), rng.normal(size=(6, 4))
  if kind == "hinge_signs":
    return np.sign(rng.normal(size=(6, 4))), rng.normal(size=(6, 4))
  if kind == "onehot_logits":
    return np.eye(5)[rng.integers(0, 5, 6)], rng.normal(size=(6, 5)) * 2
  if kind == "distributions":  # a zero in each (Keras clips both to [1e-7, 1])
    t, p = rng.dirichlet(np.ones(5), 6), rng.dirichlet(np.ones(5), 6)
    t[0, 1], p[2, 3] = 0.0, 0.0
    return t, p / p.sum(-1, keepdims=True)
  if kind == "binary_probs":  # probabilities exactly 0 and 1 (Keras clips them)
    p = _sigmoid(rng.normal(size=(6, 4)) * 3)
    p[0, :2], p[1, :2] = 0.0, 1.0
    return (rng.uniform(size=(6, 4)) < 0.5).astype(float), p
  if kind == "binary_logits":
    return (rng.uniform(size=(6, 4)) < 0.5).astype(float), rng.normal(size=(6, 4)) * 3
  if kind == "soft_probs":
    p = _softmax(rng.normal(size=(6, 5)) * 2)
    p[0, 2] = 0.0
    return rng.dirichlet(np.ones(5), 6), p * rng.uniform(0.5, 2.0, size=(6, 1))  # unnormalised
  if kind == "soft_logits":
    return rng.dirichlet(np.ones(5), 6), rng.normal(size=(6, 5)) * 2
  if kind == "sparse_logits":
    return rng.integers(0, 5, 6).astype(float), rng.normal(size=(6, 5)) * 2
  if kind == "sparse_n1_probs":
    return rng.integers(0, 5, (6, 1)).astype(float), _softmax(rng.normal(size=(6, 5)) * 2)
  if kind == "segment_logits":  # (batch, h, w) labels, (batch, h, w, classes) logits
    return rng.integers(0, 3, (6, 4, 4)).astype(float), rng.normal(size=(6, 4, 4, 3))
  if kind == "gce":
    return rng.integers(0, 5, 6).astype(float), _softmax(rng.normal(size=(6, 5)) * 2)
  if kind == "ctc":
    labels = rng.integers(1, 4, size=(6, 3)).astype(float)
    labels[1, 2], labels[3, 1:] = 0.0, 0.0  # Keras pads with the blank, 0
    return labels, rng.normal(size=(6, 8, 4))
  if kind == "masks":
    return ((rng.uniform(size=(6, 4, 4, 1)) < 0.4).astype(float),
            _sigmoid(rng.normal(size=(6, 4, 4, 1)) * 2))
  if kind == "embeddings":
    e = rng.normal(size=(6, 4))
    return np.array([0, 0, 1, 1, 1, 2], float), e / np.linalg.norm(e, axis=-1, keepdims=True)
  raise ValueError(kind)


CASES = [
    ("MeanSquaredError", {}, "regression"),
    ("MeanAbsoluteError", {}, "regression"),
    ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "msle"),
    ("CosineSimilarity", {}, "regression"),
    ("CosineSimilarity", {"axis": 0}, "regression"),
    ("Huber", {"delta": 0.7}, "regression"),
    ("LogCosh", {}, "regression"),
    ("Hinge", {}, "hinge01"),
    ("Hinge", {}, "hinge_signs"),
    ("SquaredHinge", {}, "hinge01"),
    ("CategoricalHinge", {}, "onehot_logits"),
    ("KLDivergence", {}, "distributions"),
    ("Poisson", {}, "poisson"),
    ("BinaryCrossentropy", {}, "binary_probs"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "binary_logits"),
    ("BinaryCrossentropy", {"from_logits": True, "axis": 0}, "binary_logits"),
    ("BinaryFocalCrossentropy", {}, "binary_probs"),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5,
                                 "from_logits": True, "label_smoothing": 0.1}, "binary_logits"),
    ("CategoricalCrossentropy", {}, "soft_probs"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "soft_logits"),
    ("CategoricalCrossentropy", {"from_logits": True, "axis": 0}, "soft_logits"),
    ("CategoricalFocalCrossentropy", {}, "soft_probs"),
    ("CategoricalFocalCrossentropy", {"alpha": 0.4, "gamma": 1.5, "from_logits": True,
                                      "label_smoothing": 0.1}, "soft_logits"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_logits"),
    ("SparseCategoricalCrossentropy", {}, "sparse_n1_probs"),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 1}, "segment_logits"),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.3}, "gce"),
    pytest.param("CTC", {}, "ctc", marks=pytest.mark.slow),  # 9 s of eager ops
    ("Dice", {}, "masks"),
    ("Dice", {"axis": (1, 2)}, "masks"),
    ("Tversky", {"alpha": 0.3, "beta": 0.7}, "masks"),
    ("Tversky", {"alpha": 0.2, "beta": 0.8, "axis": (1, 2, 3)}, "masks"),
    ("Circle", {}, "embeddings"),
    ("Circle", {"gamma": 16.0, "margin": 0.25, "remove_diagonal": False}, "embeddings"),
]

#: Keras's `ops.mean` on its JAX backend accumulates in float32 even for float64 inputs
#: (keras/src/backend/jax/numpy.py, `mean`), as in tests/test_migration.py.
RTOL = 2e-6

#: Each reduction name, with a sample_weight of each kind Keras broadcasts against the per-sample
#: loss: none, a scalar, one per sample ((batch,) or (batch, 1, ...)), one per loss element.
CALLS = [("sum_over_batch_size", None), ("sum", "batch"), (None, "batch1"),
         ("mean_with_sample_weight", "full"), ("mean", "scalar"), ("none", None)]

#: Probabilities Keras clips (at 1e-7 and 1 - 1e-7) where the focal factor still differentiates
#: the unclipped one: there the gradients differ (the module's docstring says so); elsewhere equal.
CLIPPED_GRADIENT = {"BinaryFocalCrossentropy", "CategoricalFocalCrossentropy"}


@pytest.fixture(scope="module", autouse=True)
def _float64():
  before = keras.config.floatx()
  keras.config.set_floatx("float64")
  # Keras's own reduction broadcasts ranks and promotes dtypes (conftest makes both errors):
  # allowed around both libraries' Loss objects alike; lossjax's losses are strict elsewhere.
  with jax.numpy_rank_promotion("allow"), jax.numpy_dtype_promotion("standard"):
    yield
  keras.config.set_floatx(before)


def _weight(kind, per_sample, rng):
  shape = {None: None, "scalar": (), "full": per_sample,
           "batch": per_sample[:1] if len(per_sample) == 1 else None,
           "batch1": per_sample[:1] + (1,) * (len(per_sample) - 1) if per_sample else None}[kind]
  return None if shape is None else rng.uniform(0.2, 2.0, size=shape)


@pytest.mark.parametrize("name, options, kind", CASES,
                         ids=[f"{(c.values if hasattr(c, 'values') else c)[0]}-{i}"
                              for i, c in enumerate(CASES)])
def test_equals_keras(name, options, kind):
  rng = np.random.default_rng(0)
  y_true, y_pred = _inputs(kind, rng)
  theirs_cls, ours_cls = getattr(keras.losses, name), getattr(ljk, name)
  per_sample = tuple(theirs_cls(reduction=None, **options)(y_true, y_pred).shape)
  for reduction, weight_kind in CALLS:
    weight = _weight(weight_kind, per_sample, rng)
    theirs = theirs_cls(reduction=reduction, **options)(y_true, y_pred, sample_weight=weight)
    ours = ours_cls(reduction=reduction, **options)(y_true, y_pred, sample_weight=weight)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, (reduction, weight_kind)
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-12,
                               err_msg=f"{name}{options} reduction={reduction}")

  weight = _weight("full", per_sample, rng)
  if name == "CategoricalGeneralizedCrossEntropy":
    # Keras's takes p_y as given, lossjax's renormalises (it takes logits): the gradients agree
    # through the softmax that makes the probabilities, which is how a model feeds them
    x = np.log(y_pred)
    def total(cls):
      return lambda x: cls(**options)(y_true, jax.nn.softmax(x), sample_weight=weight)
  else:
    x = y_pred
    def total(cls):
      return lambda p: cls(**options)(y_true, p, sample_weight=weight)
  g_theirs, g_ours = jax.grad(total(theirs_cls))(x), jax.grad(total(ours_cls))(x)
  if name in CLIPPED_GRADIENT and not options.get("from_logits"):
    inside = (y_pred > 1e-7) & (y_pred < 1 - 1e-7)
    g_theirs, g_ours = g_theirs[inside], g_ours[inside]
  # Keras's CTC mixes float32 into its recursion (keras/src/backend/jax/nn.py, `ctc_loss`:
  # `repeat = (...).astype(jnp.float32)`), so its gradient holds to about 1e-8
  np.testing.assert_allclose(g_ours, g_theirs, rtol=RTOL, atol=1e-7 if name == "CTC" else 1e-12,
                             err_msg=f"{name} grad")


def test_every_keras_loss_class_has_a_lossjax_class():
  theirs = {n for n, o in vars(keras.losses).items()
            if inspect.isclass(o) and issubclass(o, keras.losses.Loss) and n != "Loss"}
  assert theirs <= set(ljk.__all__), sorted(theirs - set(ljk.__all__))
  for name in ljk.__all__:
    ours, original = getattr(ljk, name), getattr(keras.losses, name)
    assert issubclass(ours, keras.losses.Loss)
    assert ours().name == original().name  # Keras's default name
    assert ours().get_config().items() >= original().get_config().items()


def test_config_round_trip_keeps_every_option():
  loss = ljk.Huber(delta=2.0, reduction="sum", name="h")
  revived = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(loss))
  assert type(revived) is ljk.Huber and revived.get_config() == loss.get_config()
  assert revived.delta == 2.0


def test_constructors_are_keras_s():
  """Positional options in Keras's order, Keras's name for name=None, Keras's check of q."""
  with pytest.raises(TypeError, match=r"lossjax.keras.Huber: .*'alpha'"):
    ljk.Huber(alpha=1.0)
  for name, args in [("SparseCategoricalCrossentropy", (True, None, "sum", 0)),
                     ("BinaryCrossentropy", (True, 0.1, -1, None)), ("Huber", (2.0,)),
                     ("Dice", ("sum", "d", (1, 2))), ("Tversky", (0.3, 0.7, "sum", "t", 1))]:
    theirs, ours = getattr(keras.losses, name)(*args), getattr(ljk, name)(*args)
    assert ours.get_config().items() >= theirs.get_config().items(), name
  # Keras's auto_name (a counter per name: "huber", then "huber_1", ...), not "huber_loss"
  assert ljk.Huber(name=None).name.startswith("huber") and "loss" not in ljk.Huber(name=None).name
  with pytest.raises(ValueError, match=r"argument `q`: got 1.5"):
    ljk.CategoricalGeneralizedCrossEntropy(q=1.5)


def test_what_keras_accepts_beyond_the_cases():
  """Broadcast targets, (N, 1) circle labels, numpy axes, an underflowed softmax: as Keras."""
  rng = np.random.default_rng(2)
  t, p = rng.normal(size=(4, 1)), rng.normal(size=(4, 3))
  for name in ("MeanSquaredError", "Huber", "LogCosh", "MeanAbsoluteError"):
    for a, b in ((t, p), (p, t)):
      np.testing.assert_allclose(getattr(ljk, name)()(a, b), getattr(keras.losses, name)()(a, b),
                                 rtol=RTOL, err_msg=name)
  g = jax.grad(lambda p: ljk.MeanSquaredError()(t, p))(p[:, :1])
  np.testing.assert_allclose(g, jax.grad(lambda p: keras.losses.MeanSquaredError()(t, p))(p[:, :1]),
                             rtol=RTOL)
  labels, emb = _inputs("embeddings", rng)
  np.testing.assert_allclose(ljk.Circle()(labels[:, None], emb), keras.losses.Circle()(labels, emb),
                             rtol=RTOL)
  masks, probs = _inputs("masks", rng)
  np.testing.assert_allclose(ljk.Dice(axis=np.int64(1))(masks, probs),
                             keras.losses.Dice(axis=1)(masks, probs), rtol=RTOL)
  x = np.array([[-2000.0, 0.0, 1.0], [0.5, 0.1, -0.3]])
  y = np.array([1.0, 2.0])

  def gce(cls):
    return lambda x: cls()(y, jax.nn.softmax(x))
  g_ours = jax.grad(gce(ljk.CategoricalGeneralizedCrossEntropy))(x)
  assert np.all(np.isfinite(g_ours))
  np.testing.assert_allclose(g_ours, jax.grad(gce(keras.losses.CategoricalGeneralizedCrossEntropy))(x),
                             rtol=RTOL, atol=1e-12)
  zero = np.array([[5e-8, 0.0]])
  np.testing.assert_allclose(ljk.CosineSimilarity()(np.array([[1.0, 0.0]]), zero),
                             keras.losses.CosineSimilarity()(np.array([[1.0, 0.0]]), zero),
                             rtol=RTOL)
