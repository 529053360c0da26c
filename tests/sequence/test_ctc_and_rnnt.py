"""ctc_loss beyond the PyTorch fixtures (optax as an independent reference, layouts); rnnt_loss
against a brute-force sum over alignments."""

from __future__ import annotations

import itertools

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


# --------------------------------------------------------------------------
# RNN-T: against a brute-force sum over every alignment
# --------------------------------------------------------------------------


def _rnnt_brute(logits, targets, t_lens, u_lens, blank):
  """-log of the summed probability of every lattice path: T - 1 blanks and U labels in any
  order, then the final blank from (T - 1, U); C(T - 1 + U, U) paths, listed in numpy as the
  (t, u, class) of each step and summed in one gather."""
  lp = jax.nn.log_softmax(logits, axis=-1)
  costs = []
  for b, (t_len, u_len) in enumerate(zip(t_lens, u_lens, strict=True)):
    steps = []
    for emits in itertools.combinations(range(t_len - 1 + u_len), u_len):
      t = u = 0
      path = []
      for k in range(t_len - 1 + u_len):
        if k in emits:
          path.append((t, u, targets[b][u]))
          u += 1
        else:
          path.append((t, u, blank))
          t += 1
      steps.append(path + [(t_len - 1, u_len, blank)])
    idx = np.asarray(steps)  # (paths, steps, 3)
    scores = jnp.sum(lp[b][idx[..., 0], idx[..., 1], idx[..., 2]], axis=1)
    costs.append(-jax.nn.logsumexp(scores))
  return jnp.stack(costs)


@pytest.mark.parametrize("t_lens,u_lens,blank", [([3, 1, 2], [2, 2, 0], 4), ([2, 3], [1, 2], 0)])
def test_rnnt_equals_brute_force_over_alignments_in_value_and_gradient(t_lens, u_lens, blank):
  rng = np.random.default_rng(len(t_lens))
  n, v = len(t_lens), 5
  x = jnp.asarray(rng.normal(size=(n, max(t_lens), max(u_lens) + 1, v)))
  labels = [c for c in range(v) if c != blank]
  y = np.asarray(rng.choice(labels, size=(n, max(u_lens))))
  got, grad = jax.jit(jax.value_and_grad(lambda z: lj.rnnt_loss(
      z, y, np.array(t_lens), np.array(u_lens), blank=blank, reduction="sum")))(x)
  want, want_grad = jax.jit(jax.value_and_grad(
      lambda z: jnp.sum(_rnnt_brute(z, y, t_lens, u_lens, blank))))(x)
  np.testing.assert_allclose(got, want, rtol=1e-12)
  np.testing.assert_allclose(grad, want_grad, rtol=1e-10, atol=1e-13)
  # Padded frames and label rows get exactly zero gradient.
  for b, (t_len, u_len) in enumerate(zip(t_lens, u_lens, strict=True)):
    assert not np.any(grad[b, t_len:]) and not np.any(grad[b, :, u_len + 1:])


def test_rnnt_padding_nan_reaches_nothing_and_blank_labels_are_rejected():
  x = np.random.default_rng(0).normal(size=(2, 3, 3, 4))
  x[1, 2:] = np.nan  # past sequence 1's frames
  x[0, :, 2:] = np.inf  # past sequence 0's labels
  y, il, tl = np.array([[0, 1], [2, 0]]), np.array([3, 2]), np.array([1, 2])
  value, grad = jax.jit(jax.value_and_grad(lambda z: lj.rnnt_loss(z, y, il, tl)))(jnp.asarray(x))
  assert np.isfinite(value) and np.all(np.isfinite(grad))
  with pytest.raises(ValueError, match=r"rnnt_loss: argument `targets`.*blank \(3\)"):
    lj.rnnt_loss(x, np.array([[3, 1], [2, 0]]), il, tl)


def test_rnnt_clamp_clips_each_sequence_gradient_before_the_mean():
  x = jnp.asarray(np.random.default_rng(1).normal(size=(2, 4, 3, 5)) * 3)
  y, il, tl = np.array([[0, 1], [2, 3]]), np.array([4, 3]), np.array([2, 1])
  per_sequence = jax.jit(jax.grad(lambda z: lj.rnnt_loss(z, y, il, tl, reduction="sum")))(x)
  clamped = jax.jit(jax.grad(lambda z: lj.rnnt_loss(z, y, il, tl, clamp=0.1)))(x)
  np.testing.assert_allclose(clamped, np.clip(per_sequence, -0.1, 0.1) / 2, rtol=1e-12)
  assert np.abs(per_sequence).max() > 0.1  # the clamp acts
