"""Margin losses: behaviour beyond the PyTorch fixtures."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj


def test_targets_outside_plus_minus_one_raise_on_concrete_input():
  x = jnp.array([0.5, 1.5])
  for call in (lambda: lj.hinge_embedding_loss(x, jnp.array([1.0, 0.0])),
               lambda: lj.margin_ranking_loss(x, x, jnp.array([1.0, 2.0]))):
    with pytest.raises(ValueError, match=r"argument `target` holds .*values in \{-1, 1\}"):
      call()


def test_hinge_with_other_targets_under_jit_is_nan_not_torchs_sum_of_both_terms():
  # torch computes x + max(0, margin - x) = 1.0 for a label of 0: a plausible wrong number.
  # Unchecked under jit, lossjax gives NaN for a label outside {-1, 1} (README's table).
  assert np.isnan(jax.jit(lj.hinge_embedding_loss)(jnp.array([0.4]), jnp.array([0.0])))
  assert np.isnan(jax.jit(lj.margin_ranking_loss)(jnp.array([0.4]), jnp.array([0.1]),
                                                  jnp.array([2.0])))


def test_multilabel_margin_counts_only_targets_before_the_first_padding():
  x = jnp.array([[0.1, 0.2, 0.4, 0.8]])
  a = lj.multilabel_margin_loss(x, jnp.array([[3, 0, -1, 1]]))
  b = lj.multilabel_margin_loss(x, jnp.array([[3, 0, -1, -1]]))
  np.testing.assert_allclose(a, b)
  assert lj.multilabel_margin_loss(x, jnp.array([[-1, 0, 1, 2]])) == 0.0  # no targets at all


def test_multi_margin_p_must_be_1_or_2_with_torch_wording():
  with pytest.raises(ValueError, match="multi_margin_loss: argument `p`: got 3: only p == 1 and p == 2"):
    lj.multi_margin_loss(jnp.zeros((2, 3)), jnp.array([0, 1]), p=3)


def test_soft_margin_is_finite_where_torch_overflows():
  # torch's log1p(exp(100)) is inf in float32; softplus gives 100.
  value = lj.soft_margin_loss(jnp.array([100.0], jnp.float32), jnp.array([-1.0]))
  np.testing.assert_allclose(value, 100.0)


def test_hinge_gradient_at_the_kink_follows_torch_clamp_min():
  # torch's clamp_min passes the gradient at equality; its C++ multi-margin
  # kernels use a strict z > 0 (the fixtures pin both at exact ties).
  g = jax.grad(lambda x: lj.margin_ranking_loss(x, jnp.zeros(1), jnp.array([-1.0])))(jnp.zeros(1))
  np.testing.assert_array_equal(g, [1.0])
  g = jax.grad(lambda x: lj.multi_margin_loss(x, jnp.array([0])))(jnp.array([[1.0, 0.0]]))
  np.testing.assert_array_equal(g, [[0.0, 0.0]])
