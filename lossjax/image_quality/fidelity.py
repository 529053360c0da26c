"""Image quality losses: SSIM (kornia's), MS-SSIM (pytorch-msssim's) and total variation.

Images are ``[N, H, W, C]`` (``channel_axis=-1``, the default: Flax's
layout) or ``[N, C, H, W]`` (``channel_axis=1``: kornia's and torch's). Both
SSIM losses filter each channel with the same normalised Gaussian window
(σ = 1.5) and use $C_1 = (K_1 L)^2$, $C_2 = (K_2 L)^2$ with L the data range.
kornia 0.9.0 and pytorch-msssim 1.0.0 are run for real in the fixture
generator.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import AXIS, FLOAT, Axis, Choice, Float, Int, declare
from lossjax._spec import LossSpec

__all__ = ["ssim_loss", "ms_ssim_loss", "psnr_loss", "total_variation_loss"]


Array = jax.Array

#: Images: no empty axis after the batch's (height, width, channels).
_IMAGES = FLOAT.non_empty(1, 2, 3)
_TARGET_IMAGES = _IMAGES.same_as("input")
#: A 4-D image's channel axis: last ([N, H, W, C]) or second ([N, C, H, W]).
_CHANNEL_AXIS = Axis(among=(-1, 1, 3), message="expected -1 (or 3: [N, H, W, C]) or 1 ([N, C, H, W])")
_WINDOW = Int(lo=1, odd=True)


#: Images up to this many pixels per side are filtered by banded matmuls (`_filter`).
MATMUL_FILTER_MAX = 1024


#: pytorch-msssim's level weights (Wang et al. 2003, five scales).
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def _images(name, x, y, channel_axis):
  """Checks two 4-D images of one shape; returns them as [N, C, H, W] in the compute dtype."""
  core.check_rank(name, "input", x, 4, " ([N, H, W, C], or [N, C, H, W] with channel_axis=1)")
  dtype = core.compute_dtype(x, y)
  if channel_axis != 1:
    x, y = jnp.moveaxis(x, -1, 1), jnp.moveaxis(y, -1, 1)
  return core.to_float(x, dtype), core.to_float(y, dtype)


def _gaussian(window_size: int, sigma: float) -> np.ndarray:
  """The normalised window, in float64 (cast to the compute dtype where it is used)."""
  x = np.arange(window_size, dtype=np.float64) - window_size // 2
  g = np.exp(-(x**2) / (2 * sigma**2))
  return g / g.sum()


def _filter(img: Array, kernel: np.ndarray, pad: bool) -> Array:
  """Separable correlation of every channel of [N, C, H, W] with a 1-D kernel along H and W."""
  n, c, h, w = img.shape
  k = len(kernel)
  x = img.reshape(n * c, 1, h, w)
  if pad:  # kornia's border_type="reflect" (the edge pixel is not repeated)
    p = k // 2
    x = jnp.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="reflect")
  hp, wp = x.shape[2], x.shape[3]
  if max(hp, wp) <= MATMUL_FILTER_MAX + k:
    # As two banded (Toeplitz) matmuls, out = T_h x T_w^T: more flops than the convolution
    # but far faster on XLA:CPU than conv_general_dilated (up to 1024^2 images: BENCHMARKS.md,
    # "Measured forms").
    bands = []
    for size in (hp, wp):
      t = np.zeros((size - k + 1, size))
      for i in range(size - k + 1):
        t[i, i:i + k] = kernel
      bands.append(jnp.asarray(t, img.dtype))
    x = jnp.einsum("ij,bcjl,kl->bcik", bands[0], x, bands[1])
    return x.reshape(n, c, x.shape[2], x.shape[3])
  kern = jnp.asarray(kernel, img.dtype)
  dn = ("NCHW", "OIHW", "NCHW")
  x = lax.conv_general_dilated(x, kern.reshape(1, 1, k, 1), (1, 1), "VALID", dimension_numbers=dn)
  x = lax.conv_general_dilated(x, kern.reshape(1, 1, 1, k), (1, 1), "VALID", dimension_numbers=dn)
  return x.reshape(n, c, x.shape[2], x.shape[3])


def _read_by(kept: Array, k: int) -> Array:
  """The input pixels some kept output reads: a max filter of the mask, borders reflected."""
  p = k // 2
  m = jnp.pad(kept.astype(jnp.float32), ((0, 0), (0, 0), (p, p), (p, p)), mode="reflect")
  m = lax.reduce_window(m, -jnp.inf, lax.max, (1, 1, k, k), (1, 1, 1, 1), "VALID")
  return m > 0


def _moments(x, y, kernel, pad):
  mu1, mu2 = _filter(x, kernel, pad), _filter(y, kernel, pad)
  s1 = _filter(x * x, kernel, pad) - mu1 * mu1
  s2 = _filter(y * y, kernel, pad) - mu2 * mu2
  s12 = _filter(x * y, kernel, pad) - mu1 * mu2
  return mu1, mu2, s1, s2, s12


def _check_window(name, window_size, h, w, need):
  if min(h, w) < need:
    raise ValueError(f"{name}: argument `input` has spatial size ({h}, {w}), expected at least "
                     f"{need} in each for window_size={window_size}")


@declare(input=_IMAGES, target=_TARGET_IMAGES, window_size=_WINDOW,
         max_val=Float(lo=0.0, lo_open=True), eps=Float(lo=0.0), padding=Choice(("same", "valid")),
         channel_axis=_CHANNEL_AXIS)
def ssim_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    window_size: int = 11,
    max_val: float = 1.0,
    eps: float = 1e-12,
    padding: str = "same",
    channel_axis: int = -1,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Structural dissimilarity $\mathrm{clip}((1 - \mathrm{SSIM}) / 2, 0, 1)$ per pixel, kornia's ``ssim_loss``.

  With Gaussian-window means $\mu$, variances $\sigma^2$ and covariance
  $\sigma_{xy}$ per pixel and channel,

  $$
  \mathrm{SSIM} = \frac{(2\mu_x\mu_y + C_1)(2\sigma_{xy} + C_2)}
  {(\mu_x^2 + \mu_y^2 + C_1)(\sigma_x^2 + \sigma_y^2 + C_2) + \varepsilon},
  $$

  $C_1 = (0.01 L)^2$, $C_2 = (0.03 L)^2$, L = ``max_val``. ``padding="same"``
  reflects the borders (kornia's default); ``"valid"`` keeps only pixels
  whose window fits (pytorch-msssim's choice). "mean" over every pixel and
  channel is kornia's value; ``eps=0`` and ``padding="valid"`` give
  ``(1 - pytorch_msssim.ssim(x, y, data_range=L)) / 2``.

  Args:
    input: images ``[N, H, W, C]`` (or ``[N, C, H, W]`` with ``channel_axis=1``).
    target: reference images of the same shape.
    window_size: odd Gaussian window size (11; σ = 1.5).
    max_val: the data range L > 0 (1.0 for images in [0, 1]; 255 for bytes).
    eps: ε added to the denominator (1e-12, kornia's).
    padding: "same" (default, reflected borders) or "valid".
    channel_axis: -1 (default) or 1.
    reduction: "mean" (default), "sum" or "none" (the per-pixel map, ``[N, C, H', W']``).
    where: boolean mask broadcastable to the per-pixel map ``[N, C, H', W']``; input pixels
      that only masked outputs read are 0 before the filtering.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> x = jax.random.uniform(jax.random.key(0), (1, 16, 16, 3), jnp.float32)
    >>> noisy = jnp.clip(x + 0.1 * jax.random.normal(jax.random.key(1), x.shape, jnp.float32), 0, 1)
    >>> print(f"{lj.ssim_loss(noisy, x):.4f}")
    0.0294

  References: Wang, Bovik, Sheikh & Simoncelli, "Image Quality Assessment:
  From Error Visibility to Structural Similarity" (2004); kornia
  ``losses/ssim.py`` (lines 74-88) and ``metrics/ssim.py`` (lines 221-272).
  """
  name = core.loss_name()
  x, y = _images(name, input, target, channel_axis)
  _check_window(name, window_size, x.shape[2], x.shape[3], window_size if padding == "valid"
                else window_size // 2 + 1)
  p = window_size // 2
  map_shape = x.shape if padding == "same" else (*x.shape[:2], x.shape[2] - 2 * p,
                                                 x.shape[3] - 2 * p)
  keep = core.as_mask(name, where, map_shape)
  if keep is not None:
    # Input pixels that no kept output's window reads are 0 before any filtering, so a NaN
    # there reaches nothing; every kept output sees exactly its own inputs.
    kept = jnp.broadcast_to(keep, map_shape)
    if padding == "valid":  # the map's pixel (i, j) is the filtered input's (i + p, j + p)
      kept = jnp.pad(kept, ((0, 0), (0, 0), (p, p), (p, p)))
    x, y = (core.masked_fill(_read_by(kept, window_size), a) for a in (x, y))
  kernel = _gaussian(window_size, 1.5)
  mu1, mu2, s1, s2, s12 = _moments(x, y, kernel, pad=True)
  if padding == "valid":  # kornia filters with "same" and crops
    mu1, mu2, s1, s2, s12 = (a[:, :, p:a.shape[2] - p, p:a.shape[3] - p]
                             for a in (mu1, mu2, s1, s2, s12))
  c1, c2 = (0.01 * max_val) ** 2, (0.03 * max_val) ** 2
  num = (2 * mu1 * mu2 + c1) * (2 * s12 + c2)
  den = (mu1 * mu1 + mu2 * mu2 + c1) * (s1 + s2 + c2)
  values = jnp.clip((1.0 - num / (den + eps)) / 2, 0.0, 1.0)
  return core.reduce_loss(name, values, reduction, keep)


def _avg_pool_2x2(x: Array) -> Array:
  """torch's avg_pool2d(kernel 2, stride 2, padding = size % 2, count_include_pad=True)."""
  ph, pw = x.shape[2] % 2, x.shape[3] % 2
  x = jnp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
  h, w = (x.shape[2] // 2) * 2, (x.shape[3] // 2) * 2
  x = x[:, :, :h, :w]
  return x.reshape(x.shape[0], x.shape[1], h // 2, 2, w // 2, 2).mean(axis=(3, 5))


@declare(input=_IMAGES, target=_TARGET_IMAGES, data_range=Float(lo=0.0, lo_open=True),
         window_size=_WINDOW, k1=Float(lo=0.0), k2=Float(lo=0.0), channel_axis=_CHANNEL_AXIS)
def ms_ssim_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    data_range: float = 1.0,
    window_size: int = 11,
    k1: float = 0.01,
    k2: float = 0.03,
    channel_axis: int = -1,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""$1 - \mathrm{MS\text{-}SSIM}$ per image, pytorch-msssim's ``ms_ssim`` (Wang et al. 2003).

  Five scales, each half the previous (2×2 average pooling, odd sizes padded
  with zeros as torch's ``avg_pool2d(padding=1)`` does), with the
  contrast-structure term $cs_j$ (the spatial mean, "valid" Gaussian
  filtering, no ε) at the first four and the full SSIM at the last:

  $$
  \mathrm{MS\text{-}SSIM} = \prod_{j=1}^{4} \mathrm{relu}(cs_j)^{w_j} \cdot
  \mathrm{relu}(\mathrm{SSIM}_5)^{w_5},
  $$

  weights (0.0448, 0.2856, 0.3001, 0.2363, 0.1333), per image and channel,
  then averaged over channels. Each side needs more than
  ``(window_size - 1) * 16`` pixels (161 at the default window), as
  pytorch-msssim asserts. Note pytorch-msssim's default ``data_range`` is 255.

  Args:
    input: images ``[N, H, W, C]`` (or ``[N, C, H, W]`` with ``channel_axis=1``).
    target: reference images of the same shape.
    data_range: L > 0 (1.0 here; pytorch-msssim's default is 255).
    window_size: odd Gaussian window size (11; σ = 1.5).
    k1: K₁ (0.01).
    k2: K₂ (0.03).
    channel_axis: -1 (default) or 1.
    reduction: "mean" (default, over images: ``1 - ms_ssim(x, y)``), "sum" or "none" (per image).
    where: boolean mask over images.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> x = jax.random.uniform(jax.random.key(0), (1, 176, 176, 1), jnp.float32)
    >>> noisy = jnp.clip(x + 0.1 * jax.random.normal(jax.random.key(1), x.shape, jnp.float32), 0, 1)
    >>> print(f"{lj.ms_ssim_loss(noisy, x):.4f}")
    0.0451

  References: Wang, Simoncelli & Bovik, "Multiscale Structural Similarity
  for Image Quality Assessment" (2003); pytorch-msssim ``ssim.py``
  (``_ssim`` lines 57-102, ``ms_ssim`` lines 164-243).
  """
  name = core.loss_name()
  x, y = _images(name, input, target, channel_axis)
  levels = len(MS_SSIM_WEIGHTS)
  _check_window(name, window_size, x.shape[2], x.shape[3], (window_size - 1) * 2**4 + 1)
  keep = core.as_mask(name, where, x.shape[:1])
  x, y = (core.masked_fill(keep, a) for a in (x, y))
  # pytorch-msssim builds the window in float32 (one ulp from this float64 one, ~3e-8 relative
  # in the result); kornia, like lossjax, in the compute dtype.
  kernel = _gaussian(window_size, 1.5)
  c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
  factors = []
  for level in range(levels):
    mu1, mu2, s1, s2, s12 = _moments(x, y, kernel, pad=False)
    cs_map = (2 * s12 + c2) / (s1 + s2 + c2)
    cs = jnp.mean(cs_map, axis=(2, 3))
    if level < levels - 1:
      factors.append(jax.nn.relu(cs))
      x, y = _avg_pool_2x2(x), _avg_pool_2x2(y)
    else:
      ssim_map = (2 * mu1 * mu2 + c1) / (mu1 * mu1 + mu2 * mu2 + c1) * cs_map
      factors.append(jax.nn.relu(jnp.mean(ssim_map, axis=(2, 3))))
  # relu(.)^w with a zero base: 0 (its gradient taken as 0, not 0 * inf).
  # (above_zero is True for NaN, so a NaN input stays NaN.)
  ms = math.prod(jnp.where(core.above_zero(f), jnp.where(core.above_zero(f), f, 1.0) ** wt, 0.0)
                 for f, wt in zip(factors, MS_SSIM_WEIGHTS))
  values = 1.0 - jnp.mean(ms, axis=1)
  return core.reduce_loss(name, values, reduction, keep)


@declare(input=_IMAGES.at_least(2, "[N, ...] (a batch of images)"), target=_TARGET_IMAGES,
         max_val=Float(lo=0.0, lo_open=True))
def psnr_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    max_val: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Negative peak signal-to-noise ratio per image: $-10 \log_{10}\big(\text{max\_val}^2 / \text{MSE}\big)$ in dB.

  The MSE is each image's (every axis but the first), so "none" is ``[N]``
  and "mean" the mean PSNR over images, the number restoration papers
  report. kornia's ``psnr_loss`` takes one MSE over the whole batch: it
  equals this for a batch of one (the fixtures call it image by image). An
  exact match gives $-\infty$. Minimising it is minimising $\log$ MSE, so
  each image's gradient is scaled by its own error: well-restored images
  are not drowned out by bad ones, as they are under a plain MSE.

  Args:
    input: images ``[N, ...]`` (any layout: the MSE is over all of an image).
    target: images of the same shape.
    max_val: the largest pixel value (1.0; 255 for 8-bit images).
    reduction: "mean" (default, over images), "sum" or "none" (``[N]``).
    where: boolean mask over images, ``[N]``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[0.0, 0.5, 1.0, 0.5]])
    >>> print(f"{lj.psnr_loss(x, jnp.array([[0.1, 0.5, 0.9, 0.5]])):.4f}")
    -23.0103

  References: kornia ``losses/psnr.py`` and ``metrics/psnr.py``.
  """
  name = core.loss_name()
  dtype = core.compute_dtype(input, target)
  n = input.shape[0]
  keep = core.as_mask(name, where, (n,))
  diff = core.to_float(input, dtype) - core.to_float(target, dtype)
  if keep is not None:
    # Filled with 1, not 0: a masked image must not have MSE 0, where log10 has no derivative.
    diff = core.masked_fill(keep.reshape((n,) + (1,) * (diff.ndim - 1)), diff, 1.0)
  mse = jnp.mean(jnp.square(diff).reshape(n, math.prod(diff.shape[1:])), axis=1)
  values = -10.0 * jnp.log10(max_val**2 / mse)
  return core.reduce_loss(name, values, reduction, keep)


@declare(input=FLOAT, channel_axis=AXIS)
def total_variation_loss(
    input: ArrayLike,
    *,
    channel_axis: int = -1,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Anisotropic total variation $\sum |x_{i+1,j} - x_{i,j}| + |x_{i,j+1} - x_{i,j}|$ per image and channel.

  kornia's ``total_variation(img, reduction="sum")`` gives one value per
  image and channel; lossjax's reduction then goes over those (so "none" is
  kornia's output, as ``[N, C]``, and "mean" its mean). A smoothness prior
  for denoising, super-resolution and style transfer.

  Args:
    input: images ``[N, H, W, C]`` (or ``[N, C, H, W]`` with ``channel_axis=1``).
    channel_axis: -1 (default) or 1.
    reduction: "mean" (default, over images and channels), "sum" or "none" (``[N, C]``).
    where: boolean mask broadcastable to ``[N, C]``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> img = jnp.array([[[[0.0], [1.0]], [[1.0], [1.0]]]])  # [1, 2, 2, 1]
    >>> print(lj.total_variation_loss(img))
    2.0

  References: Rudin, Osher & Fatemi (1992); kornia
  ``losses/total_variation.py`` (lines 78-99).
  """
  name = core.loss_name()
  x, _ = _images(name, input, input, channel_axis)
  keep = core.as_mask(name, where, x.shape[:2])
  if keep is not None:
    x = core.masked_fill(jnp.broadcast_to(keep, x.shape[:2]), x)
  values = (jnp.sum(core.abs0(x[:, :, 1:, :] - x[:, :, :-1, :]), axis=(2, 3))
            + jnp.sum(core.abs0(x[:, :, :, 1:] - x[:, :, :, :-1]), axis=(2, 3)))
  return core.reduce_loss(name, values, reduction, keep)


def _ex_images(size, **kw):
  def build(rng):
    x = rng.uniform(size=(2, size, size, 2))
    return (np.clip(x + 0.1 * rng.normal(size=x.shape), 0, 1), x), dict(kw)
  return build


SPECS = [
    LossSpec(ssim_loss, None, _ex_images(9), differentiable=("input", "target"),
             batched=("input", "target"), bad_options={"padding": "full", "max_val": 0.0},
             source="Wang et al. 2004; kornia ssim_loss"),
    LossSpec(ms_ssim_loss, None, _ex_images(36, window_size=3),
             differentiable=("input", "target"), batched=("input", "target"),
             bad_options={"data_range": -1.0},
             source="Wang et al. 2003; pytorch-msssim ms_ssim"),
    LossSpec(psnr_loss, None,
             lambda rng: ((rng.normal(size=(3, 4, 4, 2)), rng.normal(size=(3, 4, 4, 2))), {}),
             differentiable=("input", "target"),
             batched=("input", "target"), unbounded=("input", "target"),
             bad_options={"max_val": 0.0}, source="kornia psnr_loss"),
    LossSpec(total_variation_loss, None,
             lambda rng: ((rng.normal(size=(2, 5, 6, 3)),), {}), differentiable=("input",),
             batched=("input",), unbounded=("input",), mismatch=lambda args: (args[0][0],),
             source="Rudin et al. 1992; kornia total_variation"),
]
