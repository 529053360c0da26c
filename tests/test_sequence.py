"""ctc_loss beyond the PyTorch fixtures: optax as an independent reference, layouts."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import lossjax as lj

RNG = np.random.default_rng(0)


def _batch(t=30, n=4, c=6, s=8):
  logits = jnp.asarray(RNG.normal(size=(n, t, c)) * 2)  # optax's batch-first layout
  labels = jnp.asarray(RNG.integers(1, c, size=(n, s)))
  in_len = np.array([t, t - 3, t - 7, t - 1])[:n]
  tg_len = np.array([s, s - 2, 3, 1])[:n]
  logit_pad = jnp.asarray((np.arange(t)[None, :] >= in_len[:, None]).astype(np.float64))
  label_pad = jnp.asarray((np.arange(s)[None, :] >= tg_len[:, None]).astype(np.float64))
  return logits, labels, logit_pad, label_pad


def test_equals_optax_ctc_loss_per_sequence():
  # optax.ctc_loss: batch-first logits, padding masks, log_epsilon=-1e5 in
  # place of -inf; feasible sequences, so both compute the same likelihood.
  logits, labels, logit_pad, label_pad = _batch()
  with jax.numpy_dtype_promotion("standard"):  # optax relies on implicit promotion
    want = optax.ctc_loss(logits, logit_pad, labels, label_pad)
  log_probs = jnp.swapaxes(jax.nn.log_softmax(logits, axis=-1), 0, 1)
  input_lengths = jnp.sum(1 - logit_pad, axis=1).astype(jnp.int32)
  target_lengths = jnp.sum(1 - label_pad, axis=1).astype(jnp.int32)
  got = lj.ctc_loss(log_probs, labels, input_lengths, target_lengths, reduction="none")
  np.testing.assert_allclose(got, want, rtol=1e-9)
  g_got = jax.grad(lambda z: lj.ctc_loss(jnp.swapaxes(jax.nn.log_softmax(z, -1), 0, 1), labels,
                                         input_lengths, target_lengths, reduction="sum"))(logits)
  with jax.numpy_dtype_promotion("standard"):
    g_want = jax.grad(lambda z: jnp.sum(optax.ctc_loss(z, logit_pad, labels, label_pad)))(logits)
  np.testing.assert_allclose(g_got, g_want, rtol=1e-7, atol=1e-10)


def test_padded_and_concatenated_targets_agree_also_under_jit():
  logits, labels, logit_pad, label_pad = _batch()
  log_probs = jnp.swapaxes(jax.nn.log_softmax(logits, axis=-1), 0, 1)
  il = jnp.sum(1 - logit_pad, axis=1).astype(jnp.int32)
  tl = jnp.sum(1 - label_pad, axis=1).astype(jnp.int32)
  concat = jnp.concatenate([labels[i, : int(tl[i])] for i in range(labels.shape[0])])
  padded = lj.ctc_loss(log_probs, labels, il, tl)
  np.testing.assert_allclose(lj.ctc_loss(log_probs, concat, il, tl), padded, rtol=1e-12)
  np.testing.assert_allclose(jax.jit(lj.ctc_loss)(log_probs, concat, il, tl), padded, rtol=1e-12)


def test_value_errors_on_concrete_lengths():
  lp = jax.nn.log_softmax(jnp.zeros((5, 2, 4)))
  with pytest.raises(ValueError, match=r"ctc_loss: argument `input_lengths` holds 6"):
    lj.ctc_loss(lp, jnp.ones((2, 2), jnp.int32), jnp.array([5, 6]), jnp.array([1, 1]))
  with pytest.raises(ValueError, match=r"ctc_loss: argument `blank`: blank must be in label range"):
    lj.ctc_loss(lp, jnp.ones((2, 2), jnp.int32), jnp.array([5, 5]), jnp.array([1, 1]), blank=4)
