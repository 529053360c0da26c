"""Variational autoencoders: the KL of a diagonal Gaussian posterior in closed form, and the
negative ELBO with Bernoulli-logit or Gaussian likelihoods, β (β-VAE) and free bits.

Both are per example: the KL sums over the latent axis, the likelihood over the data's
non-batch axes, so ``reduction="none"`` gives one value per example and ``where`` masks
examples.
"""

from __future__ import annotations

import dataclasses
import math

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, REAL, Choice, Float, declare
from lossjax._spec import LossSpec
from lossjax.generative import per_example

__all__ = ["gaussian_kl_loss", "elbo_loss"]


Array = jax.Array

_OPTIONAL = dataclasses.replace(FLOAT, optional=True)
#: Free bits read the batch's mean KL of each latent dimension: a static number.
FREE_BITS = Float(lo=0.0).static()


def _diag_gaussian_kl(m: Array, lv: Array, pm: Array | None, plv: Array | None) -> Array:
  """KL(N(m, e^lv) || N(pm, e^plv)) per latent dimension (the standard normal by default)."""
  if pm is None and plv is None:
    return 0.5 * (jnp.exp(lv) + m * m - 1.0 - lv)
  pm = jnp.zeros_like(m) if pm is None else pm
  plv = jnp.zeros_like(lv) if plv is None else plv
  d = m - pm
  return 0.5 * (jnp.exp(lv - plv) + d * d * jnp.exp(-plv) - 1.0 + plv - lv)


def _free_bits(kl: Array, keep: Array | None, free_bits) -> Array:
  """Σ_j max(λ, mean over the batch of KL_j), per example (Kingma et al. 2016).

  The batch's mean KL of each dimension j decides: where it is at least λ, each example keeps
  its KL_j (and its gradient); where it is below, each example counts λ, a constant. The mean
  over examples is then exactly the paper's Σ_j max(λ, E_x[KL_j])."""
  if not free_bits:
    return jnp.sum(kl, axis=-1)
  rows = kl.reshape(-1, kl.shape[-1])
  if keep is None:
    batch_mean = jnp.mean(rows, axis=0)
  else:
    k = keep.reshape(-1, 1).astype(kl.dtype)
    batch_mean = core.safe_div(jnp.sum(rows * k, axis=0), jnp.sum(k))
  active = jax.lax.stop_gradient(batch_mean) >= free_bits
  return jnp.sum(jnp.where(active, kl, jnp.full_like(kl, free_bits)), axis=-1)


@declare(whole_batch_if="free_bits", mean=FLOAT.at_least(1, "[..., D]"),
         log_var=FLOAT.same_as("mean"), prior_mean=_OPTIONAL.same_as("mean"),
         prior_log_var=_OPTIONAL.same_as("mean"), free_bits=FREE_BITS)
def gaussian_kl_loss(
    mean: ArrayLike,
    log_var: ArrayLike,
    prior_mean: ArrayLike | None = None,
    prior_log_var: ArrayLike | None = None,
    *,
    free_bits: float = 0.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""KL divergence of a diagonal Gaussian to a standard normal, or to another diagonal Gaussian.

  Per example, summed over the latent axis $D$ (the VAE's regulariser),

  $$
  \mathrm{KL} = \frac12 \sum_{j=1}^{D} \Big( e^{v_j - v'_j} + (\mu_j - \mu'_j)^2 e^{-v'_j}
  - 1 + v'_j - v_j \Big),
  $$

  with $v = \log\sigma^2$; the prior $(\mu', v')$ is $(0, 0)$ unless given. Equal to distrax's
  ``MultivariateNormalDiag(mu, exp(v / 2)).kl_divergence(...)``.

  ``free_bits`` λ > 0 is Kingma et al.'s free bits: each latent dimension costs
  $\max(\lambda, \mathbb{E}_x[\mathrm{KL}_j])$, its KL averaged over the (unmasked) batch, so
  a dimension below λ nats is not pushed further toward the prior. Each example then counts
  $\mathrm{KL}_j$ where the batch's mean is at least λ and λ where it is below, so "mean" is
  exactly the paper's objective; the loss then depends on the whole batch (no "parts").

  Args:
    mean: the posterior's means, ``[..., D]``.
    log_var: its log-variances, the same shape.
    prior_mean: optional prior means, the same shape (0).
    prior_log_var: optional prior log-variances, the same shape (0).
    free_bits: λ ≥ 0 in nats per latent dimension (0: none).
    reduction: "mean" (default, over examples), "sum" or "none" (``[...]``).
    where: boolean mask over the examples ``[...]``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> mu, log_var = jnp.array([[0.5, -1.0], [0.0, 0.2]]), jnp.array([[0.1, -0.3], [0.0, 0.4]])
    >>> print([f"{kl:.4f}" for kl in lj.gaussian_kl_loss(mu, log_var, reduction="none")])
    ['0.6480', '0.0659']

  References: Kingma & Welling, "Auto-Encoding Variational Bayes" (2014), Appendix B; Kingma
  et al., "Improved Variational Inference with Inverse Autoregressive Flow" (2016), free bits;
  distrax ``MultivariateNormalDiag.kl_divergence``.
  """
  name = core.loss_name()
  keep = core.as_mask(name, where, jnp.shape(mean)[:-1])
  args = [a for a in (mean, log_var, prior_mean, prior_log_var) if a is not None]
  dtype = core.compute_dtype(*args)
  m, lv, pm, plv = (None if a is None else core.masked_fill(keep, core.to_float(a, dtype))
                    for a in (mean, log_var, prior_mean, prior_log_var))
  values = _free_bits(_diag_gaussian_kl(m, lv, pm, plv), keep, free_bits)
  return core.reduce_loss(name, values, reduction, keep)


@declare(whole_batch_if="free_bits", reconstruction=FLOAT.at_least(1, "[N, ...]"),
         data=REAL.same_as("reconstruction"), mean=FLOAT.at_least(2, "[N, D]"),
         log_var=FLOAT.same_as("mean"), likelihood=Choice(("bernoulli", "gaussian")),
         beta=Float(lo=0.0), obs_scale=Float(lo=0.0, lo_open=True), free_bits=FREE_BITS)
def elbo_loss(
    reconstruction: ArrayLike,
    data: ArrayLike,
    mean: ArrayLike,
    log_var: ArrayLike,
    *,
    likelihood: str = "bernoulli",
    beta: float = 1.0,
    obs_scale: float = 1.0,
    free_bits: float = 0.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""The negative evidence lower bound of a VAE with a standard-normal prior.

  Per example $x$, with the decoder's output at one sample $z \sim q(z \mid x)$,

  $$
  \ell = -\sum_d \log p(x_d \mid z) + \beta\, \mathrm{KL}\big(q(z \mid x) \,\|\, \mathcal N(0, I)\big),
  $$

  the likelihood summed over the data's non-batch axes and the KL over the latent axis
  ([`gaussian_kl_loss`][lossjax.gaussian_kl_loss], with its ``free_bits``). ``likelihood``:
  ``"bernoulli"`` reads ``reconstruction`` as logits, $-\log p = x\,\mathrm{softplus}(-l) +
  (1 - x)\,\mathrm{softplus}(l)$ (binary cross-entropy with logits; data in [0, 1]);
  ``"gaussian"`` as means with a fixed scale σ (``obs_scale``),
  $-\log p = \frac{(x - \hat x)^2}{2\sigma^2} + \log\sigma + \frac12\log 2\pi$. These are
  distrax's ``Bernoulli(logits=l).log_prob`` and ``Normal(loc, scale).log_prob``. β = 1 is the
  ELBO, β > 1 the β-VAE (Higgins et al. 2017).

  Args:
    reconstruction: the decoder's output for each example, ``[N, ...]``.
    data: the examples, the same shape.
    mean: the encoder's means ``[N, D]``.
    log_var: the encoder's log-variances ``[N, D]``.
    likelihood: "bernoulli" (default) or "gaussian".
    beta: the KL's weight β ≥ 0 (1).
    obs_scale: the Gaussian likelihood's σ > 0 (1).
    free_bits: λ ≥ 0 nats per latent dimension (0), as in `gaussian_kl_loss`.
    reduction: "mean" (default, over examples), "sum" or "none" (``[N]``).
    where: ``[N]`` boolean mask of examples.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]])
    >>> x = jnp.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    >>> mu, log_var = jnp.array([[0.3, -0.2], [1.0, 0.0]]), jnp.zeros((2, 2))
    >>> print(f"{lj.elbo_loss(logits, x, mu, log_var, beta=4.0):.4f}")
    2.0215

  References: Kingma & Welling, "Auto-Encoding Variational Bayes" (2014); Higgins et al.,
  "β-VAE" (2017); Kingma et al. 2016 (free bits); distrax ``Bernoulli``, ``Normal``.
  """
  name = core.loss_name()
  n = reconstruction.shape[0]
  core.check_shape(name, "mean", mean, (n, mean.shape[-1]), " (one latent vector per example "
                   "of `reconstruction`)")
  keep, (rec, x, m, lv), _ = per_example.inputs(name, where,
                                                 (reconstruction, data, mean, log_var))
  if likelihood == "bernoulli":
    nll = x * core.softplus(-rec) + (1.0 - x) * core.softplus(rec)
  else:
    z = (x - rec) / obs_scale
    nll = 0.5 * z * z + jnp.log(obs_scale) + 0.5 * math.log(2.0 * math.pi)
  nll = per_example.total(nll)
  kl = _free_bits(_diag_gaussian_kl(m, lv, None, None), keep, free_bits)
  return core.reduce_loss(name, nll + beta * kl, reduction, keep)


def _ex_kl(rng):
  shape = (6, 4)
  return ((rng.normal(size=shape), rng.normal(size=shape) * 0.5, rng.normal(size=shape),
           rng.normal(size=shape) * 0.5), {})


def _ex_elbo(rng):
  return ((rng.normal(size=(6, 5)) * 2, (rng.uniform(size=(6, 5)) < 0.5).astype(float),
           rng.normal(size=(6, 3)), rng.normal(size=(6, 3)) * 0.5), {"beta": 2.0})


SPECS = [
    LossSpec(gaussian_kl_loss, None, _ex_kl, differentiable=("mean", "log_var"),
             batched=("mean", "log_var", "prior_mean", "prior_log_var"), unbounded=("mean",),
             source="Kingma & Welling 2014; free bits (Kingma et al. 2016); distrax "
                    "kl_divergence"),
    LossSpec(elbo_loss, None, _ex_elbo, differentiable=("reconstruction", "mean", "log_var"),
             batched=("reconstruction", "data", "mean", "log_var"),
             unbounded=("reconstruction", "mean"),
             source="Kingma & Welling 2014; β-VAE (Higgins et al. 2017); distrax Bernoulli, "
                    "Normal"),
]
