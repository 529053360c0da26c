"""Numeric hyperparameters as arrays: swept with vmap, scheduled or learned under jit, and
differentiated, for every loss and every numeric option its declaration lets be traced.

One compiled program per loss runs every case: ``jit(vmap(value_and_grad))`` over rows of
option values (the example's point, each option nudged by ±h for a central difference, and each
option out of range), so the sweep costs one compilation per loss. A value that selects the
computation (``Float(...).static()``) must say so when traced.
"""

from __future__ import annotations

import inspect
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj
from lossjax._declare import Float, OptionTypeError
from tests._util import call, example


def _numeric(spec, traced: bool):
  """(option, declaration, value) for each Float option with a value in the example."""
  _, kwargs = example(spec)
  params = inspect.signature(spec.fn).parameters
  out = []
  for k, o in spec.declaration.options.items():
    if isinstance(o, Float) and o.traced == traced:
      v = kwargs.get(k, params[k].default)
      if v is not None:
        out.append((k, o, float(v)))
  return out


#: The default run sweeps these (a skipped term, a special case at an endpoint, a learned
#: shape, a schedule's mixture); CI's slow stage sweeps every loss.
DEFAULT = {"sigmoid_focal_loss", "cross_entropy", "barron_loss", "generalized_jsd_loss",
           "smooth_l1_loss", "arcface_loss"}
TRACED = [pytest.param(s, id=s.name, marks=() if s.name in DEFAULT else pytest.mark.slow)
          for s in lj.REGISTRY.values() if _numeric(s, True)]
STATIC = [(s, k) for s in lj.REGISTRY.values() for k, _, _ in _numeric(s, False)]


def _inside(o: Float, v: float, h: float) -> bool:
  return not bool(o.out_of_range(np.array([v - h, v, v + h])).any())


def _interior(o: Float, v: float, h: float) -> float:
  """`v`, or a point near it whose ±h neighbours are in range too (a default at a bound)."""
  for cand in (v, v + 2 * h, v - 2 * h):
    if _inside(o, cand, h):
      return cand
  raise AssertionError(f"no interior point near {v}")


def _bad(o: Float) -> float | None:
  """An out-of-range value that is not NaN (a NaN gives NaN by itself, proving nothing)."""
  if o.lo is not None:
    return o.lo if o.lo_open else o.lo - 1.0
  if o.hi is not None:
    return o.hi if o.hi_open else o.hi + 1.0
  if o.gap is not None:
    return sum(o.gap) / 2
  return None if o.allow_inf else math.inf


@pytest.mark.parametrize("spec", TRACED)
def test_numeric_options_may_be_traced_swept_and_differentiated(spec):
  args, kwargs = example(spec)
  options = _numeric(spec, True)
  names = [k for k, _, _ in options]
  static = {k: v for k, v in kwargs.items() if k not in names}
  point = {k: _interior(o, v, 1e-5 * max(1.0, abs(v))) for k, o, v in options}
  rows, kinds = [dict(point)], [("point", None)]
  for k, o, _ in options:
    h = 1e-5 * max(1.0, abs(point[k]))
    rows += [{**point, k: point[k] + h}, {**point, k: point[k] - h}]
    kinds += [("plus", (k, h)), ("minus", (k, h))]
    bad = _bad(o)
    if bad is not None:
      rows.append({**point, k: bad})
      kinds.append(("bad", (k, bad)))
  batch = {k: jnp.asarray([r[k] for r in rows], jnp.float64) for k in names}

  def f(opts):
    return jnp.sum(call(spec, args, {**static, **opts}))

  values, grads = jax.jit(jax.vmap(jax.value_and_grad(f)))(batch)
  values, grads = np.asarray(values), {k: np.asarray(g) for k, g in grads.items()}
  # The traced program equals the static one (Python numbers) at the example's point.
  expected = float(jnp.sum(call(spec, args, {**static, **point})))
  np.testing.assert_allclose(values[0], expected, rtol=1e-10, atol=1e-12)
  for i, (kind, info) in enumerate(kinds):
    if kind == "plus" and spec.numerical_grads:  # (False: the reference detaches on purpose)
      k, h = info
      numeric = (values[i] - values[i + 1]) / (2 * h)
      assert np.isfinite(grads[k][0]), f"d/d{k} is {grads[k][0]}"
      np.testing.assert_allclose(grads[k][0], numeric, rtol=1e-4, atol=1e-6,
                                 err_msg=f"gradient with respect to `{k}`")
    elif kind == "bad":
      k, bad = info
      assert np.isnan(values[i]), f"`{k}`={bad} (out of range) under jit gave {values[i]}"


@pytest.mark.parametrize(("spec", "option"), STATIC, ids=[f"{s.name}-{k}" for s, k in STATIC])
def test_a_value_that_selects_the_computation_says_it_must_be_static(spec, option):
  args, kwargs = example(spec)
  v = float(kwargs.get(option, inspect.signature(spec.fn).parameters[option].default))
  with pytest.raises(OptionTypeError, match=rf"{spec.name}: argument `{option}`.*static Python"):
    jax.jit(lambda g: call(spec, args, kwargs, **{option: g}))(jnp.float64(v))


def test_a_swept_value_is_checked_where_it_is_known_and_raises_under_checked():
  x = jnp.linspace(-2.0, 2.0, 6)
  t = jnp.asarray([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
  gammas = jnp.asarray([0.0, 2.0, -1.0])
  sweep = jax.vmap(lambda g: lj.sigmoid_focal_loss(x, t, gamma=g))
  with pytest.raises(ValueError, match=r"sigmoid_focal_loss: argument `gamma` holds -1.0"):
    sweep(gammas)  # outside jit the swept values are known: checked, as data is
  out = np.asarray(jax.jit(sweep)(gammas))
  assert np.isnan(out[2]) and np.all(np.isfinite(out[:2]))
  for i, g in enumerate([0.0, 2.0]):  # each swept value equals the static call
    np.testing.assert_allclose(out[i], lj.sigmoid_focal_loss(x, t, gamma=g), rtol=1e-12)
  with pytest.raises(lj.CheckError, match=r"sigmoid_focal_loss: argument `gamma`"):
    lj.checked(jax.jit(sweep))(gammas)
  with pytest.raises(OptionTypeError, match=r"a 0-d real array"):
    jax.jit(lambda g: lj.sigmoid_focal_loss(x, t, gamma=g))(gammas)
