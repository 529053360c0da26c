"""Fixture cases for losses without a torch.nn twin, from torch implementations of
their sources' formulas (written here, run by the generator with real torch)."""

from __future__ import annotations

from torchref import TORCH_REFERENCES, Case


def _torch_softmax_focal(logits, labels, *, alpha=None, gamma=2.0, weight=None,
                         ignore_index=-100, reduction="mean"):
  # Lin et al. 2017, multi-class: -alpha_y (1 - p_y)^gamma log p_y, per-class weights
  # normalising "mean" like torch's cross_entropy.
  import torch

  valid = labels != ignore_index
  safe = torch.where(valid, labels, torch.zeros_like(labels))
  logp = torch.log_softmax(logits, dim=-1).gather(-1, safe[..., None])[..., 0]
  loss = -(1 - logp.exp()) ** gamma * logp
  if alpha is not None:
    loss = loss * (alpha if isinstance(alpha, float) else alpha[safe])
  w = weight[safe] if weight is not None else torch.ones_like(loss)
  loss = torch.where(valid, loss * w, torch.zeros_like(loss))
  if reduction == "none":
    return loss
  if reduction == "sum":
    return loss.sum()
  return loss.sum() / torch.where(valid, w, torch.zeros_like(w)).sum()


def _torch_z_loss(logits, *, reduction="mean"):
  # PaLM: the squared log of the softmax normaliser.
  import torch

  loss = torch.logsumexp(logits, dim=-1) ** 2
  return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


def _reduce(loss, reduction):
  return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


def _torch_log_cosh(input, target, *, reduction="mean"):
  import torch

  return _reduce(torch.log(torch.cosh(input - target)), reduction)


def _torch_charbonnier(input, target, *, eps=1e-3, reduction="mean"):
  import torch

  return _reduce(torch.sqrt((input - target) ** 2 + eps**2), reduction)


def _torch_msle(input, target, *, reduction="mean"):
  import torch

  return _reduce((torch.log1p(input) - torch.log1p(target)) ** 2, reduction)


def _torch_mape(input, target, *, eps=2.220446049250313e-16, reduction="mean"):
  # scikit-learn's mean_absolute_percentage_error, per element.

  return _reduce((input - target).abs() / target.abs().clamp_min(eps), reduction)


def _torch_cosine_similarity_loss(input, target, *, axis=-1, eps=1e-8, reduction="mean"):
  import torch.nn.functional as F

  return _reduce(1 - F.cosine_similarity(input, target, dim=axis, eps=eps), reduction)


def _torch_gce(logits, labels, *, q=0.7, reduction="mean"):
  # Zhang & Sabuncu 2018: (1 - p_y ** q) / q
  import torch

  p = torch.softmax(logits, dim=-1).gather(-1, labels[..., None])[..., 0]
  return _reduce((1 - p**q) / q, reduction)


TORCH_REFERENCES["generalized_cross_entropy"] = _torch_gce
TORCH_REFERENCES["log_cosh_loss"] = _torch_log_cosh
TORCH_REFERENCES["charbonnier_loss"] = _torch_charbonnier
TORCH_REFERENCES["msle_loss"] = _torch_msle
TORCH_REFERENCES["mape_loss"] = _torch_mape
TORCH_REFERENCES["cosine_similarity_loss"] = _torch_cosine_similarity_loss
TORCH_REFERENCES["softmax_focal_loss"] = _torch_softmax_focal
TORCH_REFERENCES["z_loss"] = _torch_z_loss


def _focal(n, c, *, alpha=None, weight=False, n_ignore=0, **kw):
  def build(rng):
    x = rng.normal(size=(n, c)) * 2
    y = rng.integers(0, c, size=(n,))
    y[:n_ignore] = -100
    kwargs = dict(kw)
    if alpha == "vector":
      kwargs["alpha"] = rng.uniform(0.1, 1.0, size=(c,))
    elif alpha is not None:
      kwargs["alpha"] = alpha
    if weight:
      kwargs["weight"] = rng.uniform(0.2, 3.0, size=(c,))
    return [("logits", x), ("labels", y)], kwargs
  return build


def _pair(shape, scale, *, zero_target=False, tiny=False, **kw):
  def build(rng):
    x, t = rng.normal(size=shape) * scale, rng.normal(size=shape)
    if zero_target:
      t[0] = 0.0
    if tiny:
      t = t * 1e-9
    return [("input", x), ("target", t)], dict(kw)
  return build


def _nonneg(shape):
  def build(rng):
    return [("input", rng.uniform(0, 3, size=shape)), ("target", rng.uniform(0, 3, size=shape))], {}
  return build


CASES = {
    "softmax_focal_loss": [
        Case("gamma2", _focal(8, 5), grad_args=("logits",)),
        Case("alpha_vector_weight_ignore", _focal(8, 5, alpha="vector", weight=True, n_ignore=2,
                                                   gamma=1.5), grad_args=("logits",)),
        Case("alpha_scalar_gamma0", _focal(6, 4, alpha=0.25, gamma=0.0), grad_args=("logits",)),
        Case("gamma3", _focal(6, 7, gamma=3.0), grad_args=("logits",)),
    ],
    "generalized_cross_entropy": [
        Case("q07", _focal(8, 5, q=0.7), grad_args=("logits",)),
        Case("q1", _focal(6, 4, q=1.0), grad_args=("logits",)),
        Case("q02", _focal(6, 4, q=0.2), grad_args=("logits",)),
    ],
    "z_loss": [
        Case("basic", lambda rng: ([("logits", rng.normal(size=(6, 5)) * 3)], {}),
             grad_args=("logits",)),
        Case("3d", lambda rng: ([("logits", rng.normal(size=(2, 3, 7)))], {}),
             grad_args=("logits",)),
    ],
    "log_cosh_loss": [
        Case("basic", _pair((6, 4), 3.0), grad_args=("input", "target")),
    ],
    "charbonnier_loss": [
        Case("basic", _pair((6, 4), 1.0), grad_args=("input", "target")),
        Case("eps", _pair((5, 3), 0.01, eps=0.1), grad_args=("input", "target")),
    ],
    "msle_loss": [
        Case("basic", _nonneg((6, 4)), grad_args=("input", "target")),
    ],
    "mape_loss": [
        Case("basic", _pair((6, 4), 2.0), grad_args=("input",)),
        Case("zero_target_eps", _pair((4, 3), 2.0, zero_target=True, eps=1e-3),
             grad_args=("input",)),
    ],
    "cosine_similarity_loss": [
        Case("basic", _pair((6, 4), 1.0), grad_args=("input", "target")),
        Case("axis0", _pair((5, 3), 1.0, axis=0), grad_args=("input", "target")),
        # Both norms below eps: torch clamps each norm (not their product).
        Case("tiny_vectors", _pair((4, 3), 1e-9, tiny=True, eps=1e-8),
             grad_args=("input", "target")),
    ],
}
