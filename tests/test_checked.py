"""Checked mode: value contracts inside jit/vmap on request, nothing otherwise."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.experimental import checkify

import lossjax as lj


def test_class_index_out_of_range_inside_jit_raises_naming_loss_argument_value():  # optax #1185
  step = lj.checked(jax.jit(lj.cross_entropy))
  with pytest.raises(lj.CheckError, match=r"cross_entropy: argument `target` holds 42, expected "
                                          r"class indices in \[0, 10\)"):
    step(jnp.zeros((2, 10)), jnp.array([3, 42]))
  assert issubclass(lj.CheckError, ValueError)


def test_valid_inputs_give_the_unchecked_value():
  x = jnp.asarray(np.random.default_rng(0).normal(size=(4, 5)))
  y = jnp.array([0, 4, -100, 2])
  np.testing.assert_array_equal(lj.checked(jax.jit(lj.cross_entropy))(x, y), lj.cross_entropy(x, y))


def test_a_function_compiled_without_checks_is_traced_again_with_them():
  f = jax.jit(lambda p, t: lj.binary_cross_entropy(p, t))
  f(jnp.array([0.5]), jnp.array([1.0]))  # traced and cached without checks
  with pytest.raises(lj.CheckError, match=r"binary_cross_entropy: argument `input` holds 1.5"):
    lj.checked(f)(jnp.array([1.5]), jnp.array([1.0]))


def test_checks_hold_under_vmap_and_grad():
  batched = jax.vmap(lj.cross_entropy)
  with pytest.raises(lj.CheckError, match="holds 77"):
    lj.checked(batched)(jnp.zeros((3, 2, 10)), jnp.array([[1, 2], [3, 77], [0, 0]]))
  grad = jax.grad(lambda v: lj.gaussian_nll_loss(jnp.zeros(2), jnp.ones(2), v))
  with pytest.raises(lj.CheckError, match=r"gaussian_nll_loss: argument `var` holds -2.0"):
    lj.checked(jax.jit(grad))(jnp.array([1.0, -2.0]))


def test_linear_cross_entropy_labels_are_checked_too():
  h, w = jnp.ones((3, 4)), jnp.ones((6, 4))
  with pytest.raises(lj.CheckError, match=r"linear_cross_entropy: argument `target` holds 6"):
    lj.checked(jax.jit(lj.linear_cross_entropy))(h, w, jnp.array([0, 6, 1]))


def test_without_checked_the_compiled_program_has_no_check():
  x, y = jnp.zeros((2, 10)), jnp.array([3, 4])
  text = jax.jit(lj.cross_entropy).lower(x, y).as_text()
  for marker in ("callback", "custom_call", "error", "check"):
    assert marker not in text.lower(), marker
  # Positive control: the same loss traced in checked mode carries the check.
  with lj._core.CHECKED_MODE(True):
    checked_text = jax.jit(checkify.checkify(lj.cross_entropy)).lower(x, y).as_text()
  assert checked_text.count("stablehlo.compare") > text.count("stablehlo.compare")


def test_calling_inside_jit_is_a_clear_error():
  with pytest.raises(TypeError, match="outside jit"):
    jax.jit(lj.checked(lj.cross_entropy))(jnp.zeros((2, 10)), jnp.array([3, 4]))


def test_nan_inputs_are_flagged_only_in_checked_mode():
  x = jnp.array([[0.0, jnp.nan, 1.0]])
  assert np.isnan(lj.cross_entropy(x, jnp.array([0])))  # unchecked: NaN in, NaN out, no raise
  with pytest.raises(lj.CheckError, match=r"cross_entropy: argument `input` holds nan"):
    lj.checked(jax.jit(lj.cross_entropy))(x, jnp.array([0]))
  with pytest.raises(lj.CheckError, match=r"mse_loss: argument `input` holds nan"):
    lj.checked(lj.mse_loss)(jnp.array([jnp.nan]), jnp.array([0.0]))


def test_impossible_ctc_alignment_is_flagged_in_checked_mode_without_zero_infinity():
  lp = jax.nn.log_softmax(jnp.zeros((3, 1, 4)))
  targets, il, tl = jnp.array([[1, 1, 2]]), jnp.array([3]), jnp.array([3])  # needs 4 frames
  assert np.isinf(lj.ctc_loss(lp, targets, il, tl))  # unchecked: inf, as torch
  with pytest.raises(lj.CheckError, match=r"ctc_loss: argument `input_lengths` holds -1"):
    lj.checked(jax.jit(lj.ctc_loss))(lp, targets, il, tl)
  lj.checked(lambda *a: lj.ctc_loss(*a, zero_infinity=True))(lp, targets, il, tl)  # allowed
  lj.checked(lj.ctc_loss)(lp, jnp.array([[1, 2, 3]]), il, tl)  # feasible: no error
