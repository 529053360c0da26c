"""Denoising diffusion objectives: the regression target of a prediction type, with the
timestep weightings users pick (min-SNR-γ, P2), and EDM's denoiser loss with λ(σ).

Each loss is per example: the mean over the non-batch axes of the weighted squared error, as
diffusers' training scripts and k-diffusion compute it. ``reduction="none"`` gives the ``[N]``
per-example losses, "mean" their mean (for same-sized examples, the mean over every element),
and ``where`` is an ``[N]`` mask of examples.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, Choice, Float, declare
from lossjax._spec import LossSpec
from lossjax.generative import per_example

__all__ = ["diffusion_loss", "edm_loss"]


Array = jax.Array


def diffusion_snr(alphas_cumprod: ArrayLike, timesteps: ArrayLike | None = None) -> Array:
  r"""The signal-to-noise ratio $\mathrm{SNR}(t) = \bar\alpha_t / (1 - \bar\alpha_t)$.

  diffusers' ``training_utils.compute_snr(noise_scheduler, timesteps)``: pass the scheduler's
  ``alphas_cumprod`` (the whole schedule) and the timesteps, or the per-example
  $\bar\alpha_t$ alone. (diffusers computes it in float32 whatever its inputs; this keeps
  the inputs' precision, float32 at least.)

  Args:
    alphas_cumprod: the schedule's $\bar\alpha$, ``[T]`` (or any shape without ``timesteps``).
    timesteps: optional integer timesteps, any shape, indexing ``alphas_cumprod``.

  Returns:
    The SNR at each timestep (``timesteps``' shape), or of each $\bar\alpha$.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print([f"{s:.4f}" for s in lj.diffusion_snr(jnp.array([0.8, 0.5, 0.2]))])
    ['4.0000', '1.0000', '0.2500']
  """
  a = jnp.asarray(alphas_cumprod)
  a = core.to_float(a, core.compute_dtype(a))
  if timesteps is not None:
    a = jnp.take(a, jnp.asarray(timesteps), axis=0)
  return a / (1.0 - a)


@declare(model_output=FLOAT.at_least(1, "[N, ...]"), clean=FLOAT.same_as("model_output"),
         noise=FLOAT.same_as("model_output"),
         alphas_cumprod=FLOAT.one_per_row_of("model_output"),
         prediction_type=Choice(("epsilon", "v_prediction", "sample")),
         weighting=Choice(("none", "min_snr", "p2")), snr_gamma=Float(lo=0.0, lo_open=True),
         p2_gamma=Float(lo=0.0), p2_k=Float(lo=0.0))
def diffusion_loss(
    model_output: ArrayLike,
    clean: ArrayLike,
    noise: ArrayLike,
    alphas_cumprod: ArrayLike,
    *,
    prediction_type: str = "epsilon",
    weighting: str = "none",
    snr_gamma: float = 5.0,
    p2_gamma: float = 1.0,
    p2_k: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""DDPM-style diffusion loss: the model's output against its prediction type's target.

  The noisy input the model saw is $x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,
  \varepsilon$ (diffusers' ``scheduler.add_noise``). The target is $\varepsilon$
  (``"epsilon"``), $v = \sqrt{\bar\alpha_t}\,\varepsilon - \sqrt{1-\bar\alpha_t}\,x_0$
  (``"v_prediction"``, diffusers' ``get_velocity``) or $x_0$ (``"sample"``). Per example

  $$
  \ell = w(t)\;\frac{1}{D}\sum_{d} (f_d - y_d)^2,
  \qquad \mathrm{SNR}(t) = \frac{\bar\alpha_t}{1-\bar\alpha_t},
  $$

  with $w = 1$ (``"none"``), min-SNR-γ (``"min_snr"``, Hang et al. 2023, as diffusers'
  ``--snr_gamma``): $w = \min(\mathrm{SNR}, \gamma)/\mathrm{SNR}$ for ε,
  $\min(\mathrm{SNR}, \gamma)/(\mathrm{SNR} + 1)$ for v and $\min(\mathrm{SNR}, \gamma)$
  for $x_0$ (the paper's loss on $x_0$ rewritten for each target: the three agree as
  losses on $x_0$), or P2 (``"p2"``, Choi et al. 2022): $w = (k + \mathrm{SNR})^{-\gamma}$
  on the squared error of whichever target is predicted (P2's code predicts ε; unlike
  min-SNR, it is not rewritten per target).

  Args:
    model_output: the model's prediction, ``[N, ...]``.
    clean: the clean samples $x_0$, the output's shape.
    noise: the noise $\varepsilon$ added to them, the output's shape.
    alphas_cumprod: ``[N]``, each example's $\bar\alpha_t$ in [0, 1] (the scheduler's
      ``alphas_cumprod[timesteps]``; 0 at a zero-terminal-SNR schedule's last step, where
      min-SNR's ε weight is its limit, 1, and diffusers' script gives NaN).
    prediction_type: "epsilon" (default), "v_prediction" or "sample".
    weighting: "none" (default), "min_snr" or "p2".
    snr_gamma: min-SNR's γ > 0 (5, the paper's and diffusers' recommendation).
    p2_gamma: P2's γ ≥ 0 (1; 0.5 in some of the paper's runs; 0 is no weighting).
    p2_k: P2's k ≥ 0 (1).
    reduction: "mean" (default, over examples), "sum" or "none" (``[N]``).
    where: ``[N]`` boolean mask of examples.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> x0, eps, out = jnp.sin(jnp.arange(72.0)).reshape(3, 3, 2, 4)
    >>> abar = jnp.array([0.9, 0.5, 0.05])
    >>> print(f"{lj.diffusion_loss(out, x0, eps, abar, weighting='min_snr'):.4f}")
    0.4829

  References: Ho et al., "Denoising Diffusion Probabilistic Models" (2020); Salimans & Ho,
  "Progressive Distillation" (2022, v-prediction); Hang et al., "Efficient Diffusion
  Training via Min-SNR Weighting Strategy" (2023) and diffusers'
  ``examples/text_to_image/train_text_to_image.py``; Choi et al., "Perception Prioritized
  Training of Diffusion Models" (2022).
  """
  name = core.loss_name()
  keep, (f, x0, eps), (abar,) = per_example.inputs(
      name, where, (model_output, clean, noise), [(alphas_cumprod, 0.5)])
  core.check_values(name, "alphas_cumprod", alphas_cumprod, lambda a: (a < 0) | (a > 1),
                    "values in [0, 1]", where=where)
  # Unchecked under jit, an impossible ᾱ must not give a plausible number: NaN
  abar = core.poison(abar, (abar < 0) | (abar > 1))
  if prediction_type == "epsilon":
    target = eps
  elif prediction_type == "v_prediction":
    a = per_example.align(abar, f.ndim)
    target = jnp.sqrt(a) * eps - jnp.sqrt(1.0 - a) * x0
  else:
    target = x0
  values = per_example.mean((f - target) ** 2)
  if weighting != "none":
    # ᾱ = 1 (no noise) is SNR = inf, ᾱ = 0 (a zero-terminal-SNR schedule's last step) SNR = 0:
    # every weight below is finite at both
    snr = abar / (1.0 - abar)
    if weighting == "min_snr":
      clipped = jnp.minimum(snr, snr_gamma)
      if prediction_type == "epsilon":
        # min(SNR, γ) / SNR written without 0/0 at SNR = 0, where its limit is 1 (NaN in
        # diffusers' script)
        w = jnp.where(snr < snr_gamma, jnp.ones_like(snr),
                      snr_gamma / jnp.maximum(snr, snr_gamma))
      elif prediction_type == "v_prediction":
        w = clipped / (snr + 1.0)
      else:
        w = clipped
    else:
      w = (p2_k + snr) ** (-p2_gamma)
    values = values * w
  return core.reduce_loss(name, values, reduction, keep)


@declare(denoised=FLOAT.at_least(1, "[N, ...]"), clean=FLOAT.same_as("denoised"),
         sigma=FLOAT.one_per_row_of("denoised"), sigma_data=Float(lo=0.0, lo_open=True),
         weighting=Choice(("edm", "soft_min_snr", "snr")))
def edm_loss(
    denoised: ArrayLike,
    clean: ArrayLike,
    sigma: ArrayLike,
    *,
    sigma_data: float = 0.5,
    weighting: str = "edm",
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""EDM's denoiser loss (Karras et al. 2022): $\lambda(\sigma)\,\|D(x;\sigma) - x_0\|^2$.

  Per example, with the mean over the non-batch axes,

  $$
  \ell = \lambda(\sigma)\;\frac{1}{D}\sum_d (D_d - x_{0,d})^2,\qquad
  \lambda(\sigma) = \frac{\sigma^2 + \sigma_{\mathrm{data}}^2}{(\sigma\,\sigma_{\mathrm{data}})^2}
  $$

  where $D = c_{\mathrm{skip}}\,x + c_{\mathrm{out}}\,F$ is the preconditioned denoiser's
  output at noise level σ. $\lambda = 1/c_{\mathrm{out}}^2$, so this equals k-diffusion's
  ``layers.Denoiser(inner_model, sigma_data).loss`` (the raw network's error against its
  effective target). ``weighting`` takes k-diffusion's other two: ``"soft_min_snr"``,
  $\lambda = 1/(\sigma^2 + \sigma_{\mathrm{data}}^2)$, and ``"snr"``, $\lambda = 1/\sigma^2$.

  Args:
    denoised: $D(x;\sigma)$, ``[N, ...]``.
    clean: $x_0$, the denoised output's shape.
    sigma: ``[N]`` noise levels σ > 0.
    sigma_data: the data's standard deviation (0.5, EDM's; k-diffusion's default is 1).
    weighting: "edm" (default), "soft_min_snr" or "snr".
    reduction: "mean" (default, over examples), "sum" or "none" (``[N]``).
    where: ``[N]`` boolean mask of examples.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> x0, d = jnp.cos(jnp.arange(48.0)).reshape(2, 3, 8)
    >>> print(f"{lj.edm_loss(d, x0, jnp.array([0.2, 2.0, 20.0])):.4f}")
    6.4096

  References: Karras et al., "Elucidating the Design Space of Diffusion-Based Generative
  Models" (2022); k-diffusion ``k_diffusion/layers.py`` ``Denoiser``.
  """
  name = core.loss_name()
  keep, (d, x0), (s,) = per_example.inputs(name, where, (denoised, clean), [(sigma, 1.0)])
  core.check_values(name, "sigma", sigma, lambda a: a <= 0, "noise levels > 0", where=where)
  s = core.poison(s, s <= 0)
  sd2 = sigma_data * sigma_data
  if weighting == "edm":
    lam = (s * s + sd2) / (s * s * sd2)
  elif weighting == "soft_min_snr":
    lam = 1.0 / (s * s + sd2)
  else:
    lam = 1.0 / (s * s)
  values = per_example.mean((d - x0) ** 2) * lam
  return core.reduce_loss(name, values, reduction, keep)


def _ddpm_alphas_cumprod(rng, n):
  # the DDPM linear schedule (1000 steps, β from 1e-4 to 0.02) at random timesteps
  schedule = np.cumprod(1.0 - np.linspace(1e-4, 0.02, 1000))
  return schedule[rng.integers(0, 1000, size=n)]


def _ex_diffusion(rng):
  shape = (5, 2, 3, 3)
  return ((rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape),
           _ddpm_alphas_cumprod(rng, 5)),
          {"prediction_type": "v_prediction", "weighting": "min_snr", "snr_gamma": 5.0})


def _ex_edm(rng):
  shape = (5, 2, 3, 3)
  return ((rng.normal(size=shape), rng.normal(size=shape) * 0.5,
           rng.lognormal(-1.2, 1.2, size=5)), {"sigma_data": 0.5})


def _rows_mismatch(args):
  return (args[0], args[1], args[2], args[3][:-1]) if len(args) == 4 else (
      args[0], args[1], args[2][:-1])


SPECS = [
    LossSpec(diffusion_loss, None, _ex_diffusion, differentiable=("model_output",),
             batched=("model_output", "clean", "noise", "alphas_cumprod"),
             unbounded=("model_output",), mismatch=_rows_mismatch,
             source="Ho et al. 2020; min-SNR (Hang et al. 2023, diffusers); P2 (Choi et al. "
                    "2022)"),
    LossSpec(edm_loss, None, _ex_edm, differentiable=("denoised",),
             batched=("denoised", "clean", "sigma"), unbounded=("denoised",),
             mismatch=_rows_mismatch, source="Karras et al. 2022 (EDM); k-diffusion Denoiser"),
]
