"""optax's and Keras's own loss tests (in the installed wheels) through the rows.

Each optax loss a migration row names is replaced by that row's lossjax call
(tests/peer_suites.py); a call no row covers is counted as not covered, never as a pass.
Every covered test must pass, except the ones below, each of which tests something other
than a loss's value or is a deliberate difference its row documents. The not-covered count
may only fall (60 at optax 0.2.8 when this test was first written, 4 of 184 now: the
forward probabilities of ctc_loss_with_forward_probs, the make_fenchel_young_loss factory and
smooth_labels, a label transform: each a row's lossjax call cannot be).

Keras 3.15.1's `keras/src/losses/losses_test.py` runs with each Keras Loss class replaced by
lossjax.keras's class of its name (Keras's Loss base around lossjax's values); a class it lacks
would be counted as not covered. Its failures are listed below with the reason for each, so that
none is added unnoticed (167 tests, 160 pass, 0 not covered when this was written).
"""

from __future__ import annotations

import collections
import importlib.util
import json
import pathlib
import subprocess
import sys

import pytest

#: Covered tests that fail, and why each is not a lossjax bug.
EXPECTED_FAILURES = {
    "GeneralizedKLDivergenceTest.test_deprecated_alias":
        "checks that optax's deprecated alias warns; not a loss value",
    "SafeSoftmaxCrossEntropyTest.test_batched":
        "a positive target on a -inf logit: optax inf, lossjax the float32 maximum (the "
        "safe_softmax_cross_entropy row documents this deliberate difference)",
    "DiceLossTest.test_probability_validation":
        "checks that optax raises for apply_softmax=False probabilities that do not sum to 1; "
        "lossjax's multilabel dice takes any probabilities (its values agree where they do)",
}
MAX_NOT_COVERED = 4


#: Keras's tests that fail against lossjax.keras, and why none is a wrong loss value.
KERAS_KNOWN_FAILURES = {
    "SparseCategoricalCrossentropyTest.test_squeezes_singleton_class_dim_on_user_axis":
        "calls Keras's own function, which fails on its JAX backend",
    "BinaryCrossentropyTest.test_shape_mismatch": "checks Keras's error message; not a value",
    "CategoricalCrossentropyTest.test_shape_mismatch": "checks Keras's error message; not a value",
    "CosineSimilarityTest.test_config":
        "Keras's config omits `axis` (a saved CosineSimilarity(axis=2) reloads with axis=-1); "
        "lossjax.keras's keeps it",
    "HuberLossTest.test_config":
        "Keras's config omits `delta` (a saved Huber(delta=2.0) reloads with delta=1.0); "
        "lossjax.keras's keeps it",
    "SparseCategoricalCrossentropyTest.test_binary_segmentation_different_axis":
        "expects Keras's JAX backend to reject a class axis other than the last; lossjax.keras "
        "computes it (Keras's torch backend gives the same 0.0)",
    "SparseCategoricalCrossentropyTest.test_multi_class_segmentation_different_axis":
        "as test_binary_segmentation_different_axis",
}
KERAS_MAX_NOT_COVERED = 0


def _outcomes(peer):
  # A fresh process: the peers' tests expect JAX's defaults, which conftest makes strict.
  proc = subprocess.run([sys.executable, "-m", "tests.peer_suites", peer], capture_output=True,
                        text=True, cwd=pathlib.Path(__file__).resolve().parent.parent,
                        check=False, timeout=900)
  assert proc.returncode == 0, proc.stderr[-3000:]
  outcomes = json.loads(proc.stdout.strip().splitlines()[-1])
  failed = {o["test"].split(".", 1)[1]: o["detail"] for o in outcomes if o["kind"] == "fail"}
  return collections.Counter(o["kind"] for o in outcomes), failed


@pytest.mark.slow
def test_optax_loss_suite_passes_through_the_migration_rows():
  optax = pytest.importorskip("optax")
  counts, failed = _outcomes("optax")
  print(f"optax {optax.__version__} loss tests through lossjax rows: {dict(counts)}")
  assert set(failed) == set(EXPECTED_FAILURES), failed
  assert counts["pass"] > 0 and counts["not covered"] <= MAX_NOT_COVERED, counts


@pytest.mark.slow
def test_keras_loss_suite_passes_against_lossjax_keras():
  if importlib.util.find_spec("keras") is None:  # imported in the subprocess, on JAX
    pytest.skip("keras is not installed")
  counts, failed = _outcomes("keras")
  print(f"Keras loss tests against lossjax.keras: {dict(counts)}")
  assert set(failed) == set(KERAS_KNOWN_FAILURES), failed
  assert counts["pass"] > 0 and counts["not covered"] <= KERAS_MAX_NOT_COVERED, counts
