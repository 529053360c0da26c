"""The vision, metric-learning and detection losses against the PyTorch peers that run here.

    python benchmarks/peers.py [--repeats 7]

value_and_grad wrt the first input, float32, in one process on the same inputs: jitted
lossjax (synchronised) against the peer library in eager PyTorch (CPU build,
torch.set_num_threads = CPU count), runs interleaved, median with min and max. Peers:
kornia 0.9.0 (ssim_loss), pytorch-msssim 1.0.0 (ms_ssim), pytorch-metric-learning 2.9.0
(ArcFaceLoss, CosFaceLoss, MultiSimilarityLoss, ProxyAnchorLoss, MarginLoss), MONAI 1.6.1
(DiceCELoss, DiceFocalLoss, HausdorffDTLoss), and torchvision 0.29.1's box losses as
transcribed in tests/fixture_cases/detection.py (torchvision's CPU build is not served for
torch 2.13). Rows whose peer is not installed are skipped.
"""

from __future__ import annotations

import argparse
import math
import os
import pathlib
import statistics
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import lossjax as lj  # noqa: E402


def cases(rng):
  import torch

  img = rng.uniform(size=(8, 3, 128, 128)).astype(np.float32)
  img2 = np.clip(img + 0.1 * rng.normal(size=img.shape), 0, 1).astype(np.float32)
  big = rng.uniform(size=(4, 1, 256, 256)).astype(np.float32)
  big2 = np.clip(big + 0.1 * rng.normal(size=big.shape), 0, 1).astype(np.float32)
  emb = rng.normal(size=(4096, 256)).astype(np.float32)
  labels = rng.integers(0, 1000, size=(4096,))
  centres = rng.normal(size=(256, 1000)).astype(np.float32)  # PML's [D, C]
  ms_emb, ms_labels = emb[:1024], rng.integers(0, 64, size=(1024,))
  xy = rng.uniform(0, 100, size=(2, 2**18, 2)).astype(np.float32)
  wh = rng.uniform(1, 50, size=(2, 2**18, 2)).astype(np.float32)
  b1, b2 = (np.concatenate([xy[i], xy[i] + wh[i]], 1) for i in range(2))
  out = []

  try:
    import kornia

    out.append(("ssim_loss [8, 3, 128, 128]", (img, img2),
                lambda x, y: lj.ssim_loss(x, y, channel_axis=1),
                lambda x, y: kornia.losses.ssim_loss(x, y, 11)))
  except ImportError:
    pass
  try:
    import pytorch_msssim

    out.append(("ms_ssim_loss [4, 1, 256, 256]", (big, big2),
                lambda x, y: lj.ms_ssim_loss(x, y, channel_axis=1),
                lambda x, y: 1 - pytorch_msssim.ms_ssim(x, y, data_range=1.0)))
  except ImportError:
    pass
  try:
    from pytorch_metric_learning import losses

    def pml(cls, **kw):
      loss = cls(num_classes=1000, embedding_size=256, **kw)
      loss.W.data = torch.from_numpy(centres)
      return lambda x, y: loss(x, y)

    out.append(("arcface_loss [4096, 256], 1000 classes", (emb, labels),
                lambda x, y: lj.arcface_loss(x, y, jnp.asarray(centres), layout="dv",
                                             margin=math.radians(28.6)),
                pml(losses.ArcFaceLoss)))
    out.append(("cosface_loss [4096, 256], 1000 classes", (emb, labels),
                lambda x, y: lj.cosface_loss(x, y, jnp.asarray(centres), layout="dv"),
                pml(losses.CosFaceLoss)))
    out.append(("multi_similarity_loss [1024, 256]", (ms_emb, ms_labels),
                lambda x, y: lj.multi_similarity_loss(x, y),
                lambda x, y: losses.MultiSimilarityLoss()(x, y)))
  except ImportError:
    pass
  try:
    from pytorch_metric_learning import losses

    proxies = rng.normal(size=(100, 256)).astype(np.float32)
    pa_labels = rng.integers(0, 100, size=(1024,))

    def proxy_anchor(x, y):
      loss = losses.ProxyAnchorLoss(num_classes=100, embedding_size=256)
      loss.proxies.data = torch.from_numpy(proxies)
      return loss(x, y)

    out.append(("proxy_anchor_loss [1024, 256], 100 classes", (ms_emb, pa_labels),
                lambda x, y: lj.proxy_anchor_loss(x, y, jnp.asarray(proxies)), proxy_anchor))
    out.append(("margin_loss [256, 128], all triplets", (emb[:256, :128], ms_labels[:256] % 16),
                lambda x, y: lj.margin_loss(x, y),
                lambda x, y: losses.MarginLoss()(x, y)))
  except ImportError:
    pass
  seg = (rng.normal(size=(8, 4, 128, 128)) * 2).astype(np.float32)
  seg_y = rng.integers(0, 4, size=(8, 128, 128))
  try:
    import monai.losses as ml

    small, small_y = seg[:4, :3, :64, :64], seg_y[:4, :64, :64] % 3
    vol = (rng.normal(size=(2, 3, 64, 64, 64)) * 2).astype(np.float32)
    vol_y = rng.integers(0, 3, size=(2, 64, 64, 64))
    # (lossjax loss, MONAI class, label suffix, inputs): logits channels-first (axis=1), MONAI
    # with the softmax and the class map turned one-hot.
    # Every overlap and compound loss with a MONAI counterpart, at both shapes (the distance
    # losses at a smaller one: MONAI computes their distance maps with scipy, per call).
    rows = [(loss, peer, label, arrays, {})
            for loss, peer in (("dice_ce_loss", "DiceCELoss"), ("dice_focal_loss", "DiceFocalLoss"),
                               ("dice_loss", "DiceLoss"),
                               ("generalized_dice_loss", "GeneralizedDiceLoss"),
                               ("tversky_loss", "TverskyLoss"))
            for label, arrays in (("[8, 4, 128, 128]", (seg, seg_y)),
                                  ("[2, 3, 64, 64, 64]", (vol, vol_y)))]
    rows += [("jaccard_loss", "DiceLoss", "[8, 4, 128, 128] (MONAI jaccard=True)", (seg, seg_y),
              {"jaccard": True}),
             ("hausdorff_dt_loss", "HausdorffDTLoss", "[4, 3, 64, 64] (scipy EDT in MONAI)",
              (small, small_y), {}),
             ("boundary_loss", "BoundaryLoss", "[4, 3, 64, 64] (scipy EDT in MONAI)",
              (small, small_y), {})]
    for loss, peer, label, arrays, peer_kw in rows:
      fn, cls = getattr(lj, loss), getattr(ml, peer)
      out.append((f"{loss} {label}", arrays,
                  lambda x, y, fn=fn: fn(x, y, axis=1),
                  lambda x, y, cls=cls, kw=peer_kw: cls(to_onehot_y=True, softmax=True, **kw)(
                      x, y[:, None])))
  except ImportError:
    pass
  try:
    import kornia

    out.append(("psnr_loss [1, 3, 128, 128]", (img[:1], img2[:1]),
                lambda x, y: lj.psnr_loss(x, y),
                lambda x, y: kornia.losses.psnr_loss(x, y, 1.0)))
  except ImportError:
    pass
  from fixture_cases import detection as tv
  from fixture_cases import segmentation as sg

  # Berman et al.'s lovasz_losses.py (the fixtures' transcription; SMP's LovaszLoss is the same
  # code): one sort per class over every pixel of the batch, channels last.
  last, last_y = np.ascontiguousarray(np.moveaxis(seg, 1, -1)), seg_y
  out.append(("lovasz_softmax_loss [8, 128, 128, 4] vs Berman et al.'s code", (last, last_y),
              lambda x, y: lj.lovasz_softmax_loss(x, y),
              lambda x, y: sg._torch_lovasz_softmax(x, y)))

  out.append(("generalized_box_iou_loss [2^18 boxes]", (b1, b2),
              lambda x, y: lj.generalized_box_iou_loss(x, y),
              lambda x, y: tv._torch_giou(x, y, reduction="mean")))
  out.append(("complete_box_iou_loss [2^18 boxes]", (b1, b2),
              lambda x, y: lj.complete_box_iou_loss(x, y),
              lambda x, y: tv._torch_ciou(x, y, reduction="mean")))
  return out


def main() -> None:
  import torch

  ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  ap.add_argument("--repeats", type=int, default=7)
  ap.add_argument("--only", default="", help="run the rows whose name contains this")
  args = ap.parse_args()
  torch.set_num_threads(os.cpu_count())
  rng = np.random.default_rng(0)
  print(f"value_and_grad wrt the first input, float32; device: {jax.devices()[0].platform}, "
        f"{os.cpu_count()} CPU cores; jax {jax.__version__}, torch {torch.__version__}")
  print("| loss | lossjax median s (min-max) | peer median s (min-max) | peer / lossjax (median) "
        "| (fastest) |")
  print("| --- | ---: | ---: | ---: | ---: |")
  for name, arrays, ours, theirs in cases(rng):
    if args.only not in name:
      continue
    jx = [jnp.asarray(a) for a in arrays]
    compiled = jax.jit(jax.value_and_grad(ours)).lower(*jx).compile()
    run_ours = lambda c=compiled, jx=jx: jax.block_until_ready(c(*jx))  # noqa: E731
    tx = [torch.from_numpy(a) for a in arrays]

    def run_theirs(theirs=theirs, tx=tx):
      x = tx[0].clone().requires_grad_(True)
      theirs(x, *tx[1:]).backward()
      return x.grad

    run_ours(), run_theirs()  # warm up
    times = {"ours": [], "theirs": []}
    for _ in range(args.repeats):
      for key, run in (("ours", run_ours), ("theirs", run_theirs)):
        t0 = time.perf_counter()
        run()
        times[key].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    cell = lambda k, med=med, times=times: (  # noqa: E731
        f"{med[k]:.4f} ({min(times[k]):.4f}-{max(times[k]):.4f})")
    fastest = min(times["theirs"]) / min(times["ours"])
    print(f"| `{name}` | {cell('ours')} | {cell('theirs')} | {med['theirs'] / med['ours']:.2f}x "
          f"| {fastest:.2f}x |", flush=True)


if __name__ == "__main__":
  main()
