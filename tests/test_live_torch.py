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

#: Losses whose reference runs a peer library beside torch (tests/fixture_cases/edges.py).
NEEDS = {"dice_loss": "monai", "jaccard_loss": "monai",
         **{name: "pytorch_metric_learning" for name in (
             "arcface_loss", "cosface_loss", "sphereface_loss", "subcenter_arcface_loss",
             "multi_similarity_loss")},
         "ssim_loss": "kornia", "total_variation_loss": "kornia", "ms_ssim_loss": "pytorch_msssim"}


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=4, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_cases_match_live_pytorch(name, data):
  if name in NEEDS:
    pytest.importorskip(NEEDS[name])
  case = data.draw(st.sampled_from(CASES[name]), label="case")
  seed = data.draw(st.integers(0, 2**31 - 1), label="seed")
  dtype = data.draw(st.sampled_from(["float64", "float32"]), label="dtype")
  built = make_case(name, case, dtype, seed)
  failed = [c for c in fx.verify_case(lj.REGISTRY[name].fn, built) if not c.ok]
  assert not failed, "\n".join(map(str, failed))
