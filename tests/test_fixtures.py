"""Parity with PyTorch: every shipped fixture case, values and gradients.

The fixtures were written by tests/generate_fixtures.py running torch 2.13.0;
the comparison is lossjax._fixtures.verify_case, the same code that
`python -m lossjax verify` runs (thorough=True: its --thorough mode). Tolerances:
lossjax._fixtures.TOLERANCES (float64 rtol 1e-10, float32 rtol 1e-5).
"""

from __future__ import annotations

import pytest

import lossjax as lj
from lossjax import _fixtures as fx

NAMES = fx.available()


@pytest.mark.parametrize("name", NAMES)
def test_fixture_cases_match_pytorch(name):
  """Every case of a loss, both dtypes, as `python -m lossjax` checks them."""
  fn = lj.REGISTRY[name].fn
  failed = [c for case in fx.load(name)["cases"] for c in fx.verify_case(fn, case) if not c.ok]
  assert not failed, "\n".join(map(str, failed))


# `--thorough`: XLA's default compile options (what a user's jit compiles), in CI's slow stage.
@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_fixture_cases_match_pytorch_thorough(name):
  fn = lj.REGISTRY[name].fn
  failed = [c for case in fx.load(name)["cases"]
            for c in fx.verify_case(fn, case, thorough=True) if not c.ok]
  assert not failed, "\n".join(map(str, failed))


def test_fast_compile_options_apply_on_cpu_only_and_are_known_to_xla():
  """XLA rejects an unknown option by name; on CPU the check compiles with them."""
  import jax

  lowered = jax.jit(lambda x: x * 2).trace(1.0).lower()
  if jax.devices()[0].platform == "cpu":
    assert float(lowered.compile(fx.FAST_CPU_OPTIONS)(3.0)) == 6.0
  with pytest.raises(Exception, match="xla_no_such_option"):
    lowered.compile({"xla_no_such_option": 1})


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
