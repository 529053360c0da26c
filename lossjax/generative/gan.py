"""Generative adversarial networks: the generator's and the discriminator's losses in TF-GAN's
formulations (on logits, in log space), and the gradient penalties of a critic (WGAN-GP, R1/R2).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, Bool, Choice, Float, Function, declare
from lossjax._spec import LossSpec
from lossjax.generative import per_example

__all__ = ["gan_generator_loss", "gan_discriminator_loss", "gradient_penalty", "r1_penalty"]


Array = jax.Array

FORMULATIONS = ("non_saturating", "minimax", "wasserstein", "hinge", "least_squares")


def _bce(logits: Array, target) -> Array:
  """Sigmoid cross-entropy on logits in log space: -(t log σ(l) + (1 - t) log σ(-l))."""
  return target * core.softplus(-logits) + (1.0 - target) * core.softplus(logits)


@declare(fake_logits=FLOAT.at_least(1, "[N, ...]"), formulation=Choice(FORMULATIONS),
         label_smoothing=Float(lo=0.0, hi=1.0), real_label=Float())
def gan_generator_loss(
    fake_logits: ArrayLike,
    *,
    formulation: str = "non_saturating",
    label_smoothing: float = 0.0,
    real_label: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""The generator's GAN loss on the discriminator's logits $l = D(G(z))$.

  Per element: ``"non_saturating"`` $-\log\sigma(l)$ (Goodfellow et al.'s trick; with
  ``label_smoothing`` ε the target 1 becomes $1 - \varepsilon/2$, as TF's sigmoid
  cross-entropy smooths); ``"minimax"`` $\log(1 - \sigma(l)) = -\mathrm{softplus}(l)$;
  ``"wasserstein"`` and ``"hinge"`` $-l$; ``"least_squares"`` $\tfrac12 (l - a)^2$ with
  $a$ = ``real_label``. Every form is computed from the logits (``log_sigmoid``, never
  ``log(sigmoid)``), finite at any logit. TF-GAN's names for each:

  | ``formulation`` | TF-GAN's functions |
  | --- | --- |
  | ``"non_saturating"`` | ``modified_generator_loss``, ``modified_discriminator_loss`` |
  | ``"minimax"`` | ``minimax_generator_loss``, ``minimax_discriminator_loss`` |
  | ``"wasserstein"`` | ``wasserstein_generator_loss``, ``wasserstein_discriminator_loss`` |
  | ``"hinge"`` | ``wasserstein_hinge_generator_loss``, ``wasserstein_hinge_discriminator_loss`` |
  | ``"least_squares"`` | ``least_squares_generator_loss``, ``least_squares_discriminator_loss`` |

  TF-GAN's ``minimax_generator_loss`` is minus its discriminator loss with the logits 1 in
  place of the real outputs, so it adds the constant $\log\sigma(1) = -0.3133$ (and
  ``label_smoothing`` moves only that constant): the values differ by it, the gradients are
  equal.

  Args:
    fake_logits: the discriminator's logits on generated samples, ``[N, ...]``.
    formulation: "non_saturating" (default), "minimax", "wasserstein", "hinge" or
      "least_squares".
    label_smoothing: ε in [0, 1] for "non_saturating" (0).
    real_label: the target of "least_squares" (1).
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the logits.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> fake = jnp.array([-3.0, 0.5, 40.0])
    >>> print(f"{lj.gan_generator_loss(fake):.4f}, {lj.gan_generator_loss(fake, formulation='hinge'):.4f}")
    1.1742, -12.5000

  References: Goodfellow et al., "Generative Adversarial Nets" (2014); Arjovsky et al.,
  "Wasserstein GAN" (2017); Miyato et al., "Spectral Normalization" (2018, hinge); Mao et al.,
  "Least Squares GANs" (2017); TF-GAN ``tensorflow_gan/python/losses/losses_impl.py``.
  """
  name = core.loss_name()
  keep, (f,) = core.elementwise(name, where, ("fake_logits", fake_logits))
  if formulation == "non_saturating":
    values = _bce(f, 1.0 - 0.5 * label_smoothing)
  elif formulation == "minimax":
    values = -core.softplus(f)
  elif formulation in ("wasserstein", "hinge"):
    values = -f
  else:
    values = 0.5 * (f - real_label) ** 2
  return core.reduce_loss(name, values, reduction, keep)


@declare(real_logits=FLOAT.at_least(1, "[N, ...]"), fake_logits=FLOAT.same_as("real_logits"),
         formulation=Choice(FORMULATIONS), label_smoothing=Float(lo=0.0, hi=1.0),
         real_label=Float(), fake_label=Float())
def gan_discriminator_loss(
    real_logits: ArrayLike,
    fake_logits: ArrayLike,
    *,
    formulation: str = "non_saturating",
    label_smoothing: float = 0.0,
    real_label: float = 1.0,
    fake_label: float = 0.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""The discriminator's GAN loss on its logits for real samples $r$ and generated ones $f$.

  Per pair of elements: ``"non_saturating"`` and ``"minimax"`` (the same loss)
  $-\log\sigma(r) - \log(1 - \sigma(f))$, with ``label_smoothing`` ε moving the real target
  to $1 - \varepsilon/2$ (one-sided, as TF-GAN); ``"wasserstein"`` $f - r$; ``"hinge"``
  $\max(0, 1 - r) + \max(0, 1 + f)$; ``"least_squares"`` $\tfrac12(r - a)^2 +
  \tfrac12(f - b)^2$ with $a, b$ = ``real_label``, ``fake_label``. "mean" is TF-GAN's mean
  over the real logits plus the mean over the generated ones (TF-GAN's names: see
  [`gan_generator_loss`][lossjax.gan_generator_loss]).

  TF-GAN's ``minimax_discriminator_loss`` and ``modified_discriminator_loss`` default to
  ``label_smoothing=0.25``; lossjax's default is none: pass 0.25 for TF-GAN's numbers.

  Args:
    real_logits: the discriminator's logits on real samples, ``[N, ...]``.
    fake_logits: its logits on as many generated samples, the same shape.
    formulation: "non_saturating" (default), "minimax", "wasserstein", "hinge" or
      "least_squares".
    label_smoothing: ε in [0, 1] for the cross-entropy forms (0).
    real_label: "least_squares"'s target for real samples (1).
    fake_label: "least_squares"'s target for generated samples (0).
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the logits (a pair is masked together).

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> real, fake = jnp.array([2.0, 0.5, -1.0]), jnp.array([-2.0, 1.0, 0.0])
    >>> print(f"{lj.gan_discriminator_loss(real, fake, formulation='hinge'):.4f}")
    1.8333

  References: as `gan_generator_loss`.
  """
  name = core.loss_name()
  keep, (r, f) = core.elementwise(name, where, ("real_logits", real_logits),
                                  ("fake_logits", fake_logits))
  if formulation in ("non_saturating", "minimax"):
    values = _bce(r, 1.0 - 0.5 * label_smoothing) + core.softplus(f)
  elif formulation == "wasserstein":
    values = f - r
  elif formulation == "hinge":
    values = jax.nn.relu(1.0 - r) + jax.nn.relu(1.0 + f)
  else:
    values = 0.5 * (r - real_label) ** 2 + 0.5 * (f - fake_label) ** 2
  return core.reduce_loss(name, values, reduction, keep)


def _critic_gradients(name: str, critic: Callable[[Array], Array] | None, x: Array) -> Array:
  """∇_x Σ_i D(x)_i: each example's gradient, examples being independent in the critic (as
  StyleGAN2-ADA's `autograd.grad(real_logits.sum(), real_img)` and TF-GAN's `tf.gradients`)."""
  if critic is None:  # keyword-only with no meaningful default: the declaration sees no value
    raise core.option_error(name, "critic", "got None, expected a callable (the critic D)")

  def total(x):
    out = jnp.asarray(critic(x))
    if out.shape[:1] != x.shape[:1] or out.size != x.shape[0]:
      raise ValueError(f"{name}: argument `critic`: returned shape {out.shape}, expected one "
                       f"logit per example, ({x.shape[0]},) or ({x.shape[0]}, 1)")
    return jnp.sum(out)
  return jax.grad(total)(x)


@declare(real=FLOAT.at_least(1, "[N, ...]"), fake=FLOAT.same_as("real"),
         alpha=FLOAT.one_per_row_of("real"), critic=Function(optional=False),
         target=Float(lo=0.0, lo_open=True), one_sided=Bool(), epsilon=Float(lo=0.0))
def gradient_penalty(
    real: ArrayLike,
    fake: ArrayLike,
    alpha: ArrayLike,
    *,
    critic: Callable[[Array], Array] | None = None,
    target: float = 1.0,
    one_sided: bool = False,
    epsilon: float = 1e-10,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""WGAN-GP's gradient penalty (Gulrajani et al. 2017), as TF-GAN computes it.

  At the interpolates $\hat x = x + \alpha (\tilde x - x)$ between real samples $x$ and
  generated ones $\tilde x$, per example

  $$
  \ell = \Big(\frac{\sqrt{\|\nabla_{\hat x} D(\hat x)\|^2 + \epsilon}}{c} - 1\Big)^2,
  $$

  with $c$ = ``target``; ``one_sided`` keeps only $\max(0, \cdot)$ (Petzka et al. 2018). The
  ε inside the square root (TF-GAN's 1e-10) keeps the penalty's gradient finite where the
  critic's gradient is 0. ``alpha`` is given (draw it ``uniform(key, (N,))``), so the loss is
  a pure function; its gradient flows into the critic's parameters through ``critic``.

  Args:
    real: real samples ``[N, ...]``.
    fake: generated samples, the same shape.
    alpha: ``[N]`` interpolation weights in [0, 1].
    critic: ``D``, mapping ``[N, ...]`` samples to ``[N]`` (or ``[N, 1]``) logits, each from
      its own sample (no batch statistics).
    target: the gradient norm aimed at, > 0 (1).
    one_sided: penalise only norms above the target (False).
    epsilon: added to the squared norm before the square root, ≥ 0 (1e-10).
    reduction: "mean" (default, over examples), "sum" or "none" (``[N]``).
    where: ``[N]`` boolean mask of examples.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> critic = lambda x: jnp.sum(x ** 2, axis=-1)          # ∇ = 2 x̂
    >>> real, fake = jnp.array([[1.0, 0.0], [0.0, 0.5]]), jnp.zeros((2, 2))
    >>> print(f"{lj.gradient_penalty(real, fake, jnp.array([0.5, 0.0]), critic=critic):.4f}")
    0.0000

  References: Gulrajani et al., "Improved Training of Wasserstein GANs" (2017); TF-GAN
  ``wasserstein_gradient_penalty`` (``tensorflow_gan/python/losses/losses_impl.py``).
  """
  name = core.loss_name()
  keep, (x, xf), (a,) = per_example.inputs(name, where, (real, fake), [(alpha, 0.0)])
  core.check_values(name, "alpha", alpha, lambda v: (v < 0) | (v > 1), "weights in [0, 1]",
                    where=where)
  a = core.poison(a, (a < 0) | (a > 1))  # unchecked under jit: NaN, not a plausible number
  g = _critic_gradients(name, critic, x + per_example.align(a, x.ndim) * (xf - x))
  slopes = jnp.sqrt(per_example.total(g * g) + epsilon)
  penalties = slopes / target - 1.0
  if one_sided:
    penalties = jax.nn.relu(penalties)
  return core.reduce_loss(name, penalties * penalties, reduction, keep)


@declare(samples=FLOAT.at_least(1, "[N, ...]"), critic=Function(optional=False),
         gamma=Float(lo=0.0))
def r1_penalty(
    samples: ArrayLike,
    *,
    critic: Callable[[Array], Array] | None = None,
    gamma: float = 10.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""The R1 (on real samples) or R2 (on generated ones) penalty: $\tfrac\gamma2
  \|\nabla_x D(x)\|^2$ per example (Mescheder et al. 2018).

  StyleGAN2-ADA's ``loss_Dr1``: ``r1_grads.square().sum([1, 2, 3]) * (r1_gamma / 2)``, the
  gradient of the summed logits with respect to the samples. No square root, so it is smooth
  where the gradient is 0. Pass real samples for R1 and generated ones for R2.

  Args:
    samples: the samples ``[N, ...]`` (real for R1, generated for R2).
    critic: ``D``, mapping ``[N, ...]`` samples to ``[N]`` (or ``[N, 1]``) logits, each from
      its own sample.
    gamma: γ ≥ 0 (10; StyleGAN2-ADA sets it per dataset).
    reduction: "mean" (default, over examples), "sum" or "none" (``[N]``).
    where: ``[N]`` boolean mask of examples.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> critic = lambda x: jnp.sum(3.0 * x, axis=-1)          # ∇ = 3 everywhere
    >>> print(f"{lj.r1_penalty(jnp.zeros((4, 2)), critic=critic, gamma=1.0):.4f}")
    9.0000

  References: Mescheder et al., "Which Training Methods for GANs do actually Converge?"
  (2018); Karras et al., StyleGAN2-ADA ``training/loss.py`` (``StyleGAN2Loss``).
  """
  name = core.loss_name()
  keep, (x,), _ = per_example.inputs(name, where, (samples,))
  g = _critic_gradients(name, critic, x)
  return core.reduce_loss(name, 0.5 * gamma * per_example.total(g * g), reduction, keep)


def _critic(x):
  """A small smooth critic for the examples: one logit per sample."""
  flat = x.reshape(x.shape[0], math.prod(x.shape[1:]))
  w = jnp.linspace(-1.0, 1.0, flat.shape[1], dtype=flat.dtype)[None, :]
  return jnp.sum(jnp.tanh(flat * w), axis=1) + 0.1 * jnp.sum(flat * flat, axis=1)


def _ex_generator(rng):
  return (rng.normal(size=(6, 3)) * 3,), {"label_smoothing": 0.2}


def _ex_discriminator(rng):
  return (rng.normal(size=(6, 3)) * 3, rng.normal(size=(6, 3)) * 3), {"formulation": "hinge"}


def _ex_gp(rng):
  return ((rng.normal(size=(5, 2, 3)), rng.normal(size=(5, 2, 3)), rng.uniform(size=5)),
          {"critic": _critic})


def _ex_r1(rng):
  return (rng.normal(size=(5, 2, 3)),), {"critic": _critic, "gamma": 2.0}


SPECS = [
    LossSpec(gan_generator_loss, None, _ex_generator, differentiable=("fake_logits",),
             batched=("fake_logits",), unbounded=("fake_logits",),
             mismatch=lambda args: (args[0][0, 0],),
             source="Goodfellow et al. 2014; TF-GAN losses_impl"),
    LossSpec(gan_discriminator_loss, None, _ex_discriminator,
             differentiable=("real_logits", "fake_logits"), batched=("real_logits", "fake_logits"),
             unbounded=("real_logits", "fake_logits"), source="TF-GAN losses_impl"),
    LossSpec(gradient_penalty, None, _ex_gp, differentiable=("real", "fake"),
             batched=("real", "fake", "alpha"), unbounded=("real", "fake"),
             source="Gulrajani et al. 2017 (WGAN-GP); TF-GAN wasserstein_gradient_penalty"),
    LossSpec(r1_penalty, None, _ex_r1, differentiable=("samples",), batched=("samples",),
             unbounded=("samples",), mismatch=lambda args: (args[0][0, 0, 0],), source="Mescheder et al. 2018; StyleGAN2-ADA loss.py"),
]
