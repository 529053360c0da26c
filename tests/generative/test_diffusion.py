"""Diffusion losses against the code users copy them from, run for real (float64):

- diffusers 0.42.1 (``pip install diffusers==0.42.1``; its dependencies leave torch alone):
  ``DDPMScheduler`` (the schedule, ``get_velocity``) and ``training_utils.compute_snr``, with
  the min-SNR weighting of ``examples/text_to_image/train_text_to_image.py`` (lines 995-1038
  at commit 58eb52c, not shipped in the wheel) transcribed below;
- P2: ``guided_diffusion/gaussian_diffusion.py`` of Choi et al.'s P2-weighting (commit
  3da0947, lines 176 and 818-819) transcribed below;
- k-diffusion 0.1.1.post1 (``pip install --no-deps k-diffusion==0.1.1.post1 einops``):
  ``k_diffusion/layers.py``'s ``Denoiser.loss``, loaded without the package's heavy imports.

Each skips where its reference is not installed.
"""

from __future__ import annotations

import importlib.util
import sys
import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj

RNG = np.random.default_rng(0)
SHAPE = (6, 3, 4, 4)


def _torch():
  return pytest.importorskip("torch")


def _ddpm(prediction_type):
  pytest.importorskip("diffusers")
  from diffusers import DDPMScheduler

  return DDPMScheduler(num_train_timesteps=1000, prediction_type=prediction_type)


def _diffusers_loss(scheduler, model_pred, latents, noise, timesteps, snr_gamma):
  """train_text_to_image.py, lines 995-1038 (target, then the loss with and without
  --snr_gamma), with diffusers' own get_velocity and compute_snr."""
  import torch.nn.functional as F
  from diffusers.training_utils import compute_snr

  torch = _torch()
  if scheduler.config.prediction_type == "epsilon":
    target = noise
  elif scheduler.config.prediction_type == "v_prediction":
    target = scheduler.get_velocity(latents, noise, timesteps)
  else:  # "sample": the script raises; its loss on x0 is the same formula with target x0
    target = latents
  if snr_gamma is None:
    return F.mse_loss(model_pred, target, reduction="none").mean(dim=[1, 2, 3])
  snr = compute_snr(scheduler, timesteps)
  mse_loss_weights = torch.stack([snr, snr_gamma * torch.ones_like(timesteps)], dim=1).min(dim=1)[0]
  if scheduler.config.prediction_type == "epsilon":
    mse_loss_weights = mse_loss_weights / snr
  elif scheduler.config.prediction_type == "v_prediction":
    mse_loss_weights = mse_loss_weights / (snr + 1)
  loss = F.mse_loss(model_pred, target, reduction="none")
  return loss.mean(dim=list(range(1, len(loss.shape)))) * mse_loss_weights


@pytest.mark.parametrize("prediction_type", ["epsilon", "v_prediction", "sample"])
@pytest.mark.parametrize("snr_gamma", [None, 5.0, 1.0])
def test_diffusion_loss_equals_diffusers(prediction_type, snr_gamma):
  torch = _torch()
  scheduler = _ddpm(prediction_type)
  timesteps = torch.from_numpy(RNG.integers(0, 1000, size=SHAPE[0]))
  timesteps[0] = 0  # the schedule's ends
  timesteps[1] = 999
  latents, noise, pred = (torch.from_numpy(RNG.normal(size=SHAPE)) for _ in range(3))
  want = _diffusers_loss(scheduler, pred, latents, noise, timesteps, snr_gamma).numpy()
  abar = scheduler.alphas_cumprod[timesteps].double().numpy()
  got = lj.diffusion_loss(pred.numpy(), latents.numpy(), noise.numpy(), abar,
                          prediction_type=prediction_type,
                          weighting="none" if snr_gamma is None else "min_snr",
                          snr_gamma=snr_gamma or 5.0, reduction="none")
  # compute_snr runs in float32 whatever its inputs (its `.float()`): min-SNR's weights hold to
  # float32 precision; the rest is float64.
  np.testing.assert_allclose(got, want, rtol=1e-12 if snr_gamma is None else 2e-6)


def test_snr_equals_diffusers_compute_snr():
  torch = _torch()
  from diffusers.training_utils import compute_snr

  scheduler = _ddpm("epsilon")
  timesteps = torch.from_numpy(RNG.integers(0, 1000, size=(4, 5)))
  want = compute_snr(scheduler, timesteps).numpy()
  got = lj.diffusion_snr(scheduler.alphas_cumprod.numpy(), timesteps.numpy())
  assert got.shape == want.shape
  np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("p2_gamma, p2_k", [(1.0, 1.0), (0.5, 1.0), (0.0, 1.0), (2.0, 0.3)])
def test_p2_weighting_equals_the_papers_code(p2_gamma, p2_k):
  """P2-weighting's gaussian_diffusion.py: `self.snr = 1.0 / (1 - self.alphas_cumprod) - 1`
  (L176); `weight = _extract_into_tensor(1 / (self.p2_k + self.snr)**self.p2_gamma, t,
  target.shape)`, `terms["mse"] = mean_flat(weight * (target - model_output) ** 2)`
  (L818-819); its target for ε-prediction is the noise."""
  alphas_cumprod = np.cumprod(1.0 - np.linspace(1e-4, 0.02, 1000))
  snr = 1.0 / (1 - alphas_cumprod) - 1
  t = RNG.integers(0, 1000, size=SHAPE[0])
  x0, noise, out = (RNG.normal(size=SHAPE) for _ in range(3))
  weight = (1 / (p2_k + snr) ** p2_gamma)[t][:, None, None, None]
  want = np.mean(weight * (noise - out) ** 2, axis=(1, 2, 3))
  got = lj.diffusion_loss(out, x0, noise, alphas_cumprod[t], weighting="p2", p2_gamma=p2_gamma,
                          p2_k=p2_k, reduction="none")
  np.testing.assert_allclose(got, want, rtol=1e-12)


def _k_diffusion_layers():
  """k_diffusion/layers.py as a module, without k_diffusion/__init__.py (which imports its
  training stack: torchvision, clip, wandb, ...): `Denoiser` needs only `utils.append_dims`,
  which is k-diffusion's own, read from its utils.py."""
  _torch()
  pytest.importorskip("einops")
  spec = importlib.util.find_spec("k_diffusion")
  if spec is None:
    pytest.skip("k-diffusion is not installed")
  root = spec.submodule_search_locations[0]
  source = open(f"{root}/utils.py").read()
  start = source.index("def append_dims(")
  end = source.index("\ndef ", start + 1)
  utils = types.ModuleType("k_diffusion.utils")
  exec(source[start:end], utils.__dict__)  # noqa: S102 - k-diffusion's append_dims, verbatim
  package = types.ModuleType("k_diffusion")
  package.__path__ = [root]
  package.utils, package.sampling = utils, types.ModuleType("k_diffusion.sampling")
  saved = {k: sys.modules.get(k) for k in
           ("k_diffusion", "k_diffusion.utils", "k_diffusion.sampling", "dctorch")}
  dctorch = types.ModuleType("dctorch")  # only its DCT-weighted loss (scales > 1) uses it
  dctorch.functional = types.ModuleType("dctorch.functional")
  sys.modules.update({"k_diffusion": package, "k_diffusion.utils": utils,
                      "k_diffusion.sampling": package.sampling, "dctorch": dctorch})
  try:
    layers = importlib.util.spec_from_file_location("k_diffusion.layers", f"{root}/layers.py")
    module = importlib.util.module_from_spec(layers)
    layers.loader.exec_module(module)
  finally:
    for k, v in saved.items():
      if v is None:
        sys.modules.pop(k, None)
      else:
        sys.modules[k] = v
  return module


@pytest.mark.parametrize("weighting, theirs", [("edm", "karras"),
                                                ("soft_min_snr", "soft-min-snr"), ("snr", "snr")])
@pytest.mark.parametrize("sigma_data", [0.5, 1.0])
def test_edm_loss_equals_k_diffusion_denoiser(weighting, theirs, sigma_data):
  torch = _torch()
  layers = _k_diffusion_layers()
  x0 = torch.from_numpy(RNG.normal(size=SHAPE) * sigma_data)
  noise = torch.from_numpy(RNG.normal(size=SHAPE))
  sigma = torch.from_numpy(np.exp(RNG.normal(-1.2, 1.2, size=SHAPE[0])))
  raw = torch.from_numpy(RNG.normal(size=SHAPE))  # the inner network's output F

  denoiser = layers.Denoiser(lambda x, s: raw, sigma_data=sigma_data, weighting=theirs)
  want = denoiser.loss(x0, noise, sigma).numpy()
  # The denoiser's output D = c_skip x + c_out F at the noised input, as Denoiser.forward
  noised = x0 + noise * sigma[:, None, None, None]
  denoised = denoiser(noised, sigma).numpy()
  got = lj.edm_loss(denoised, x0.numpy(), sigma.numpy(), sigma_data=sigma_data,
                    weighting=weighting, reduction="none")
  np.testing.assert_allclose(got, want, rtol=1e-11)


@pytest.mark.parametrize("prediction_type", ["epsilon", "v_prediction", "sample"])
def test_zero_terminal_snr(prediction_type):
  """A zero-terminal-SNR schedule (diffusers' rescale_betas_zero_snr=True) ends at ᾱ = 0
  exactly: v-prediction and x0-prediction are diffusers' numbers there; ε with min-SNR is
  0/0 in diffusers' script (NaN), and lossjax gives its limit, the weight 1."""
  torch = _torch()
  pytest.importorskip("diffusers")
  from diffusers import DDPMScheduler

  scheduler = DDPMScheduler(num_train_timesteps=1000, prediction_type=prediction_type,
                            rescale_betas_zero_snr=True)
  timesteps = torch.tensor([999, 998, 500, 3, 999, 0])
  assert scheduler.alphas_cumprod[999] == 0.0
  latents, noise, pred = (torch.from_numpy(RNG.normal(size=SHAPE)) for _ in range(3))
  want = _diffusers_loss(scheduler, pred, latents, noise, timesteps, 5.0).numpy()
  abar = scheduler.alphas_cumprod[timesteps].double().numpy()
  got = lj.diffusion_loss(pred.numpy(), latents.numpy(), noise.numpy(), abar,
                          prediction_type=prediction_type, weighting="min_snr",
                          reduction="none")
  if prediction_type == "epsilon":
    assert np.isnan(want[0]) and np.isnan(want[4])
    plain = lj.diffusion_loss(pred.numpy(), latents.numpy(), noise.numpy(), abar,
                              reduction="none")
    want[[0, 4]] = np.asarray(plain)[[0, 4]]  # the weight's limit, 1
  np.testing.assert_allclose(got, want, rtol=2e-6)


def test_v_target_identity_and_masks():
  """No reference needed: the v-target is what the ε- and x0-predictions imply (v = √ᾱ ε -
  √(1-ᾱ) x0), masked examples get no value and no gradient, a NaN in one stays there."""
  x0, eps = RNG.normal(size=SHAPE), RNG.normal(size=SHAPE)
  abar = RNG.uniform(0.05, 0.95, size=SHAPE[0])
  a = abar[:, None, None, None]
  v = np.sqrt(a) * eps - np.sqrt(1 - a) * x0
  np.testing.assert_allclose(lj.diffusion_loss(v, x0, eps, abar, prediction_type="v_prediction",
                                               reduction="none"), 0.0, atol=1e-28)
  out = jnp.asarray(RNG.normal(size=SHAPE)).at[2].set(jnp.nan)
  keep = np.arange(SHAPE[0]) != 2
  f = lambda o: lj.diffusion_loss(o, x0, eps, abar, weighting="min_snr", where=keep)  # noqa: E731
  assert np.isfinite(f(out))
  g = jax.grad(f)(out)
  assert np.all(np.isfinite(g)) and not np.any(g[2])
  assert np.isnan(lj.diffusion_loss(out, x0, eps, abar, reduction="none")[2])


def test_out_of_range_noise_levels_name_the_argument():
  x = np.zeros((2, 3))
  with pytest.raises(ValueError, match=r"diffusion_loss: argument `alphas_cumprod` holds 1.5, "
                                       r"expected values in \[0, 1\]"):
    lj.diffusion_loss(x, x, x, np.array([0.5, 1.5]))
  with pytest.raises(ValueError, match=r"edm_loss: argument `sigma` holds 0.0"):
    lj.edm_loss(x, x, np.array([0.0, 1.0]))
  # under jit the value is not known: a loss that reads ᾱ gives NaN for that example
  jitted = jax.jit(lambda a: lj.diffusion_loss(x, x, x, a, prediction_type="v_prediction",
                                               reduction="none"))
  assert np.isnan(jitted(jnp.array([0.5, 1.5]))[1])
