"""PyTorch reference fixtures: the file format, and verification against them.

Fixtures are written only by ``tests/generate_fixtures.py`` running real
PyTorch; they ship inside the package (``lossjax/fixtures/<loss>.json``) so
``python -m lossjax`` can check parity on any device without PyTorch. The
tests and the CLI call the same `verify_case`.

A fixture file holds ``{"loss", "torch_version", "cases": [...]}``; a case::

    {"id": str, "dtype": "float64" | "float32",
     "args": [[name, value], ...],        # positional, in order
     "kwargs": {name: value},            # options shared with torch
     "jax_kwargs": {name: value},        # lossjax-only options (e.g. axis=1)
     "grad_args": [name, ...],
     "transforms": {name: "log_softmax"},  # optional, applied on both sides
     "results": {reduction: {"value": value, "grads": {name: value},
                             "cotangent": value (reduction "none" only)}}}

where an array value is ``{"dtype": str, "shape": [...], "data": [...]}`` and
a Python scalar stays a JSON number.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import json
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

#: (rtol, atol) per dtype. float64: 1e-10 relative; the 1e-12 absolute floor only
#: matters for entries that are mathematically 0 (e.g. gradients of ignored
#: targets), which two correct implementations may round to ~1e-17.
TOLERANCES = {"float64": (1e-10, 1e-12), "float32": (1e-5, 1e-6)}

#: Looser tolerances, each with the measurement that justifies it: per (loss, dtype), or per
#: (loss, dtype, case) for one case.
LOOSER = {
    # MONAI computes the focal part of DiceFocalLoss in float32 (focal_loss.py lines
    # 184-185) and rounds the Hausdorff and boundary distance maps to float32
    # (hausdorff_loss.py lines 186-187, boundary_loss.py): against lossjax's float64,
    # values differ by up to 7.5e-8 relative and gradients by 7.7e-9 absolute (fixtures
    # lambdas_gamma0_masked, defaults); the float32 cases keep the default tolerance.
    ("dice_focal_loss", "float64"): (1e-6, 1e-8),
    ("hausdorff_dt_loss", "float64"): (1e-6, 1e-8),
    ("boundary_loss", "float64"): (1e-6, 1e-8),
    # torch's float32 CTC gradient over 40 frames is 2.0e-5 (absolute) off the
    # float64 result, lossjax's 3.5e-6 (fixture longer_sequences): the
    # difference is torch's float32 accumulation, not a semantic one.
    ("ctc_loss", "float32"): (1e-5, 5e-5),
    # supcon's float32 gradients (entries up to 28) are a sum of large terms:
    # lossjax and torch are both ~2.0e-6 (absolute) off the float64 result
    # (fixture all/float32), so small entries need an absolute floor of 1e-5.
    ("supcon_loss", "float32"): (1e-5, 1e-5),
    # circle_loss's float32 gradients carry gamma (80 by default; entries up to 693):
    # lossjax and torch are up to 7.7e-5 and 7.0e-5 (absolute) off the float64 result
    # (fixtures keras/float32 and pml/float32), so the absolute floor is 2e-4.
    ("circle_loss", "float32"): (1e-5, 2e-4),
    # arcface_loss near |cos| = 1 (fixture past_pi_minus_m, scale 4): lossjax's and torch's
    # float32 weight gradients differ by up to 2.1e-5 (absolute), each ~1e-4 off the float64
    # result (inputs rounded to float32 included): sqrt(1 - c^2) and acos are ill-conditioned
    # there.
    ("arcface_loss", "float32"): (1e-5, 5e-5),
    # 1 - MS-SSIM is a small difference of a product near 1: lossjax and torch differ by 4e-5
    # (relative) in float32 (fixture pytorch_msssim_odd_sizes), each ~3e-6 (absolute) off the
    # float64 result.
    ("ms_ssim_loss", "float32"): (1e-4, 1e-5),
    # The deviance at p = 1.2 cancels terms of size 1 / ((1 - p)(2 - p)) = 6.25: lossjax and
    # torch differ by 4.8e-6 (absolute) in float32, each ~1e-5 off the float64 result.
    ("tweedie_deviance", "float32"): (1e-5, 2e-5),
    # proxy_nca_loss at softmax_scale 8 (fixture scale_8_masked): the squared distances of
    # unit vectors, |x|^2 + |p|^2 - 2 x.p, cancel in float32; lossjax's and torch's proxy
    # gradients (torch.cdist's direct difference below 25 rows) differ by up to 8.4e-6.
    ("proxy_nca_loss", "float32"): (1e-5, 2e-5),
    # Float32 gradients under large logit scales or long sums, lossjax against torch, in the
    # slow float32 twins (the float64 fixtures agree to 1e-10): clip_loss at scale 1/0.07
    # (2.9e-6 absolute, open_clip_init_scale), cosface_loss at scale 16 (3.8e-6, masked_vd),
    # sphereface_loss (2.1e-6, pml_defaults), subcenter_arcface_loss at scale 64 (1.9e-5,
    # pml_defaults) and ssim_loss's per-pixel gradients summed over 1728 pixels (3.1e-6,
    # kornia_same_nchw).
    ("clip_loss", "float32"): (1e-5, 1e-5),
    ("cosface_loss", "float32"): (1e-5, 1e-5),
    ("sphereface_loss", "float32"): (1e-5, 1e-5),
    ("subcenter_arcface_loss", "float32"): (1e-5, 5e-5),
    ("ssim_loss", "float32"): (1e-5, 1e-5),
    # TRL 1.16 makes EXO's ε a float32 tensor (dpo_trainer.py line 1410) and ORPO casts the
    # log-probabilities to float32 (orpo_trainer.py lines 691-692), so their "float64" results
    # carry float32 rounding against lossjax's float64: EXO up to 2.2e-8 relative in value and
    # 1.5e-7 in gradients (fixtures exo_pair, exo_pair_1e-3), ORPO 2.0e-7 and 2.7e-7
    # (fixtures default, beta).
    ("dpo_loss", "float64", "exo_pair"): (1e-6, 1e-8),
    ("dpo_loss", "float64", "exo_pair_1e-3"): (1e-6, 1e-8),
    ("orpo_loss", "float64"): (1e-6, 1e-8),
    # TRL 1.16's SAPO temperatures come from `torch.where` on Python floats, a float32 tensor
    # (grpo_trainer.py line 3122): 1.05 is 1.0499999523, 3.7e-8 relative off in value and
    # 5.7e-9 in gradients (fixture trl_sapo).
    ("policy_gradient_loss", "float64", "trl_sapo"): (1e-6, 1e-9),
}


def encode(x: Any) -> Any:
  """numpy array (or scalar) -> JSON-able value."""
  if isinstance(x, (bool, int, float, str)):
    return x
  if isinstance(x, tuple) and all(isinstance(v, (bool, int, float, str)) for v in x):
    return {"tuple": list(x)}  # an option that is a tuple (several loss types, their weights)
  a = np.asarray(x)
  return {"dtype": str(a.dtype), "shape": list(a.shape), "data": a.ravel().tolist()}


def decode(v: Any) -> Any:
  """JSON value -> numpy array (or the Python scalar it was)."""
  if isinstance(v, dict) and "tuple" in v:
    return tuple(v["tuple"])
  if isinstance(v, dict) and "dtype" in v:
    a = np.asarray(v["data"], dtype=v["dtype"]).reshape(v["shape"])
    return a.item() if a.dtype.kind == "U" and a.ndim == 0 else a  # a string option: a str
  return v


def fixture_dir():
  return importlib.resources.files("lossjax") / "fixtures"


def available() -> list[str]:
  """Names of the losses that have a shipped fixture file."""
  return sorted(p.name[: -len(".json")] for p in fixture_dir().iterdir() if p.name.endswith(".json"))


def load(name: str) -> dict[str, Any]:
  return json.loads((fixture_dir() / f"{name}.json").read_text())


@dataclasses.dataclass
class Check:
  """One compared quantity of one case."""

  case: str
  reduction: str
  quantity: str  # "value" or "grad:<arg>"
  max_abs_err: float
  max_rel_err: float
  ok: bool
  #: The largest share of the allowed error used, max |got - want| / (atol + rtol |want|):
  #: at most 1 where the check passes.
  tol_used: float = 0.0


def _compare(case_id, reduction, quantity, got, want, dtype, loss="") -> Check:
  name = case_id.rsplit("/", 1)[0]
  rtol, atol = LOOSER.get((loss, dtype, name), LOOSER.get((loss, dtype), TOLERANCES[dtype]))
  got = np.asarray(got, dtype=np.float64)
  want = np.asarray(want, dtype=np.float64)
  if got.shape != want.shape:
    return Check(case_id, reduction, quantity, np.inf, np.inf, False, np.inf)
  both_nan = np.isnan(got) & np.isnan(want)
  same_inf = np.isinf(want) & (got == want)
  with np.errstate(invalid="ignore"):  # inf - inf where both are the same inf: masked next
    err = np.where(both_nan | same_inf, 0.0, np.abs(got - want))
  err = np.where(np.isnan(err), np.inf, err)
  allowed = atol + rtol * np.abs(np.where(same_inf, 0.0, want))
  ok = bool(np.all(err <= allowed))
  scale = np.maximum(np.abs(want), atol)
  rel = np.where(same_inf, 0.0, err / np.where(np.isinf(scale), 1.0, scale))
  with np.errstate(invalid="ignore"):  # an infinite allowance (|want| = inf) uses none of it
    used = np.where(np.isinf(allowed), 0.0, err / allowed)
  return Check(
      case_id, reduction, quantity,
      float(err.max(initial=0.0)), float(rel.max(initial=0.0)), ok, float(used.max(initial=0.0)),
  )


#: Input transforms a case may ask for (applied on both the torch and the JAX
#: side; gradients are wrt the stored, untransformed argument).
_TRANSFORMS = {"log_softmax": lambda x: jax.nn.log_softmax(x, axis=-1)}


def _case_program(fn: Callable[..., Any], case: dict[str, Any]):
  """A function computing every reduction's value and gradients of a case, its inputs.

  `verify_case` jits it: one compile instead of one per op and shape in eager mode (~5x
  faster on CPU). Value checks only run on concrete inputs, so they
  are not exercised here; shape contracts are (they run at trace time).
  """
  names = [n for n, _ in case["args"]]
  args = [decode(v) for _, v in case["args"]]
  kwargs = {k: decode(v) for k, v in case["kwargs"].items()}
  kwargs.update({k: decode(v) for k, v in case.get("jax_kwargs", {}).items()})
  grad_idx = [names.index(n) for n in case["grad_args"]]
  arrays = {i: a for i, a in enumerate(args) if isinstance(a, np.ndarray)}
  cotangents = {r: decode(res["cotangent"]) for r, res in case["results"].items() if "cotangent" in res}
  transforms = {names.index(n): t for n, t in case.get("transforms", {}).items()}

  def program(arrays, cotangents):
    results = {}
    for reduction in case["results"]:

      def f(*diff, reduction=reduction):
        full = [arrays.get(i, a) for i, a in enumerate(args)]
        for i, d in zip(grad_idx, diff):
          full[i] = d
        for i, transform in transforms.items():
          full[i] = _TRANSFORMS[transform](full[i])
        return fn(*full, reduction=reduction, **kwargs)

      out, vjp = jax.vjp(f, *[arrays[i] for i in grad_idx])
      ct = cotangents[reduction].astype(out.dtype) if reduction in cotangents else jnp.ones_like(out)
      results[reduction] = (out, vjp(ct) if grad_idx else ())
    return results

  return program, arrays, cotangents


#: XLA:CPU options for the parity check's programs. Compiling dominates the check (each case
#: is its own small program: shapes and options differ), and on CPU most of the compile is
#: LLVM optimizing and the fusion emitters' code generation, which these tiny inputs never
#: repay. Measured on a 2-core x86 CPU (jax 0.10.2), the whole check (740 cases, one program
#: each): 456 CPU-s with XLA's defaults, 147 with these two options (cross_entropy's cases
#: alone: 13.3 CPU-s, 7.6 with the legacy emitters, 5.0 with LLVM at -O0 too). Both keep IEEE
#: semantics (XLA:CPU does not enable fast math) and the tolerances are the same;
#: ``thorough=True`` (``--thorough``) compiles with XLA's defaults, as a user's ``jit`` does.
FAST_CPU_OPTIONS = {"xla_cpu_use_fusion_emitters": False, "xla_backend_optimization_level": 0}


def verify_case(fn: Callable[..., Any], case: dict[str, Any], *,
                thorough: bool = False) -> list[Check]:
  """Runs one fixture case through `fn` as one jitted program; one Check per value and gradient.

  On CPU the program compiles with `FAST_CPU_OPTIONS` unless ``thorough``.
  """
  program, arrays, cotangents = _case_program(fn, case)
  lowered = jax.jit(program).trace(arrays, cotangents).lower()
  fast = not thorough and jax.devices()[0].platform == "cpu"
  compiled = lowered.compile(FAST_CPU_OPTIONS if fast else None)
  results = jax.device_get(compiled(arrays, cotangents))
  dtype = case["dtype"]
  checks = []
  for reduction, res in case["results"].items():
    out, grads = results[reduction]
    loss = getattr(fn, "__name__", "")
    checks.append(_compare(case["id"], reduction, "value", out, decode(res["value"]), dtype, loss))
    for name, g in zip(case["grad_args"], grads):
      checks.append(_compare(
          case["id"], reduction, f"grad:{name}", g, decode(res["grads"][name]), dtype, loss))
  return checks
