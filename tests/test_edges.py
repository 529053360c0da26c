"""The edge sweep: every registered loss, fed what a careless user passes (issue #14).

Each test applies one class of bad or edge input to every loss in the
registry, driven by the loss's own declaration (``fn.declaration``: its
argument roles and option types), so a new loss or option is swept without
anyone remembering to add it:

- every option gets the bad values its declared type implies (wrong types,
  None where None is not allowed, NaN, ±inf, out of range): a ValueError or
  TypeError naming the loss and the option;
- an empty batch: "mean" and "sum" are 0, the gradient finite;
- zero classes: a ValueError naming the loss;
- an axis option out of range for its argument's rank, an index or count option past the size
  of the axis it indexes, a size-0 axis the declaration says must be non-empty, and an argument
  one longer or shorter, on any axis, than the argument its declaration relates it to (same
  shape, one class index per element, one entry per row): a ValueError naming the loss and the
  argument;
- a NaN in any floating input (a row of a batched one, or all of another):
  NaN out under jit, and ``lj.checked`` raises;
- NaN in every batched float input of a masked row: the value equals the
  loss without that row, and every gradient is finite, 0 on the masked row;
- an out-of-range class index: an error where values are known (eager, grad,
  vmap), NaN under jit and jit-of-vmap, CheckError under ``lj.checked``, and
  nothing at all where ``where`` masks it.

The named tests for each class of the issue live in tests/test_traps.py.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj
from lossjax._declare import Axis, Int
from tests._util import call, example, first_of_each_family, one_per_family

SPECS = list(lj.REGISTRY.values())
IDS = [s.name for s in SPECS]

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _row(spec, name, a, index):
  """`a` with its batch row(s) `index` selected (a slice or an int) along its batch axis."""
  axis = spec.batch_axis(name)
  return a[(slice(None),) * axis + (index,)]


def _set_row(spec, name, a, value):
  axis = spec.batch_axis(name)
  return a.at[(slice(None),) * axis + (0,)].set(value)


def _is_float(a) -> bool:
  return isinstance(a, jax.Array) and jnp.issubdtype(a.dtype, jnp.floating)


def _float_inputs(spec, args, kwargs):
  """(name, is_positional) of every floating array the loss reads: data and array options."""
  roles = spec.declaration.roles
  out = [(n, True) for n, a in zip(spec.arg_names, args) if n in roles and _is_float(a)]
  return out + [(k, False) for k, v in kwargs.items() if _is_float(v)]


def _replace(spec, args, kwargs, name, positional, value):
  if positional:
    full = list(args)
    full[spec.arg_names.index(name)] = value
    return full, kwargs
  return list(args), {**kwargs, name: value}


def _get(spec, args, kwargs, name, positional):
  return args[spec.arg_names.index(name)] if positional else kwargs[name]


# --------------------------------------------------------------------------
# Options: every declared option, every bad value its type implies
# --------------------------------------------------------------------------

BAD_VALUES = [
    (spec, option, i, value)
    for spec in SPECS
    for option, decl in spec.declaration.options.items()
    for i, value in enumerate(decl.bad_values())
]


@pytest.mark.parametrize(("spec", "option", "i", "value"), BAD_VALUES,
                         ids=[f"{s.name}-{o}-{i}" for s, o, i, _ in BAD_VALUES])
def test_ill_typed_or_non_finite_option_raises_naming_loss_and_option(spec, option, i, value):
  args, kwargs = example(spec)
  with pytest.raises((ValueError, TypeError)) as info:
    call(spec, args, {**kwargs, option: value})
  message = str(info.value)
  assert message.startswith(spec.name) and f"`{option}`" in message, message


def test_every_loss_declares_every_option():
  for spec in SPECS:
    assert set(spec.declaration.options) == set(spec.options), spec.name
    assert set(spec.declaration.roles) == set(spec.arg_names), spec.name


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_an_option_passed_by_position_says_options_are_keyword_only(spec):
  args, kwargs = example(spec)
  if not spec.options:
    pytest.skip("no options")
  with pytest.raises(TypeError, match=rf"{spec.name}.*keyword-only"):
    spec.fn(*args, *([None] * (len(spec.arg_names) - len(args))), 0.5)


# --------------------------------------------------------------------------
# Empty batch and zero classes
# --------------------------------------------------------------------------


def _empty(spec, args, kwargs):
  empty = slice(0, 0)
  return ([_row(spec, n, a, empty) if n in spec.batched else a for n, a in zip(spec.arg_names, args)],
          {k: _row(spec, k, v, empty) if k in spec.batched else v for k, v in kwargs.items()})


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_empty_batch_mean_is_zero_with_a_finite_gradient(spec):
  args, kwargs = _empty(spec, *example(spec))
  assert jax.eval_shape(lambda: call(spec, args, kwargs, reduction="none")).size == 0
  idx = [spec.arg_names.index(n) for n in spec.differentiable]

  def f(*diff, reduction):
    full = list(args)
    for i, d in zip(idx, diff):
      full[i] = d
    return call(spec, full, kwargs, reduction=reduction)

  argnums = tuple(range(len(idx)))
  both = jax.jit(lambda *d: {r: jax.value_and_grad(functools.partial(f, reduction=r), argnums)(*d)
                             for r in ("mean", "sum")})(*[args[i] for i in idx])
  for reduction, (value, grads) in both.items():
    assert value == 0.0, (reduction, value)
    for i, g in zip(idx, grads):
      assert g.shape == args[i].shape and np.all(np.isfinite(np.asarray(g)))


CLASS_AXIS = [s for s in SPECS if s.classes]


@pytest.mark.parametrize("spec", CLASS_AXIS, ids=[s.name for s in CLASS_AXIS])
def test_zero_classes_raise_naming_the_loss(spec):
  args, kwargs = example(spec)
  bad = [jax.lax.slice_in_dim(a, 0, 0, axis=spec.classes[n] % a.ndim) if n in spec.classes else a
         for n, a in zip(spec.arg_names, args)]
  kwargs = {k: v for k, v in kwargs.items() if not isinstance(v, jax.Array)}  # [C] options
  with pytest.raises(ValueError, match=spec.name):
    call(spec, bad, kwargs)


AXIS_CASES = [(spec, k) for spec in SPECS for k, o in spec.declaration.options.items()
              if isinstance(o, Axis)]


@pytest.mark.parametrize(("spec", "option"), AXIS_CASES,
                         ids=[f"{s.name}-{k}" for s, k in AXIS_CASES])
def test_an_axis_out_of_range_raises_naming_the_loss_and_the_option(spec, option):
  """Every declared axis option is checked against the rank of the argument it indexes."""
  args, kwargs = example(spec)
  data = spec.declaration.options[option].of or spec.arg_names[0]
  rank = dict(zip(spec.arg_names, args))[data].ndim
  assert rank >= 2, "the example's input must have an axis to choose"
  for bad in (rank, -rank - 1, 10**9):
    with pytest.raises(ValueError, match=rf"{spec.name}: argument `{option}`: got {bad}"):
      call(spec, args, kwargs, **{option: bad})


NON_EMPTY = [(spec, name, axis) for spec in SPECS
             for name, role in spec.declaration.roles.items() for axis in role.nonempty]


@pytest.mark.parametrize(("spec", "name", "axis"), NON_EMPTY,
                         ids=[f"{s.name}-{n}-{a}" for s, n, a in NON_EMPTY])
def test_an_empty_axis_the_declaration_needs_raises_naming_the_loss(spec, name, axis):
  """A size-0 axis that the declaration says must be non-empty (ensemble members, features,
  channels) is an error naming the loss and the argument, never a silent NaN."""
  args, kwargs = example(spec)
  i = spec.arg_names.index(name)
  bad = list(args)
  bad[i] = jax.lax.slice_in_dim(args[i], 0, 0, axis=axis % args[i].ndim)
  with pytest.raises(ValueError, match=rf"{spec.name}: argument `{name}` has shape"):
    call(spec, bad, kwargs)


SIZED = [(spec, k) for spec in SPECS for k, o in spec.declaration.options.items()
         if isinstance(o, Int) and o.size_of is not None]


@pytest.mark.parametrize(("spec", "option"), SIZED, ids=[f"{s.name}-{k}" for s, k in SIZED])
def test_an_index_past_the_axis_it_indexes_raises_naming_the_loss_and_the_option(spec, option):
  """An option bounded by a data argument's size (a blank class, top-k experts) is checked
  against the actual size: one past the end is an error, the last valid value is not."""
  args, kwargs = example(spec)
  decl = spec.declaration.options[option]
  data, axis = decl.size_of
  n = dict(zip(spec.arg_names, args))[data].shape[axis]
  last = n if decl.size_rule == "count" else n - 1
  call(spec, args, kwargs, **{option: last})
  with pytest.raises(ValueError, match=rf"{spec.name}: argument `{option}`"):
    call(spec, args, kwargs, **{option: last + 1})


RELATED = [(spec, name) for spec in SPECS for name, role in spec.declaration.roles.items()
           if role.like or role.indices_of or role.rows_of]


def _resized(a, axis, delta):
  """`a` one longer (its first slice repeated) or one shorter on `axis`."""
  if delta > 0:
    return jnp.concatenate([a, jax.lax.slice_in_dim(a, 0, 1, axis=axis)], axis=axis)
  return jax.lax.slice_in_dim(a, 0, a.shape[axis] - 1, axis=axis)


@pytest.mark.parametrize(("spec", "name"), RELATED, ids=[f"{s.name}-{n}" for s, n in RELATED])
def test_an_argument_one_longer_or_shorter_than_its_relation_raises_naming_it(spec, name):
  """Every shape relation a declaration states (same shape as, one class index per element
  of, one per row of) is checked: the argument one longer or one shorter on any of its axes is
  an error naming the loss and the argument, never a broadcast or a silent truncation."""
  args, kwargs = example(spec)
  i = spec.arg_names.index(name)
  assert i < len(args), f"the example must pass {name} to check its relation"
  assert args[i].ndim >= 1
  for axis in range(args[i].ndim):
    for delta in (1, -1):
      bad = list(args)
      bad[i] = _resized(args[i], axis, delta)
      with pytest.raises(ValueError, match=rf"{spec.name}: argument `{name}` has shape"):
        call(spec, bad, kwargs)


# --------------------------------------------------------------------------
# NaN in, NaN out
# --------------------------------------------------------------------------

NAN_CASES = [(spec, name, positional) for spec in SPECS
             for name, positional in _float_inputs(spec, *example(spec))]
NAN_CASES_FIRST = {spec.name: name for spec, name, _ in reversed(NAN_CASES)}


# README's run takes the first float argument (where checked mode is also tested) of the first
# loss of each family; CI's slow stage every argument of every loss.
NAN_DEFAULT = first_of_each_family(SPECS)


@pytest.mark.parametrize(("spec", "name", "positional"), [
    pytest.param(s, n, p, id=f"{s.name}-{n}",
                 marks=() if NAN_CASES_FIRST[s.name] == n and s.name in NAN_DEFAULT
                 else pytest.mark.slow)
    for s, n, p in NAN_CASES])
def test_nan_input_gives_nan_and_checked_mode_raises(spec, name, positional):
  args, kwargs = example(spec)
  a = _get(spec, args, kwargs, name, positional)
  batched = name in spec.batched
  poisoned = _set_row(spec, name, a, jnp.nan) if batched else jnp.full_like(a, jnp.nan)
  args, kwargs = _replace(spec, args, kwargs, name, positional, poisoned)
  arrays = {k: v for k, v in kwargs.items() if isinstance(v, jax.Array)}
  static = {k: v for k, v in kwargs.items() if k not in arrays}

  def f(args, arrays, reduction):
    return call(spec, args, {**static, **arrays}, reduction=reduction)

  mean, none = jax.jit(lambda a, o: (f(a, o, "mean"), f(a, o, "none")))(args, arrays)
  assert np.isnan(mean), f"a NaN in `{name}` gave {mean}"
  none = np.asarray(none)
  if batched and none.ndim and not spec.in_batch:
    assert np.all(np.isnan(none[0])), none
    assert np.all(np.isfinite(none[1:])), "a NaN leaked into other rows"
  if name == NAN_CASES_FIRST[spec.name]:  # checked mode's NaN check is one per argument role
    with pytest.raises(lj.CheckError, match=rf"{spec.name}: argument `{name}`"):
      lj.checked(jax.jit(f, static_argnums=2))(args, arrays, "mean")


# --------------------------------------------------------------------------
# where: a masked element never reaches a value or a gradient
# --------------------------------------------------------------------------


@pytest.mark.parametrize("spec", one_per_family(SPECS))  # every loss in CI's slow stage
def test_where_protects_every_gradient_from_masked_nan(spec):
  args, kwargs = example(spec)
  shape = jax.eval_shape(lambda: call(spec, args, kwargs, reduction="none")).shape
  if not shape:
    pytest.skip("scalar per-element loss: nothing to mask")
  where = jnp.ones(shape, bool).at[0].set(False)
  rest = slice(1, None)
  want_args = [_row(spec, n, a, rest) if n in spec.batched else a
               for n, a in zip(spec.arg_names, args)]
  want_kwargs = {k: _row(spec, k, v, rest) if k in spec.batched else v for k, v in kwargs.items()}
  for name, positional in _float_inputs(spec, args, kwargs):
    if name in spec.batched:  # NaN in the masked row of every batched float input
      value = _set_row(spec, name, _get(spec, args, kwargs, name, positional), jnp.nan)
      args, kwargs = _replace(spec, args, kwargs, name, positional, value)
  idx = [spec.arg_names.index(n) for n in spec.differentiable]

  def f(*diff):
    full = list(args)
    for i, d in zip(idx, diff):
      full[i] = d
    return call(spec, full, kwargs, where=where), (
        call(spec, full, kwargs, where=where, reduction="sum"),
        call(spec, full, kwargs, where=where, reduction="none"))

  def program(*diff):  # one compiled program: the masked value, its gradients, the reference
    grad = jax.value_and_grad(f, argnums=tuple(range(len(idx))), has_aux=True)
    return grad(*diff), call(spec, want_args, want_kwargs)

  ((mean, (total, none)), grads), want = jax.jit(program)(*[args[i] for i in idx])
  np.testing.assert_allclose(mean, want, rtol=1e-11, atol=1e-13)
  assert np.isfinite(total)
  for i, g in zip(idx, grads):
    n = spec.arg_names[i]
    assert np.all(np.isfinite(np.asarray(g))), f"a masked NaN reached the gradient wrt `{n}`"
    if n in spec.batched:
      np.testing.assert_array_equal(_row(spec, n, g, 0), 0.0)
  np.testing.assert_array_equal(none[0], 0.0)


# --------------------------------------------------------------------------
# Class indices out of range
# --------------------------------------------------------------------------

INDEX_CASES = [
    # A negative index (which a gather would wrap to a real class) in README's run; one past
    # the end in CI's slow stage (the same code path, about 30 CPU-seconds).
    pytest.param(spec, name, bad, id=f"{spec.name}-{name}-{bad}",
                 marks=() if bad < 0 else pytest.mark.slow)
    for spec in SPECS
    for name in spec.declaration.args_of("index", "target")
    if not _is_float(example(spec)[0][spec.arg_names.index(name)])
    for bad in (10**6, -7)
]


@pytest.mark.parametrize(("spec", "name", "bad"), INDEX_CASES)
def test_out_of_range_index_is_an_error_or_nan_never_a_number(spec, name, bad):
  args, kwargs = example(spec)
  i = spec.arg_names.index(name)
  t = args[i]
  bad_t = t.at[(0,) * t.ndim].set(bad)

  def f(t, where=None, reduction="mean"):
    full = list(args)
    full[i] = t
    return call(spec, full, kwargs, where=where, reduction=reduction)

  match = rf"{spec.name}: argument `{name}`"
  # Known values (eager, grad, vmap outside jit) raise, as torch does.
  with pytest.raises(ValueError, match=match):
    f(bad_t)
  # Under jit nothing can raise: NaN, never a plausible number.
  assert np.isnan(jax.jit(f)(bad_t))
  if bad != -7:  # the rest once per loss, with a negative index (it used to wrap around)
    return
  d = spec.arg_names.index(spec.differentiable[0])

  def g(x):
    full = list(args)
    full[i], full[d] = bad_t, x
    return call(spec, full, kwargs)

  with pytest.raises(ValueError, match=match):
    jax.grad(g)(args[d])
  stacked = jnp.stack([t, bad_t])
  with pytest.raises(ValueError, match=match):
    jax.vmap(f)(stacked)
  out = jax.jit(jax.vmap(f))(stacked)
  assert np.isfinite(out[0]) and np.isnan(out[1])
  with pytest.raises(lj.CheckError, match=match):
    lj.checked(jax.jit(f))(bad_t)
  # Masked, the bad index is nobody's business: no error, no NaN.
  shape = f(t, reduction="none").shape
  if shape:
    where = jnp.ones(shape, bool).at[0].set(False)
    for fn in (f, jax.jit(f)):
      np.testing.assert_allclose(fn(bad_t, where), f(t, where), rtol=1e-12)
