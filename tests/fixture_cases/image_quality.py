"""Fixture cases of the image quality family (`lossjax/image_quality/`).

Fixture cases for the image-quality losses: kornia 0.9.0 and pytorch-msssim 1.0.0, run for real.

The generator's environment has ``kornia==0.9.0``, ``kornia_rs`` and ``pytorch-msssim==1.0.0``
installed with ``--no-deps`` beside ``torch==2.13.0``.
- ssim_loss: kornia.losses.ssim_loss (losses/ssim.py lines 74-88), per pixel for "none".
- ms_ssim_loss: 1 - pytorch_msssim.ms_ssim(..., size_average=False) per image, given the
  Gaussian window in the inputs' dtype (its default is built in float32).
- total_variation_loss: kornia.losses.total_variation(img, reduction="sum"), [N, C].
Images are [N, C, H, W] for the references; the channels-last cases are permuted for them.
"""

from __future__ import annotations

import numpy as np
from torchref import TORCH_REFERENCES, Case
from torchref import reduce_masked as _reduce


def _nchw(x, channel_axis):
  return x if channel_axis == 1 else x.permute(0, 3, 1, 2)


def _torch_ssim(input, target, *, window_size=11, max_val=1.0, eps=1e-12, padding="same",
                channel_axis=-1, reduction="mean", where=None):
  import kornia

  loss = kornia.losses.ssim_loss(_nchw(input, channel_axis), _nchw(target, channel_axis),
                                 window_size, float(max_val), eps, reduction="none",
                                 padding=padding)
  return _reduce(loss, reduction, where)


def _torch_ms_ssim(input, target, *, data_range=1.0, window_size=11, k1=0.01, k2=0.03,
                   channel_axis=-1, reduction="mean", where=None):
  import pytorch_msssim
  import torch

  x, y = _nchw(input, channel_axis), _nchw(target, channel_axis)
  # pytorch-msssim's default window is built in float32 (_fspecial_gauss_1d), one ulp from the
  # exact one at some taps (~4e-6 relative in 1 - MS-SSIM); the same formula in the inputs'
  # dtype is passed instead, so that everything else is compared at float64 precision.
  coords = torch.arange(window_size, dtype=x.dtype) - window_size // 2
  g = torch.exp(-(coords**2) / (2 * 1.5**2))
  win = (g / g.sum()).reshape(1, 1, 1, -1).repeat(x.shape[1], 1, 1, 1)
  ms = pytorch_msssim.ms_ssim(x, y, data_range=data_range, size_average=False, win=win,
                              K=(k1, k2))
  return _reduce(1 - ms, reduction, where)


def _torch_tv(input, *, channel_axis=-1, reduction="mean", where=None):
  import kornia

  return _reduce(kornia.losses.total_variation(_nchw(input, channel_axis), reduction="sum"),
                 reduction, where)


def _torch_psnr(input, target, *, max_val=1.0, reduction="mean", where=None):
  """kornia.losses.psnr_loss (losses/psnr.py, metrics/psnr.py: one MSE over its whole input),
  called image by image: lossjax's per-image PSNR."""
  import kornia
  import torch
  from torchref import reduce_masked

  per = torch.stack([kornia.losses.psnr_loss(input[i:i + 1], target[i:i + 1], max_val)
                     for i in range(input.shape[0])])
  return reduce_masked(per, reduction, where)


def _pair(shape, where=None, scale=1.0, **kw):
  def build(rng):
    y = rng.uniform(size=shape) * scale
    x = np.clip(y + 0.15 * scale * rng.normal(size=shape), 0, scale)
    opts = dict(kw)
    if where is not None:
      opts["where"] = rng.uniform(size=where) < 0.7
    return [("input", x), ("target", y)], opts
  return build


_G = ("input", "target")


TORCH_REFERENCES["ssim_loss"] = _torch_ssim
TORCH_REFERENCES["ms_ssim_loss"] = _torch_ms_ssim
TORCH_REFERENCES["psnr_loss"] = _torch_psnr
TORCH_REFERENCES["total_variation_loss"] = _torch_tv


CASES = {
    "ssim_loss": [
        Case("kornia_same_nchw", _pair((2, 3, 16, 18), channel_axis=1), grad_args=_G),
        Case("valid_channels_last", _pair((2, 17, 15, 2), padding="valid"), grad_args=_G),
        Case("window7_bytes_eps0", _pair((1, 2, 12, 12), scale=255.0, window_size=7,
                                         max_val=255.0, eps=0.0, channel_axis=1),
             grad_args=_G),
        Case("masked_map", _pair((2, 12, 12, 1), where=(2, 1, 12, 12)), grad_args=_G),
    ],
    "ms_ssim_loss": [
        Case("pytorch_msssim_odd_sizes", _pair((2, 2, 165, 170), channel_axis=1),
             grad_args=_G),
        Case("channels_last_masked", _pair((3, 161, 163, 1), where=(3,)), grad_args=_G),
    ],
    "psnr_loss": [
        Case("kornia_nchw", _pair((3, 2, 6, 7)), grad_args=_G),
        Case("bytes_masked", _pair((4, 5, 5, 3), scale=255.0, where=(4,), max_val=255.0),
             grad_args=_G),
    ],
    "total_variation_loss": [
        Case("kornia_sum_nchw", lambda rng: ([("input", rng.normal(size=(2, 3, 5, 6)))],
                                             {"channel_axis": 1}), grad_args=("input",)),
        Case("channels_last_masked", lambda rng: ([("input", rng.normal(size=(2, 5, 4, 3)))],
                                                  {"where": rng.uniform(size=(2, 3)) < 0.6}),
             grad_args=("input",)),
    ],
}
