"""lossjax.nn: torch-style loss objects generated from the registry."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj
from lossjax import nn
from tests._util import example

# torch.nn's loss classes in PyTorch 2.13 (the deprecated NLLLoss2d aside).
TORCH_NN_LOSSES = {
    "L1Loss", "NLLLoss", "PoissonNLLLoss", "GaussianNLLLoss", "KLDivLoss", "MSELoss",
    "BCELoss", "BCEWithLogitsLoss", "HingeEmbeddingLoss", "MultiLabelMarginLoss",
    "SmoothL1Loss", "HuberLoss", "SoftMarginLoss", "CrossEntropyLoss",
    "MultiLabelSoftMarginLoss", "CosineEmbeddingLoss", "MarginRankingLoss", "MultiMarginLoss",
    "TripletMarginLoss", "TripletMarginWithDistanceLoss", "CTCLoss", "LinearCrossEntropyLoss",
}
SPECS = list(lj.REGISTRY.values())


def test_the_list_above_is_torch_nn():
  torch = pytest.importorskip("torch")
  base = torch.nn.modules.loss._Loss
  found = {
      name for name in dir(torch.nn)
      if not name.startswith("_") and isinstance(getattr(torch.nn, name), type)
      and issubclass(getattr(torch.nn, name), base) and name != "NLLLoss2d"
  }
  assert found == TORCH_NN_LOSSES


def test_every_torch_nn_loss_has_a_lossjax_twin():
  # Every class above (the list torch.nn has, checked against torch where it is installed) is
  # some loss's twin, and no loss claims a twin torch.nn does not have.
  twins = {s.torch for s in SPECS if s.torch}
  assert twins == TORCH_NN_LOSSES, (f"missing: {sorted(TORCH_NN_LOSSES - twins)}, "
                                    f"not in torch.nn: {sorted(twins - TORCH_NN_LOSSES)}")


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_each_loss_has_a_class_that_calls_it_with_bound_options(spec):
  cls = getattr(nn, nn.class_name(spec))
  args, kwargs = example(spec)
  obj = cls(**kwargs, reduction="sum")
  np.testing.assert_array_equal(obj(*args), spec.fn(*args, reduction="sum", **kwargs))
  assert repr(obj).startswith(f"{cls.__name__}(")


def test_objects_are_hashable_static_jit_arguments_and_compare_by_options():
  a = nn.CrossEntropyLoss(weight=jnp.ones(3), label_smoothing=0.1)
  b = nn.CrossEntropyLoss(weight=jnp.ones(3), label_smoothing=0.1)
  assert a == b and hash(a) == hash(b)
  assert a != nn.CrossEntropyLoss(weight=jnp.full(3, 2.0), label_smoothing=0.1)
  f = jax.jit(lambda x, y, loss: loss(x, y), static_argnums=2)
  x, y = jnp.zeros((2, 3)), jnp.array([0, 2])
  np.testing.assert_allclose(f(x, y, a), lj.cross_entropy(x, y, weight=jnp.ones(3),
                                                          label_smoothing=0.1))


def test_objects_print_their_options_and_are_immutable():
  loss = nn.HuberLoss(delta=0.5, reduction="sum")
  assert repr(loss) == "HuberLoss(delta=0.5, reduction='sum')"
  with pytest.raises(AttributeError):
    loss.delta = 1.0


def test_unknown_option_is_an_error_naming_the_class():
  with pytest.raises(TypeError, match="MSELoss: unknown option"):
    nn.MSELoss(beta=1.0)


def test_where_passes_through():
  x, t = jnp.arange(4.0), jnp.zeros(4)
  mask = jnp.array([True, True, False, False])
  assert nn.L1Loss()(x, t, where=mask) == 0.5


def test_the_committed_classes_are_what_the_catalogue_generates():
  import pathlib

  from lossjax import _nn_source

  committed = (pathlib.Path(nn.__file__)).read_text()
  assert committed == _nn_source.source(), "lossjax/nn.py is stale: python -m lossjax._nn_source"


def test_options_are_keyword_only_and_validated_at_construction():
  with pytest.raises(TypeError, match=r"CrossEntropyLoss: options are keyword-only"):
    nn.CrossEntropyLoss(0.1)
  with pytest.raises(ValueError, match=r"CrossEntropyLoss: argument `label_smoothing`"):
    nn.CrossEntropyLoss(label_smoothing=float("nan"))
  with pytest.raises(ValueError, match=r"KLDivLoss: argument `log_target`"):
    nn.KLDivLoss(log_target="False")
  with pytest.raises(ValueError, match=r"MSELoss.*reduction"):
    nn.MSELoss(reduction="avg")
