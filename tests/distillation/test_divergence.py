"""linear_jsd_loss: equal to generalized_jsd_loss on the materialised logits, without them.

The reference is generalized_jsd_loss (TRL's formula, proven against it by the fixtures) on
`input @ weight.T + bias`; the memory claim is a compiled program's own accounting.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj

RNG = np.random.default_rng(0)
N, DS, DT, V = 11, 6, 9, 29
HS, HT = jnp.asarray(RNG.normal(size=(N, DS))), jnp.asarray(RNG.normal(size=(N, DT)))
WS, WT = jnp.asarray(RNG.normal(size=(V, DS)) / 2), jnp.asarray(RNG.normal(size=(V, DT)) / 2)
BS = jnp.asarray(RNG.normal(size=(V,)))
Y = jnp.asarray(RNG.integers(0, V, size=(N,))).at[3].set(-100)
KEEP = jnp.arange(N) != 7
COT = jnp.asarray(np.random.default_rng(1).normal(size=(N,)))


@pytest.mark.parametrize("beta", [0.0, 0.4, 1.0])
@pytest.mark.parametrize("teacher_logits", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_equals_the_jsd_of_the_materialised_logits(beta, teacher_logits, reduction):
  def ours(hs, ws, bs, ht):
    out = lj.linear_jsd_loss(hs, ws, ht @ WT.T if teacher_logits else ht,
                             None if teacher_logits else WT, Y, student_bias=bs, beta=beta,
                             temperature=1.7, token_chunk=4, reduction=reduction, where=KEEP)
    return jnp.sum(COT * out) if reduction == "none" else out

  def reference(hs, ws, bs, ht):
    counted = KEEP & (Y != -100)
    out = lj.generalized_jsd_loss(hs @ ws.T + bs[None, :], ht @ WT.T, beta=beta,
                                  temperature=1.7, reduction=reduction, where=counted)
    return jnp.sum(COT * out) if reduction == "none" else out

  got = jax.value_and_grad(ours, argnums=(0, 1, 2, 3))(HS, WS, BS, HT)
  want = jax.value_and_grad(reference, argnums=(0, 1, 2, 3))(HS, WS, BS, HT)
  for g, e in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
    np.testing.assert_allclose(g, e, rtol=1e-11, atol=1e-13)


def test_dv_layout_and_leading_axes():
  hs, ht = HS[:10].reshape(2, 5, DS), HT[:10].reshape(2, 5, DT)
  got = lj.linear_jsd_loss(hs, WS.T, ht, WT.T, layout="dv", token_chunk=3, reduction="none")
  want = lj.generalized_jsd_loss(hs @ WS.T, ht @ WT.T, reduction="none")
  np.testing.assert_allclose(got, want, rtol=1e-12)


def test_errors_name_the_loss_and_argument():
  with pytest.raises(ValueError, match=r"linear_jsd_loss: argument `student_weight` has shape"):
    lj.linear_jsd_loss(HS, WS.T, HT, WT)
  with pytest.raises(ValueError, match=r"linear_jsd_loss: argument `teacher_weight` has shape"):
    lj.linear_jsd_loss(HS, WS, HT, WT[:-1])
  with pytest.raises(ValueError, match=r"linear_jsd_loss: argument `teacher_input` has shape"):
    lj.linear_jsd_loss(HS, WS, HT)  # logits expected without teacher_weight


def test_compiled_temporary_memory_is_a_small_fraction_of_the_naive_programs():
  # Compile only: value_and_grad wrt the student's input and weight at N=8192, D=2048,
  # V=131072, float32, the teacher frozen. The naive program holds both [N, V] logit matrices
  # and their softmaxes; linear_jsd_loss a few [512, V] chunks.
  n, d, v = 8192, 2048, 131072
  f32 = jnp.float32
  args = (jax.ShapeDtypeStruct((n, d), f32), jax.ShapeDtypeStruct((v, d), f32),
          jax.ShapeDtypeStruct((n, d), f32), jax.ShapeDtypeStruct((v, d), f32))

  def temp_gib(f):
    g = jax.value_and_grad(lambda hs, ws, ht, wt: f(hs, ws, jax.lax.stop_gradient(ht),
                                                    jax.lax.stop_gradient(wt)), argnums=(0, 1))
    compiled = jax.jit(g).lower(*args).compile()
    return compiled.memory_analysis().temp_size_in_bytes / 2**30

  ours = temp_gib(lambda hs, ws, ht, wt: lj.linear_jsd_loss(hs, ws, ht, wt))
  naive = temp_gib(lambda hs, ws, ht, wt: lj.generalized_jsd_loss(hs @ ws.T, ht @ wt.T))
  assert naive >= 8.0, naive  # two [8192, 131072] float32 matrices are 8 GiB
  assert ours <= 0.15 * naive, (ours, naive)


@pytest.mark.parametrize("tail", ["bucket", "renormalize", "none"])
def test_topk_kd_with_the_whole_vocabulary_is_kd_and_a_minus_inf_teacher_entry_is_finite(tail):
  rng = np.random.default_rng(3)
  s, t = jnp.asarray(rng.normal(size=(5, 6))), jnp.asarray(rng.normal(size=(5, 6)))
  log_t = jax.nn.log_softmax(t)
  idx = jnp.broadcast_to(jnp.arange(6), (5, 6))
  # K = V: every variant is KL(teacher || student) (the tail bucket holds ~1e-7). The
  # teacher's log-probabilities are taken as given, except by "renormalize" (MaxText), which
  # applies T to them as kd_loss does to the teacher's logits.
  temperature = 2.0 if tail == "renormalize" else 1.0
  np.testing.assert_allclose(lj.topk_kd_loss(s, log_t, idx, tail=tail, temperature=temperature),
                             lj.kd_loss(s, t, temperature=temperature, temperature_squared=False),
                             rtol=1e-5)
  # A served teacher may report -inf for a token it cannot emit.
  lp = log_t[:, :3].at[0, 2].set(-jnp.inf)
  val, grad = jax.value_and_grad(lambda s: lj.topk_kd_loss(s, lp, idx[:, :3], tail=tail))(s)
  assert np.isfinite(val) and np.isfinite(grad).all()
