"""Randomised cases against live PyTorch (skipped when torch is not installed).

Each example draws a fresh seed for one of the generator's case builders and
runs it through the same code path as the fixtures: torchref.torch_result on
the torch side (via generate_fixtures.make_case) and lossjax._fixtures.verify_case
on the lossjax side.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import lossjax as lj  # noqa: E402
from lossjax import _fixtures as fx  # noqa: E402
from tests.generate_fixtures import CASES, make_case  # noqa: E402

#: What a case's reference may import beyond the peers: a missing one of these is a bug, not a
#: peer left uninstalled.
OURS = {"torch", "numpy", "jax", "lossjax", "tests"}


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=4, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_cases_match_live_pytorch(name, data):
  case = data.draw(st.sampled_from(CASES[name]), label="case")
  seed = data.draw(st.integers(0, 2**31 - 1), label="seed")
  dtype = data.draw(st.sampled_from(list(case.dtypes)), label="dtype")
  try:
    built = make_case(name, case, dtype, seed)
  except ModuleNotFoundError as e:  # a peer library the reference runs (MONAI, PML, kornia...)
    if (e.name or "").split(".")[0] in OURS:
      raise
    pytest.skip(f"{name}'s reference runs {e.name}, which is not installed (the fixture "
                "generator's docstring gives the pinned peers)")
  failed = [c for c in fx.verify_case(lj.REGISTRY[name].fn, built) if not c.ok]
  assert not failed, "\n".join(map(str, failed))
