"""Writes lossjax's PyTorch reference fixtures by running real PyTorch.

    pip install torch==2.13.0     # CPU build; never an unpinned torch
    pip install trl==1.16.0       # the preference references run its trainers (it keeps torch)
    pip install --no-deps monai==1.6.1 pytorch-metric-learning==2.9.0 kornia==0.9.0 \
        kornia_rs pytorch-msssim==1.0.0   # the peers some references run (never their torch)
    python tests/generate_fixtures.py [loss ...]

For every loss with a torch twin, every case below, float64 and float32, and
every reduction, it records the inputs, torch's output and torch's gradients
wrt every differentiable input (for reduction "none": the vector-Jacobian
product with a recorded random cotangent). Fixtures are never edited by hand.

The same `torch_result` is used by tests/test_live_torch.py on randomised
cases, so the live comparison and the fixtures share one code path.
"""

from __future__ import annotations

import importlib
import json
import pathlib
import sys
from typing import Any

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "tests"))

from torchref import TORCH_VERSION, Case, torch_result  # noqa: E402

from lossjax._fixtures import encode  # noqa: E402

OUT_DIR = ROOT / "lossjax" / "fixtures"


def collect() -> tuple[dict[str, list[Case]], dict[str, tuple[str, ...]]]:
  """Merges CASES and REDUCTIONS of every module in tests/fixture_cases/."""
  cases, reductions, appended = {}, {}, []
  for path in sorted((ROOT / "tests" / "fixture_cases").glob("*.py")):
    if path.name.startswith("_"):
      continue
    module = importlib.import_module(f"fixture_cases.{path.stem}")
    if getattr(module, "APPENDS", False):
      appended.append(module)  # after every loss's own cases, so their seeds do not move
      continue
    for name, entries in module.CASES.items():
      if name in cases:
        raise SystemExit(f"{name} has cases in two modules")
      cases[name] = entries
    reductions.update(getattr(module, "REDUCTIONS", {}))
  # Appended modules in the order of their APPENDS rank (True is 1), so that a
  # later module's cases never move an earlier one's seeds.
  for module in sorted(appended, key=lambda m: int(m.APPENDS)):
    for name, entries in module.CASES.items():
      cases[name] = cases.get(name, []) + entries
  return cases, reductions


CASES, REDUCTIONS = collect()




def _cast(v, dtype):
  if isinstance(v, np.generic):
    v = np.asarray(v)  # 0-d numpy results become arrays; Python floats stay scalars
  if isinstance(v, np.ndarray) and v.dtype.kind == "f":
    return v.astype(dtype)
  return v


def make_case(loss: str, case: Case, dtype: str, seed: int) -> dict[str, Any]:
  """Builds one fixture case (inputs and torch's results) as JSON-able data."""
  rng = np.random.default_rng(seed)
  args, kwargs = case.build(rng)
  args = [(n, _cast(v, dtype)) for n, v in args]
  kwargs = {k: _cast(v, dtype) for k, v in kwargs.items()}
  results = {}
  for reduction in case.reductions or REDUCTIONS.get(loss, ("none", "mean", "sum")):
    value, _ = torch_result(loss, args, kwargs, reduction, (), dtype=dtype,
                            transforms=case.transforms)
    cotangent = None
    if reduction == "none":
      cotangent = rng.normal(size=np.shape(value)).astype(dtype)
    _, grads = torch_result(loss, args, kwargs, reduction, case.grad_args, cotangent, dtype=dtype,
                            transforms=case.transforms)
    res = {"value": encode(value.astype(dtype)),
           "grads": {k: encode(g.astype(dtype)) for k, g in grads.items()}}
    if cotangent is not None:
      res["cotangent"] = encode(cotangent)
    results[reduction] = res
  return {
      "id": f"{case.id}/{dtype}",
      "dtype": dtype,
      "args": [[n, encode(v)] for n, v in args],
      "kwargs": {k: encode(v) for k, v in kwargs.items()},
      "jax_kwargs": case.jax_kwargs,
      "grad_args": list(case.grad_args),
      **({"transforms": case.transforms} if case.transforms else {}),
      "results": results,
  }


def main(names: list[str]) -> None:
  import torch

  if not torch.__version__.startswith(TORCH_VERSION):
    raise SystemExit(f"fixtures must come from torch=={TORCH_VERSION}, found {torch.__version__}")
  torch.use_deterministic_algorithms(True)
  OUT_DIR.mkdir(parents=True, exist_ok=True)
  for loss in names or list(CASES):
    cases = []
    for i, case in enumerate(CASES[loss]):
      for dtype in case.dtypes:
        cases.append(make_case(loss, case, dtype, seed=1000 + i))
    doc = {"loss": loss, "torch_version": torch.__version__,
           "generator": "tests/generate_fixtures.py", "cases": cases}
    path = OUT_DIR / f"{loss}.json"
    path.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"{loss}: {len(cases)} cases -> {path.relative_to(ROOT)}")


if __name__ == "__main__":
  main(sys.argv[1:])
