"""GAN losses and penalties against their sources, transcribed (neither installs here: TF-GAN
needs TensorFlow, StyleGAN2-ADA is a training repository):

- TF-GAN ``tensorflow_gan/python/losses/losses_impl.py`` (commit bc369b7): each loss's lines,
  with ``tf.compat.v1.losses.sigmoid_cross_entropy``'s label smoothing (``labels * (1 - ls) +
  0.5 * ls``) and ``SUM_BY_NONZERO_WEIGHTS`` (a mean, with weights 1), in numpy;
- TF-GAN's ``wasserstein_gradient_penalty`` (lines 466-487) and StyleGAN2-ADA's R1
  (``training/loss.py``, commit d72cc7d, lines 111-126), in torch with ``torch.autograd.grad``
  for the critic's gradient (skip without torch).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj

RNG = np.random.default_rng(0)
REAL, FAKE = RNG.normal(size=(6, 4)) * 3, RNG.normal(size=(6, 4)) * 3
REAL[0, 0], FAKE[0, 0] = 60.0, -60.0  # far tails: log space stays exact


def _tf_sigmoid_cross_entropy(labels, logits, label_smoothing=0.0):
  """tf.compat.v1.losses.sigmoid_cross_entropy, weights 1: smoothed labels, then
  sigmoid_cross_entropy_with_logits = max(x, 0) - x z + log(1 + exp(-|x|)), then the mean."""
  z = labels * (1 - label_smoothing) + 0.5 * label_smoothing
  x = logits
  return np.mean(np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x))))


def _tf_gan(formulation, real, fake, label_smoothing):
  """TF-GAN's (generator loss, discriminator loss) for the formulation."""
  if formulation in ("non_saturating", "minimax"):
    d = (_tf_sigmoid_cross_entropy(np.ones_like(real), real, label_smoothing)    # L552-560
         + _tf_sigmoid_cross_entropy(np.zeros_like(fake), fake))                 # L561-568
    if formulation == "non_saturating":   # modified_generator_loss, L716-718
      g = _tf_sigmoid_cross_entropy(np.ones_like(fake), fake, label_smoothing)
    else:  # minimax_generator_loss, L619-621: minus the discriminator loss, ones for real
      g = -(_tf_sigmoid_cross_entropy(np.ones_like(fake), np.ones_like(fake), label_smoothing)
            + _tf_sigmoid_cross_entropy(np.zeros_like(fake), fake))
    return g, d
  if formulation == "wasserstein":  # L101, L151-162
    return np.mean(-fake), np.mean(fake) - np.mean(real)
  if formulation == "hinge":  # wasserstein_hinge_* : L176 (the generator), L225-240
    return np.mean(-fake), np.mean(np.maximum(1 - real, 0)) + np.mean(np.maximum(1 + fake, 0))
  # least squares, L765-767 and L826-840, real_label 1, fake_label 0
  return (np.mean((fake - 1) ** 2 / 2.0),
          np.mean((real - 1) ** 2 / 2.0) + np.mean((fake - 0) ** 2 / 2.0))


@pytest.mark.parametrize("formulation", ["non_saturating", "minimax", "wasserstein", "hinge",
                                         "least_squares"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
def test_equals_tf_gan(formulation, label_smoothing):
  if label_smoothing and formulation not in ("non_saturating", "minimax"):
    pytest.skip("label smoothing is the cross-entropy forms' option")
  want_g, want_d = _tf_gan(formulation, REAL, FAKE, label_smoothing)
  got_d = lj.gan_discriminator_loss(REAL, FAKE, formulation=formulation,
                                    label_smoothing=label_smoothing)
  np.testing.assert_allclose(got_d, want_d, rtol=1e-13)
  got_g = lj.gan_generator_loss(FAKE, formulation=formulation,
                                label_smoothing=label_smoothing if formulation != "minimax" else 0)
  if formulation == "minimax":  # TF-GAN adds the constant -BCE(smoothed 1, logit 1), documented
    constant = -_tf_sigmoid_cross_entropy(np.ones(1), np.ones(1), label_smoothing)
    np.testing.assert_allclose(got_g + constant, want_g, rtol=1e-13)
  else:
    np.testing.assert_allclose(got_g, want_g, rtol=1e-13)


def test_log_space_gradients_stay_finite():
  for formulation in ("non_saturating", "minimax"):
    g = jax.grad(lj.gan_generator_loss)(jnp.array([-1e4, 0.0, 1e4]), formulation=formulation)
    assert np.all(np.isfinite(g))
  # non-saturating: the gradient does not vanish where D rejects the sample
  g = jax.grad(lambda f: lj.gan_generator_loss(f))(jnp.array([-30.0]))
  np.testing.assert_allclose(g, [-1.0], rtol=1e-12)


def _critic_jax(x):
  flat = x.reshape(x.shape[0], -1)
  w = jnp.linspace(-1.0, 1.0, flat.shape[1], dtype=flat.dtype)[None, :]
  return jnp.sum(jnp.tanh(flat * w) * flat, axis=1) + 0.3 * jnp.sum(flat, axis=1) ** 2


def _critic_torch(x):
  import torch

  flat = x.reshape(x.shape[0], -1)
  w = torch.linspace(-1.0, 1.0, flat.shape[1], dtype=flat.dtype)[None, :]
  return torch.sum(torch.tanh(flat * w) * flat, dim=1) + 0.3 * torch.sum(flat, dim=1) ** 2


@pytest.mark.parametrize("target, one_sided", [(1.0, False), (750.0, False), (1.0, True)])
def test_gradient_penalty_equals_tf_gan(target, one_sided):
  torch = pytest.importorskip("torch")
  real, fake = RNG.normal(size=(5, 2, 3)), RNG.normal(size=(5, 2, 3)) * 2
  alpha = RNG.uniform(size=5)
  real[4], fake[4] = 0.0, 0.0  # a zero gradient: the epsilon keeps the gradient finite
  real_t, fake_t = torch.from_numpy(real), torch.from_numpy(fake)
  # wasserstein_gradient_penalty, L466-487 (alpha drawn outside, the same for both)
  differences = fake_t - real_t
  interpolates = (real_t + torch.from_numpy(alpha)[:, None, None] * differences).requires_grad_()
  gradients = torch.autograd.grad(_critic_torch(interpolates).sum(), interpolates)[0]
  gradient_squares = torch.sum(torch.square(gradients), dim=list(range(1, gradients.ndim)))
  slopes = torch.sqrt(gradient_squares + 1e-10)
  penalties = slopes / target - 1.0
  if one_sided:
    penalties = torch.clamp(penalties, min=0.0)
  want = torch.square(penalties).numpy()
  got = lj.gradient_penalty(real, fake, alpha, critic=_critic_jax, target=target,
                            one_sided=one_sided, reduction="none")
  np.testing.assert_allclose(got, want, rtol=1e-12)
  g = jax.grad(lambda r: lj.gradient_penalty(r, fake, alpha, critic=_critic_jax))(real)
  assert np.all(np.isfinite(g))


@pytest.mark.parametrize("gamma", [10.0, 0.2])
def test_r1_equals_stylegan2_ada(gamma):
  torch = pytest.importorskip("torch")
  real = RNG.normal(size=(5, 2, 3, 3))
  real_img_tmp = torch.from_numpy(real).requires_grad_(True)  # L111
  real_logits = _critic_torch(real_img_tmp)
  r1_grads = torch.autograd.grad(outputs=[real_logits.sum()], inputs=[real_img_tmp],
                                 create_graph=True, only_inputs=True)[0]     # L124
  r1_penalty = r1_grads.square().sum([1, 2, 3])                              # L125
  want = (r1_penalty * (gamma / 2)).detach().numpy()                         # L126
  got = lj.r1_penalty(real, critic=_critic_jax, gamma=gamma, reduction="none")
  np.testing.assert_allclose(got, want, rtol=1e-12)
  # its gradient with respect to the critic's parameters: through the critic's own gradient
  scale = jnp.asarray(1.3)
  g = jax.grad(lambda s: lj.r1_penalty(real, critic=lambda x: s * _critic_jax(x), gamma=gamma))(
      scale)
  np.testing.assert_allclose(g, 2 * lj.r1_penalty(real, critic=_critic_jax, gamma=gamma) * scale,
                             rtol=1e-12)


def test_a_critic_mixing_examples_or_returning_the_wrong_shape_is_named():
  with pytest.raises(ValueError, match=r"r1_penalty: argument `critic`: returned shape \(\)"):
    lj.r1_penalty(np.zeros((3, 2)), critic=lambda x: jnp.sum(x))
  with pytest.raises(ValueError, match=r"gradient_penalty: argument `critic`: got None"):
    lj.gradient_penalty(np.zeros((3, 2)), np.zeros((3, 2)), np.zeros(3))
  with pytest.raises(ValueError, match=r"gradient_penalty: argument `alpha` holds 1.5"):
    lj.gradient_penalty(np.zeros((3, 2)), np.zeros((3, 2)), np.array([0.0, 1.5, 1.0]),
                        critic=_critic_jax)
  jitted = jax.jit(lambda a: lj.gradient_penalty(np.zeros((3, 2)), np.ones((3, 2)), a,
                                                 critic=_critic_jax, reduction="none"))
  out = jitted(jnp.array([0.0, 1.5, 1.0]))
  assert np.isnan(out[1]) and np.isfinite(out[0]) and np.isfinite(out[2])
