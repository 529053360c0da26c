"""Fixture cases for the first eleven torch.nn losses (the Foundation issue)."""

from __future__ import annotations

import numpy as np
from torchref import Case

# --------------------------------------------------------------------------


def _softmax(z, axis=-1):
  e = np.exp(z - z.max(axis=axis, keepdims=True))
  return e / e.sum(axis=axis, keepdims=True)


def _labels(rng, shape, c, ignore=None, n_ignore=0):
  y = rng.integers(0, c, size=shape)
  if n_ignore:
    flat = y.reshape(-1)
    flat[rng.choice(flat.size, n_ignore, replace=False)] = ignore
  return y


def _ce_cases() -> list[Case]:
  def idx(shape_x, n_ignore=0, ignore=-100, **kw):
    def build(rng):
      x = rng.normal(size=shape_x) * 2
      c = shape_x[0] if len(shape_x) == 1 else shape_x[1]
      tshape = () if len(shape_x) == 1 else (shape_x[0],) + shape_x[2:]
      y = np.asarray(_labels(rng, tshape, c, ignore, n_ignore))
      kwargs = {k: (v(rng, c) if callable(v) else v) for k, v in kw.items()}
      if n_ignore or ignore != -100:
        kwargs["ignore_index"] = ignore
      return [("input", x), ("target", y)], kwargs
    return build

  def prob(shape_x, **kw):
    def build(rng):
      x = rng.normal(size=shape_x) * 2
      c = shape_x[0] if len(shape_x) == 1 else shape_x[1]
      t = _softmax(rng.normal(size=shape_x) * 2, axis=0 if len(shape_x) == 1 else 1)
      kwargs = {k: (v(rng, c) if callable(v) else v) for k, v in kw.items()}
      return [("input", x), ("target", t)], kwargs
    return build

  def weight(rng, c):
    return rng.uniform(0.2, 3.0, size=(c,))

  kdim = {"axis": 1}
  return [
      Case("index", idx((5, 4))),
      Case("index_weight", idx((6, 4), weight=weight)),
      Case("index_ignore", idx((7, 4), n_ignore=2)),
      Case("index_ignore_in_range_weight", idx((8, 5), n_ignore=0, ignore=1, weight=weight)),
      Case("index_all_but_one_ignored_weight", idx((4, 3), n_ignore=3, weight=weight)),
      Case("index_smoothing", idx((6, 5), label_smoothing=0.2)),
      Case("index_smoothing_weight_ignore", idx((8, 5), n_ignore=2, weight=weight, label_smoothing=0.3)),
      Case("index_smoothing_one", idx((5, 4), label_smoothing=1.0)),
      Case("index_kdim", idx((3, 4, 5, 2)), jax_kwargs=kdim),
      Case("index_kdim_all_options",
           idx((2, 3, 4, 3), n_ignore=3, weight=weight, label_smoothing=0.15), jax_kwargs=kdim),
      Case("index_unbatched", idx((6,))),
      Case("index_unbatched_weight_smoothing", idx((6,), weight=weight, label_smoothing=0.1)),
      Case("index_large_logits", lambda rng: ([("input", rng.normal(size=(4, 3)) * 300),
                                               ("target", rng.integers(0, 3, size=(4,)))], {})),
      Case("prob", prob((5, 4)), grad_args=("input", "target")),
      Case("prob_weight_smoothing", prob((6, 5), weight=weight, label_smoothing=0.25),
           grad_args=("input", "target")),
      Case("prob_kdim", prob((2, 3, 4)), grad_args=("input", "target"), jax_kwargs=kdim),
      Case("prob_kdim_weight", prob((2, 4, 3, 2), weight=weight), grad_args=("input", "target"),
           jax_kwargs=kdim),
      Case("prob_unbatched", prob((5,), label_smoothing=0.1), grad_args=("input", "target")),
  ]


def _nll_cases() -> list[Case]:
  def build_for(shape_x, n_ignore=0, ignore=-100, use_weight=False):
    def build(rng):
      axis = 0 if len(shape_x) == 1 else 1
      x = np.log(_softmax(rng.normal(size=shape_x) * 2, axis=axis))
      c = shape_x[axis]
      tshape = () if len(shape_x) == 1 else (shape_x[0],) + shape_x[2:]
      y = np.asarray(_labels(rng, tshape, c, ignore, n_ignore))
      kwargs = {}
      if use_weight:
        kwargs["weight"] = rng.uniform(0.2, 3.0, size=(c,))
      if n_ignore or ignore != -100:
        kwargs["ignore_index"] = ignore
      return [("input", x), ("target", y)], kwargs
    return build

  return [
      Case("basic", build_for((5, 4))),
      Case("weight", build_for((6, 4), use_weight=True)),
      Case("ignore", build_for((7, 4), n_ignore=2)),
      Case("ignore_in_range_weight", build_for((8, 4), ignore=2, use_weight=True)),
      Case("kdim", build_for((3, 4, 5)), jax_kwargs={"axis": 1}),
      Case("kdim_weight_ignore", build_for((2, 3, 4, 2), n_ignore=2, use_weight=True),
           jax_kwargs={"axis": 1}),
      Case("unbatched", build_for((5,))),
  ]


def _sigmoid(z):
  return 1 / (1 + np.exp(-z))


def _bce_cases() -> list[Case]:
  def build_for(shape, weight_shape=None, hard=False):
    def build(rng):
      p = _sigmoid(rng.normal(size=shape) * 1.5)
      t = (rng.uniform(size=shape) > 0.5).astype(np.float64) if hard else rng.uniform(size=shape)
      kwargs = {} if weight_shape is None else {"weight": rng.uniform(0.2, 3.0, size=weight_shape)}
      return [("input", p), ("target", t)], kwargs
    return build

  def edges(rng):
    p = np.array([[0.0, 1.0, 0.3], [1.0, 0.0, 0.999], [1e-7, 0.5, 1 - 1e-7]])
    t = np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.5, 0.0]])
    return [("input", p), ("target", t)], {}

  both = ("input", "target")
  return [
      Case("basic", build_for((5, 3)), grad_args=both),
      Case("hard_targets", build_for((6, 4), hard=True), grad_args=both),
      Case("weight_broadcast", build_for((5, 3), weight_shape=(3,)), grad_args=both),
      Case("weight_full", build_for((4, 3, 2), weight_shape=(4, 3, 2)), grad_args=both),
      Case("vector", build_for((7,)), grad_args=both),
      Case("scalar", build_for(()), grad_args=both),
      # Probabilities exactly 0 and 1: torch's -100 clamp and its gradient
      # (p - t) / max(p (1 - p), 1e-12). The target gradient is infinite in
      # torch there (finite in lossjax), so only the input gradient is compared.
      Case("probabilities_0_and_1", edges, grad_args=("input",)),
  ]


def _bce_logits_cases() -> list[Case]:
  def build_for(shape, scale=2.0, weight_shape=None, pos_weight_shape=None, hard=False):
    def build(rng):
      x = rng.normal(size=shape) * scale
      t = (rng.uniform(size=shape) > 0.5).astype(np.float64) if hard else rng.uniform(size=shape)
      kwargs = {}
      if weight_shape is not None:
        kwargs["weight"] = rng.uniform(0.2, 3.0, size=weight_shape)
      if pos_weight_shape is not None:
        kwargs["pos_weight"] = rng.uniform(0.2, 4.0, size=pos_weight_shape)
      return [("input", x), ("target", t)], kwargs
    return build

  both = ("input", "target")
  return [
      Case("basic", build_for((5, 3)), grad_args=both),
      Case("hard_targets", build_for((6, 4), hard=True), grad_args=both),
      Case("weight", build_for((5, 3), weight_shape=(3,)), grad_args=both),
      Case("pos_weight", build_for((5, 4), pos_weight_shape=(4,)), grad_args=both),
      Case("weight_and_pos_weight", build_for((6, 3), weight_shape=(6, 3), pos_weight_shape=(3,)),
           grad_args=both),
      Case("pos_weight_4d", build_for((2, 3, 4, 5), pos_weight_shape=(5,)), grad_args=both),
      Case("pos_weight_channels", build_for((2, 3, 2, 2), pos_weight_shape=(3, 1, 1)),
           grad_args=both),
      Case("large_logits", build_for((4, 3), scale=60.0, pos_weight_shape=(3,)), grad_args=both),
      Case("scalar", build_for(()), grad_args=both),
  ]


def _kl_cases() -> list[Case]:
  def build_for(shape, log_target=False, zeros=False):
    def build(rng):
      x = np.log(_softmax(rng.normal(size=shape)))
      t = _softmax(rng.normal(size=shape) * 2)
      if zeros:
        t = np.where(rng.uniform(size=shape) < 0.3, 0.0, t)
      if log_target:
        t = np.log(t)
      return [("input", x), ("target", t)], ({"log_target": True} if log_target else {})
    return build

  both = ("input", "target")
  return [
      Case("basic", build_for((5, 4)), grad_args=both),
      Case("log_target", build_for((5, 4), log_target=True), grad_args=both),
      # torch's target gradient at t = 0 is -inf (log 0); lossjax's is 0 by
      # design (finite gradients at zero targets), so only the input gradient
      # is compared there.
      Case("zero_targets", build_for((6, 5), zeros=True), grad_args=("input",)),
      Case("3d", build_for((2, 3, 4)), grad_args=both),
      Case("3d_log_target", build_for((3, 2, 4), log_target=True), grad_args=both),
      Case("vector", build_for((6,)), grad_args=both),
  ]


def _pair_cases(weighted: bool, **opts) -> list[Case]:
  def build_for(shape, scale=1.0, use_weight=False, **kw):
    def build(rng):
      kwargs = dict(kw)
      if use_weight:
        kwargs["weight"] = rng.uniform(0.2, 3.0, size=shape)
      return [("input", rng.normal(size=shape) * scale), ("target", rng.normal(size=shape))], kwargs
    return build

  def ties(rng):
    # input == target exactly on half the elements: torch's l1 gradient there is
    # sign(0) = 0 (JAX's abs would give 1).
    x, t = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    x[::2] = t[::2]
    return [("input", x), ("target", t)], dict(opts and {k: v[-1] for k, v in opts.items()})

  both = ("input", "target")
  cases = [
      Case("basic", build_for((5, 3)), grad_args=both),
      Case("ties", ties, grad_args=both),
      Case("3d", build_for((2, 3, 4), scale=3.0), grad_args=both),
      Case("scalar", build_for(()), grad_args=both),
  ]
  if weighted:
    cases.append(Case("weight", build_for((5, 4), scale=2.0, use_weight=True), grad_args=both))
  for key, values in opts.items():
    for v in values:
      cases.append(Case(f"{key}_{v}", build_for((6, 4), scale=2.0, **{key: v}), grad_args=both))
  if weighted and opts:
    key, values = next(iter(opts.items()))
    cases.append(Case(f"{key}_{values[-1]}_weight",
                      build_for((5, 3), scale=2.0, use_weight=True, **{key: values[-1]}),
                      grad_args=both))
  return cases


def _poisson_cases() -> list[Case]:
  def build_for(log_input, full, shape=(5, 4)):
    def build(rng):
      x = rng.normal(size=shape) if log_input else rng.uniform(0.05, 4.0, size=shape)
      # Positive targets on both sides of 1 (Stirling's term applies above 1).
      # Target 0 with full=True gives NaN target gradients in torch, so it is not here.
      t = rng.poisson(2.0, size=shape) + rng.uniform(0.1, 0.9, size=shape)
      return [("input", x), ("target", t)], {"log_input": log_input, "full": full}
    return build

  both = ("input", "target")
  cases = [
      Case(f"log_input_{li}_full_{fu}", build_for(li, fu), grad_args=both)
      for li in (True, False) for fu in (False, True)
  ]

  def counts(rng):
    x = rng.normal(size=(6, 3))
    return [("input", x), ("target", rng.poisson(1.0, size=(6, 3)).astype(np.float64))], {}

  def eps(rng):
    x = rng.uniform(0.0, 2.0, size=(4, 3))
    x[0, 0] = 0.0
    t = rng.poisson(2.0, size=(4, 3)).astype(np.float64)
    return [("input", x), ("target", t)], {"log_input": False, "eps": 1e-3}

  cases += [Case("integer_counts", counts, grad_args=both),
            Case("rate_zero_eps", eps, grad_args=both)]
  return cases


def _gaussian_cases() -> list[Case]:
  def build_for(shape, var_shape, full=False, eps=None, tiny=False):
    def build(rng):
      x, t = rng.normal(size=shape), rng.normal(size=shape)
      if var_shape == "float":
        var = 0.7
      else:
        var = rng.uniform(0.2, 2.0, size=var_shape)
        if tiny:
          var.reshape(-1)[::2] = 1e-9  # below eps: clamped, gradient passed through
      kwargs = {"full": full}
      if eps is not None:
        kwargs["eps"] = eps
      return [("input", x), ("target", t), ("var", var)], kwargs
    return build

  three = ("input", "target", "var")
  return [
      Case("heteroscedastic", build_for((5, 3), (5, 3)), grad_args=three),
      Case("full", build_for((5, 3), (5, 3), full=True), grad_args=three),
      Case("homoscedastic_short", build_for((5, 3), (5,)), grad_args=three),
      Case("homoscedastic_one", build_for((5, 3), (5, 1)), grad_args=three),
      Case("broadcast_middle_axis", build_for((4, 2, 3), (4, 1, 3)), grad_args=three),
      Case("var_below_eps", build_for((4, 3), (4, 3), tiny=True), grad_args=three),
      Case("custom_eps", build_for((4, 3), (4, 3), eps=0.5, tiny=True), grad_args=three),
      Case("float_var", build_for((4, 3), "float", full=True), grad_args=("input", "target")),
  ]


CASES: dict[str, list[Case]] = {
    "cross_entropy": _ce_cases(),
    "nll_loss": _nll_cases(),
    "binary_cross_entropy": _bce_cases(),
    "binary_cross_entropy_with_logits": _bce_logits_cases(),
    "kl_div": _kl_cases(),
    "mse_loss": _pair_cases(weighted=True),
    "l1_loss": _pair_cases(weighted=True),
    "smooth_l1_loss": _pair_cases(weighted=False, beta=[1.0, 0.5, 0.0, 2.5]),
    "huber_loss": _pair_cases(weighted=True, delta=[1.0, 0.3, 2.5]),
    "poisson_nll_loss": _poisson_cases(),
    "gaussian_nll_loss": _gaussian_cases(),
}


REDUCTIONS = {"kl_div": ("none", "mean", "sum", "batchmean")}
