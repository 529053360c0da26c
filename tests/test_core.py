"""The shared core: reduction, masks, dtype policy, contracts, value checks."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lossjax import _core as core


def test_unknown_reduction_message_names_loss_and_uses_torch_wording():
  with pytest.raises(ValueError, match=r"my_loss: argument `reduction`: avg is not a valid value"):
    core.validate_reduction("my_loss", "avg")
  core.validate_reduction("kl", "batchmean", extra=("batchmean",))


def test_reduce_none_sum_mean():
  v = jnp.arange(6.0).reshape(2, 3)
  assert core.reduce_loss("l", v, "sum") == 15.0
  assert core.reduce_loss("l", v, "mean") == 2.5
  np.testing.assert_array_equal(core.reduce_loss("l", v, "none"), v)


def test_where_leaves_elements_out_of_the_normaliser():
  v = jnp.array([1.0, 2.0, 3.0, 10.0])
  where = jnp.array([True, True, True, False])
  assert core.reduce_loss("l", v, "mean", where) == 2.0
  np.testing.assert_array_equal(core.reduce_loss("l", v, "none", where), [1.0, 2.0, 3.0, 0.0])


def test_norm_weight_is_the_weighted_mean_denominator():
  v = jnp.array([2.0, 4.0, 6.0])
  w = jnp.array([1.0, 1.0, 2.0])
  valid = jnp.array([True, False, True])
  assert core.reduce_loss("l", v, "mean", valid=valid, norm_weight=w) == pytest.approx(8.0 / 3.0)


def test_all_masked_mean_is_zero_with_zero_gradient():
  def f(v):
    return core.reduce_loss("l", v, "mean", jnp.zeros(3, bool))

  value, grad = jax.value_and_grad(f)(jnp.array([1.0, jnp.nan, 3.0]))
  assert value == 0.0
  np.testing.assert_array_equal(grad, 0.0)


def test_batchmean_divides_by_rows_and_counts_masked_rows_out():
  v = jnp.ones((4, 3))
  assert core.reduce_loss("kl", v, "batchmean") == 3.0
  rows = jnp.array([[True], [True], [False], [False]])
  assert core.reduce_loss("kl", v, "batchmean", rows) == 3.0
  assert core.reduce_loss("kl", jnp.array(2.0), "batchmean") == 2.0


def test_where_must_be_boolean_and_broadcastable_without_growing():
  v = jnp.ones((4, 3))
  with pytest.raises(ValueError, match="l: argument `where` has dtype"):
    core.reduce_loss("l", v, "mean", jnp.ones((4, 3)))
  with pytest.raises(ValueError, match=r"l: argument `where` has shape \(4,\)"):
    core.reduce_loss("l", v, "mean", jnp.ones((4,), bool))  # (4,) aligns with the last axis
  assert core.reduce_loss("l", v, "sum", jnp.ones((4, 1), bool)) == 12.0


def test_compute_dtype_policy():
  f16, bf16 = jnp.ones(2, jnp.float16), jnp.ones(2, jnp.bfloat16)
  assert core.compute_dtype(f16, bf16) == jnp.float32
  assert core.compute_dtype(jnp.ones(2, jnp.float32), 1.0) == jnp.float32
  assert core.compute_dtype(jnp.ones(2, jnp.float32), np.ones(2)) == jnp.float64  # x64 is on
  assert core.compute_dtype(jnp.ones(2, jnp.int32)) == jnp.float32


def test_compute_dtype_is_float32_with_x64_off():
  with jax.enable_x64(False):
    assert core.compute_dtype(np.ones(2)) == jnp.float32


def test_cast_returns_gradients_in_the_input_dtype():
  x = jnp.ones(3, jnp.bfloat16)
  g = jax.grad(lambda x: jnp.sum(core.to_float(x, jnp.float32) ** 2))(x)
  assert g.dtype == jnp.bfloat16


def test_finite_logits_clips_infinities_only():
  x = jnp.array([-jnp.inf, -1e30, 0.0, 3.0, jnp.inf], jnp.float32)
  y = core.finite_logits(x)
  assert np.all(np.isfinite(y))
  np.testing.assert_array_equal(y[1:4], x[1:4])


def test_safe_div_zero_denominator_has_zero_gradient():
  g = jax.grad(lambda d: core.safe_div(jnp.asarray(1.0), d))(0.0)
  assert g == 0.0


def test_check_values_names_the_first_offending_value_and_skips_tracers():
  with pytest.raises(ValueError, match=r"ce: argument `target` holds 7, expected class"):
    core.check_values("ce", "target", np.array([1, 7, 9]), lambda a: a > 5, "class < 5")
  # Under jit the check is skipped: the compiled program pays nothing for it.
  jax.jit(lambda t: core.check_values("ce", "target", t, lambda a: a > 5, "x") or t)(
      jnp.array([7])
  )


def test_shape_contract_messages_name_loss_argument_and_shapes():
  with pytest.raises(ValueError, match=r"mse: argument `target` has shape \(3,\), expected \(4,\)"):
    core.check_same_shape("mse", "target", jnp.ones(3), "input", jnp.ones(4))
  with pytest.raises(ValueError, match=r"ce: argument `target` has dtype float32, expected an integer"):
    core.check_int("ce", "target", jnp.ones(3, jnp.float32))
  with pytest.raises(ValueError, match=r"ce: argument `weight` has shape \(3,\), expected a shape"):
    core.check_broadcastable("ce", "weight", jnp.ones(3), (4, 2))
