"""Property tests over every registered loss (hypothesis, derandomised for CI).

Invariants that must hold for any valid input: `where` equals slicing, the
mean is invariant to permuting the batch, softmax losses are shift invariant,
values and gradients stay finite at ±1e4, and the dtype policy holds for
bf16 / f16 / f32 / f64 with x64 on and off. Plus bad input: a wrong dtype and
every known-bad option raise ValueError naming the loss and the argument.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lossjax as lj
from tests._util import call, example

# The property tests (dtype policy, finiteness at ±1e4, invariances) run with the slow tests:
# CI runs them all after README's command, which stays under 10 minutes on 2 cores.
pytestmark = pytest.mark.slow

SPECS = list(lj.REGISTRY.values())
IDS = [s.name for s in SPECS]
SETTINGS = settings(max_examples=6, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _batch_size(spec, args, kwargs):
  shape = call(spec, args, kwargs, reduction="none").shape
  if not shape:
    pytest.skip("scalar per-element loss")
  return shape


def _take(spec, args, kwargs, index):
  """Selects batch rows `index` of every batched argument and option."""
  def pick(name, a):
    return jnp.take(a, index, axis=spec.batch_axis(name)) if name in spec.batched else a
  return ([pick(n, a) for n, a in zip(spec.arg_names, args)],
          {k: pick(k, v) for k, v in kwargs.items()})


# Exhaustive beside test_registry's fixed mask and test_edges' masked NaN row: CI's slow run.
@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
@SETTINGS
@given(data=st.data())
def test_where_equals_slicing_for_random_masks(spec, data):
  args, kwargs = example(spec)
  shape = _batch_size(spec, args, kwargs)
  keep = np.asarray(data.draw(st.lists(st.booleans(), min_size=shape[0], max_size=shape[0])))
  if not keep.any():
    keep[0] = True
  mask = jnp.asarray(keep.reshape((-1,) + (1,) * (len(shape) - 1)))
  sliced_args, sliced_kwargs = _take(spec, args, kwargs, jnp.asarray(np.flatnonzero(keep)))
  for reduction in ("mean", "sum"):
    np.testing.assert_allclose(
        call(spec, args, kwargs, reduction=reduction, where=mask),
        call(spec, sliced_args, sliced_kwargs, reduction=reduction), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
@SETTINGS
@given(data=st.data())
def test_mean_is_invariant_to_permuting_the_batch(spec, data):
  if not spec.permutation_invariant:
    pytest.skip("order-dependent by definition")
  args, kwargs = example(spec)
  n = _batch_size(spec, args, kwargs)[0]
  perm = jnp.asarray(data.draw(st.permutations(list(range(n)))))
  p_args, p_kwargs = _take(spec, args, kwargs, perm)
  np.testing.assert_allclose(call(spec, p_args, p_kwargs), call(spec, args, kwargs),
                             rtol=1e-11, atol=1e-13)


SOFTMAX = [s for s in SPECS if s.softmax_args]


@pytest.mark.parametrize("spec", SOFTMAX, ids=[s.name for s in SOFTMAX])
@SETTINGS
@given(shift=st.floats(-1e3, 1e3, allow_nan=False))
def test_softmax_losses_are_shift_invariant(spec, shift):
  args, kwargs = example(spec)
  shifted = [a + shift if n in spec.softmax_args else a for n, a in zip(spec.arg_names, args)]
  np.testing.assert_allclose(call(spec, shifted, kwargs), call(spec, args, kwargs),
                             rtol=1e-9, atol=1e-10)


BOUNDED = [s for s in SPECS if s.unbounded]


@pytest.mark.parametrize("dtype", [jnp.float32, pytest.param(jnp.float64, marks=pytest.mark.slow)])
@pytest.mark.parametrize("spec", BOUNDED, ids=[s.name for s in BOUNDED])
@SETTINGS
@given(scale=st.sampled_from([1e2, 1e3, 1e4]))
def test_values_and_gradients_finite_up_to_1e4(spec, dtype, scale):
  args, kwargs = example(spec, dtype=dtype)
  big = [jnp.clip(a / jnp.max(jnp.abs(a)) * scale, -1e4, 1e4) if n in spec.unbounded else a
         for n, a in zip(spec.arg_names, args)]
  idx = [spec.arg_names.index(n) for n in spec.differentiable]

  def f(*diff):
    full = list(big)
    for i, d in zip(idx, diff):
      full[i] = d
    return call(spec, full, kwargs)

  value, grads = jax.value_and_grad(f, argnums=tuple(range(len(idx))))(*[big[i] for i in idx])
  assert np.isfinite(value)
  for g in grads:
    assert np.all(np.isfinite(np.asarray(g))), spec.name


def _numpy_example(spec, dtype):
  args, kwargs = spec.example(np.random.default_rng(0))

  def cast(a):
    return a.astype(dtype) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a

  return [cast(a) for a in args], {k: cast(v) for k, v in kwargs.items()}


# The default run keeps what test_registry does not cover (x64 off) in the dtype users train
# in; the rest of the matrix is CI's slow run.
_SLOW = pytest.mark.slow


@pytest.mark.parametrize("x64", [pytest.param(True, marks=_SLOW), False])
@pytest.mark.parametrize("dtype", [pytest.param(jnp.bfloat16, marks=_SLOW),
                                   pytest.param(jnp.float16, marks=_SLOW), jnp.float32,
                                   pytest.param(jnp.float64, marks=_SLOW)])
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_dtype_policy_matrix(spec, dtype, x64):
  with jax.enable_x64(x64):
    args, kwargs = _numpy_example(spec, dtype)
    i = spec.arg_names.index(spec.differentiable[0])

    def f(x):
      full = list(args)
      full[i] = x
      return call(spec, full, kwargs)

    value, grad = jax.value_and_grad(f)(jnp.asarray(args[i]))
    want_loss = jnp.float64 if (x64 and dtype == jnp.float64) else jnp.float32
    want_grad = jnp.float32 if (dtype == jnp.float64 and not x64) else dtype
    assert value.dtype == want_loss
    assert grad.dtype == want_grad
    assert np.isfinite(float(value))


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_wrong_dtype_raises_naming_loss_and_argument(spec):
  args, kwargs = example(spec)
  first = spec.differentiable[0]
  i = spec.arg_names.index(first)
  bad = list(args)
  bad[i] = args[i].astype(jnp.int32)
  with pytest.raises(ValueError, match=rf"{spec.name}.*`{first}`"):
    call(spec, bad, kwargs)


BAD_OPTIONS = [(s, k, v) for s in SPECS for k, v in s.bad_options.items()]


@pytest.mark.parametrize(("spec", "option", "value"), BAD_OPTIONS,
                         ids=[f"{s.name}-{k}" for s, k, _ in BAD_OPTIONS])
def test_bad_option_raises_naming_loss_and_option(spec, option, value):
  args, kwargs = example(spec)
  with pytest.raises(ValueError, match=rf"{spec.name}.*{option}"):
    call(spec, args, {**kwargs, option: value})
