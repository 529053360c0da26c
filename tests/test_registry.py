"""Generic tests over every registered loss (as rax's losses_test does over its list).

A loss gets all of these by being in the registry: jit equals eager, vmap
equals a loop, gradients check in float64, `where` equals slicing and masking,
"sum" equals "none" summed, the dtype policy, and shape/option errors that
name the loss.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import lossjax as lj
from lossjax import _registry
from tests._util import call, example

SPECS = list(lj.REGISTRY.values())
IDS = [s.name for s in SPECS]
# Public names that are not losses.
NOT_LOSSES = {"REGISTRY", "CheckError", "OptionTypeError", "Parts", "checked", "nn", "linear_token_stats",
              "TokenStats", "diffusion_snr", "flow_matching_sample", "length_desensitized_logps"}

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _arrays_only(spec, args, kwargs, reduction=None):
  """Splits args into jit-able arrays and a closure re-assembling the call."""
  idx = [i for i, a in enumerate(args) if isinstance(a, jax.Array)]
  extra = {} if reduction is None else {"reduction": reduction}

  def f(*arrays):
    full = list(args)
    for i, a in zip(idx, arrays):
      full[i] = a
    return call(spec, full, kwargs, **extra)

  return f, [args[i] for i in idx]


def _per_element_shape(spec, args, kwargs):
  return call(spec, args, kwargs, reduction="none").shape


# --------------------------------------------------------------------------
# The catalogue itself
# --------------------------------------------------------------------------


def test_every_public_loss_is_registered_and_vice_versa():
  public = set(lj.__all__) - NOT_LOSSES
  assert public == set(lj.REGISTRY), (
      f"public but not registered: {sorted(public - set(lj.REGISTRY))}; "
      f"registered but not public: {sorted(set(lj.REGISTRY) - public)}"
  )


def test_each_family_module_registers_exactly_what_it_exports():
  for module in _registry.MODULES:
    assert sorted(s.name for s in module.SPECS) == sorted(module.__all__), module.__name__


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_spec_is_consistent(spec):
  assert getattr(lj, spec.name) is spec.fn
  assert set(spec.differentiable) <= set(spec.arg_names)
  assert set(spec.batched) <= set(spec.arg_names) | set(spec.options)
  assert spec.fn.__doc__ and ">>>" in spec.fn.__doc__, "docstring with a doctest example"
  assert spec.torch or spec.source, "a loss without a torch twin names its source"


# --------------------------------------------------------------------------
# Transformations
# --------------------------------------------------------------------------


@pytest.mark.slow  # README's run compiles every loss anyway (fixtures run one jitted program)
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_jit_equals_eager(spec):
  args, kwargs = example(spec)
  for reduction in spec.reductions:
    f, arrays = _arrays_only(spec, args, kwargs, reduction)
    np.testing.assert_allclose(jax.jit(f)(*arrays), f(*arrays), rtol=1e-12, atol=1e-14)


@pytest.mark.slow  # 138 CPU-seconds of README's run at 92 losses; CI's slow run keeps it
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_vmap_equals_loop(spec):
  examples = [example(spec, seed) for seed in range(3)]
  args0, kwargs0 = examples[0]
  batched = [i for i, n in enumerate(spec.arg_names) if n in spec.batched]
  batched_kw = [k for k in kwargs0 if k in spec.batched]

  def pick(ex):
    return [ex[0][i] for i in batched] + [ex[1][k] for k in batched_kw]

  def one(*b):
    full, kwargs = list(args0), dict(kwargs0)
    for i, a in zip(batched, b):
      full[i] = a
    kwargs.update(zip(batched_kw, b[len(batched):]))
    return call(spec, full, kwargs)

  stacked = [jnp.stack(leaves) for leaves in zip(*[pick(ex) for ex in examples])]
  got = jax.vmap(one)(*stacked)
  want = jnp.stack([one(*pick(ex)) for ex in examples])
  np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.slow  # numerical against automatic gradients; the fixtures check torch's gradients
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_check_grads_float64(spec):
  if not spec.numerical_grads:
    pytest.skip("the reference detaches a factor of the gradient on purpose")
  args, kwargs = example(spec)
  names = spec.arg_names
  for arg in spec.differentiable:
    i = names.index(arg)

    def f(x, i=i):
      full = list(args)
      full[i] = x
      return call(spec, full, kwargs)

    check_grads(jax.jit(f), (args[i],), order=2, modes=("rev",), atol=1e-6, rtol=1e-6)
    if spec.forward_mode:
      check_grads(jax.jit(f), (args[i],), order=1, modes=("fwd",), atol=1e-6, rtol=1e-6)


# --------------------------------------------------------------------------
# Reductions and masks
# --------------------------------------------------------------------------


def _batch_mask(spec, args, kwargs):
  shape = _per_element_shape(spec, args, kwargs)
  if not shape:
    pytest.skip("scalar per-element loss: nothing to slice")
  n = shape[0]
  keep = np.arange(n) % 3 != 1
  return keep, jnp.asarray(keep.reshape((n,) + (1,) * (len(shape) - 1)))


# Slow (79 CPU-seconds of README's run at 92 losses): README's run checks the masked mean
# against slicing in test_edges.py's test_where_protects_every_gradient_from_masked_nan.
@pytest.mark.slow
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_where_equals_slicing(spec, reduction):
  args, kwargs = example(spec)
  keep, mask = _batch_mask(spec, args, kwargs)
  def slice_(n, a):
    return jnp.compress(keep, a, axis=spec.batch_axis(n)) if n in spec.batched else a

  sliced = [slice_(n, a) for n, a in zip(spec.arg_names, args)]
  sliced_kw = {k: slice_(k, v) for k, v in kwargs.items()}
  got = call(spec, args, kwargs, reduction=reduction, where=mask)
  want = call(spec, sliced, sliced_kw, reduction=reduction)
  np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_where_zeroes_masked_elements(spec):
  args, kwargs = example(spec)
  shape = jax.eval_shape(lambda: call(spec, args, kwargs, reduction="none")).shape
  mask = jnp.asarray(np.random.default_rng(1).uniform(size=shape) < 0.6)
  none, masked, total = jax.jit(lambda: (  # one compiled program
      call(spec, args, kwargs, reduction="none"),
      call(spec, args, kwargs, reduction="none", where=mask),
      call(spec, args, kwargs, reduction="sum", where=mask)))()
  if spec.in_batch:  # masked samples leave the batch: the others' losses change
    np.testing.assert_array_equal(np.asarray(masked)[~np.asarray(mask)], 0.0)
  else:
    np.testing.assert_allclose(masked, jnp.where(mask, none, jnp.zeros_like(none)), rtol=1e-12)
  np.testing.assert_allclose(total, jnp.sum(masked), rtol=1e-12)


@pytest.mark.slow  # 48 CPU-seconds of README's run at 92 losses; CI's slow run keeps it
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_sum_equals_none_summed(spec):
  args, kwargs = example(spec)
  np.testing.assert_allclose(
      call(spec, args, kwargs, reduction="sum"),
      jnp.sum(call(spec, args, kwargs, reduction="none")),
      rtol=1e-12, atol=1e-14,
  )


# Slow (114 CPU-seconds of README's run at 92 losses): README's run keeps the empty batch's
# mean-is-zero check (test_edges.py), the same code path in the core.
@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_all_masked_mean_is_zero_with_zero_gradient(spec):
  args, kwargs = example(spec)
  shape = _per_element_shape(spec, args, kwargs)
  where = jnp.zeros(shape, bool)
  i = spec.arg_names.index(spec.differentiable[0])

  def f(x):
    full = list(args)
    full[i] = x
    return call(spec, full, kwargs, where=where)

  value, grad = jax.value_and_grad(f)(args[i])
  assert value == 0
  assert not np.any(np.asarray(grad)), "all-masked mean must have a zero gradient"


# --------------------------------------------------------------------------
# Dtype policy
# --------------------------------------------------------------------------


@pytest.mark.slow  # 146 CPU-seconds of README's run at 92 losses; CI's slow run keeps both dtypes
@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16])
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_16bit_inputs_give_float32_loss_and_grads_in_input_dtype(spec, dtype):
  args, kwargs = example(spec, dtype=dtype)
  i = spec.arg_names.index(spec.differentiable[0])

  def f(x):
    full = list(args)
    full[i] = x
    return call(spec, full, kwargs)

  value, grad = jax.value_and_grad(f)(args[i])
  assert value.dtype == jnp.float32
  assert grad.dtype == dtype
  assert np.isfinite(np.asarray(value)) and np.all(np.isfinite(np.asarray(grad, np.float32)))


@pytest.mark.slow  # 29 CPU-seconds of README's run at 92 losses; CI's slow run keeps it
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_float32_and_float64_are_kept(spec):
  for dtype in (jnp.float32, jnp.float64):
    args, kwargs = example(spec, dtype=dtype)
    assert call(spec, args, kwargs).dtype == dtype


# --------------------------------------------------------------------------
# Errors name the loss
# --------------------------------------------------------------------------


def _mismatched(spec, args):
  if spec.mismatch is not None:
    return spec.mismatch(args)
  bad = list(args)
  bad[1] = args[1][:-1]
  return bad


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_shape_mismatch_raises_value_error_naming_the_loss(spec):
  args, kwargs = example(spec)
  with pytest.raises(ValueError, match=spec.name):
    call(spec, _mismatched(spec, args), kwargs)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_unknown_reduction_raises(spec):
  args, kwargs = example(spec)
  with pytest.raises(ValueError, match=rf"{spec.name}.*reduction"):
    call(spec, args, kwargs, reduction="avg")


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_where_must_be_boolean_and_broadcastable(spec):
  args, kwargs = example(spec)
  shape = _per_element_shape(spec, args, kwargs)
  with pytest.raises(ValueError, match=rf"{spec.name}.*where"):
    call(spec, args, kwargs, where=jnp.ones(shape, jnp.float32))
  with pytest.raises(ValueError, match=rf"{spec.name}.*where"):
    call(spec, args, kwargs, where=jnp.ones(tuple(shape) + (2,), bool))


RENAMED = [s for s in lj.REGISTRY.values() if s.declaration.renamed]


@pytest.mark.parametrize("spec", RENAMED, ids=[s.name for s in RENAMED])
def test_an_old_argument_name_is_still_accepted(spec):
  """Argument names made consistent within a family keep their old keyword: the same number by
  either name, and both names at once is an error naming the loss."""
  args, kwargs = spec.example(np.random.default_rng(0))
  names = spec.arg_names
  old_of = {new: old for old, new in spec.declaration.renamed.items()}
  by_old = {old_of.get(n, n): a for n, a in zip(names, args)}
  np.testing.assert_array_equal(np.asarray(spec.fn(*args, **kwargs)),
                                np.asarray(spec.fn(**by_old, **kwargs)))
  old, new = next(iter(spec.declaration.renamed.items()))
  with pytest.raises(TypeError, match=rf"{spec.name}: got `{old}`"):
    spec.fn(*args, **{old: args[names.index(new)]}, **kwargs)
