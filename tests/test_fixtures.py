"""Parity with PyTorch: every shipped fixture case, values and gradients.

The fixtures were written by tests/generate_fixtures.py running torch 2.13.0;
the comparison is lossjax._fixtures.verify_case, the same code that
`python -m lossjax verify` runs. Tolerances: lossjax._fixtures.TOLERANCES
(float64 rtol 1e-10, float32 rtol 1e-5).
"""

from __future__ import annotations

import pytest

import lossjax as lj
from lossjax import _fixtures as fx

CASES = [(name, i) for name in fx.available() for i in range(len(fx.load(name)["cases"]))]
# README's run checks the float64 cases; the float32 twins of the same cases run with the slow
# tests (CI runs both).
PARAMS = [pytest.param(name, i, id=f"{name}-{i}",
                       marks=pytest.mark.slow if fx.load(name)["cases"][i]["dtype"] == "float32"
                       else ())
          for name, i in CASES]


@pytest.mark.parametrize(("name", "index"), PARAMS)
def test_fixture_case_matches_pytorch(name, index):
  case = fx.load(name)["cases"][index]
  failed = [c for c in fx.verify_case(lj.REGISTRY[name].fn, case) if not c.ok]
  assert not failed, "\n".join(map(str, failed))


def test_every_torch_twin_has_fixtures_for_every_reduction():
  for spec in lj.REGISTRY.values():
    if not spec.torch:
      continue
    assert spec.name in fx.available(), f"{spec.name} has no PyTorch fixtures"
    doc = fx.load(spec.name)
    assert doc["torch_version"].startswith("2.13.0")
    covered = {r for case in doc["cases"] for r in case["results"]}
    assert covered == set(spec.reductions), spec.name
    assert {c["dtype"] for c in doc["cases"]} == {"float32", "float64"}


def test_every_fixture_belongs_to_a_registered_loss():
  assert set(fx.available()) <= set(lj.REGISTRY)
