"""Every row of the optax/Keras migration mapping (lossjax/_migration.py) is an equality.

Both sides are run for real: optax, and Keras 3 on the JAX backend with float64
as its float type. Values and gradients (with a random cotangent when the
result is not a scalar) must agree on random inputs.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj
from lossjax import _migration

optax = pytest.importorskip("optax")

# Keras's ops.mean accumulates in float32 even for float64 inputs on the JAX backend
# (keras/src/backend/jax/numpy.py, `mean`: dtypes.result_type(x.dtype, "float32") is float32
# in Keras's own promotion table), so its rows hold to float32's precision.
RTOL = {"optax": 1e-9, "keras": 2e-6}

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def keras():
  keras = pytest.importorskip("keras")
  if keras.backend.backend() != "jax":
    pytest.skip("Keras runs on another backend in this process")
  before = keras.config.floatx()
  keras.config.set_floatx("float64")
  yield keras
  keras.config.set_floatx(before)


def _compiled(code: str, names: list[str], namespace: dict):
  return eval(f"lambda {', '.join(names)}: {code}", namespace)  # noqa: S307 - our own table


def _ids(rows):
  seen: dict[str, int] = {}
  out = []
  for r in rows:
    seen[r.name] = seen.get(r.name, 0) + 1
    out.append(f"{r.name}#{seen[r.name]}")
  return out


# A second seed runs with the slow tests (CI runs both; README's command the first).
@pytest.mark.parametrize("seed", [0, pytest.param(1, marks=pytest.mark.slow)])
@pytest.mark.parametrize("row", _migration.ROWS, ids=_ids(_migration.ROWS))
def test_row_equals_the_other_library(row, seed, request):
  keras = request.getfixturevalue("keras") if row.library == "keras" else None
  inputs = _migration.INPUTS[row.inputs](np.random.default_rng(seed))
  names = list(inputs)
  namespace = {"optax": optax, "keras": keras, "lj": lj, "jax": jax, "jnp": jnp, "np": np}
  # optax's and Keras's own code is not written for strict dtype promotion and rank
  # promotion errors (the suite's settings, which lossjax's side keeps): theirs runs under
  # JAX's defaults.
  their_fn = _compiled(row.theirs, names, namespace)

  def theirs(*a):
    with jax.numpy_dtype_promotion("standard"), jax.numpy_rank_promotion("allow"):
      return their_fn(*a)

  ours = _compiled(row.ours, names, namespace)
  # An axis stays a Python int (static in both libraries); everything else is an array, float
  # hyperparameters included (both libraries take them as arrays).
  args = [v if isinstance(v, int) else jnp.asarray(v) for v in inputs.values()]
  want, got = theirs(*args), ours(*args)
  assert jnp.shape(got) == jnp.shape(want), (row.ours, jnp.shape(got), jnp.shape(want))
  rtol = RTOL[row.library]
  np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=rtol, atol=rtol * 1e-3,
                             err_msg=row.ours)
  # Gradients with respect to the prediction, under a random cotangent (integer predictions,
  # a row about Keras's casting of them, have none).
  i = names.index(row.grad)
  if jnp.issubdtype(args[i].dtype, jnp.integer):
    return
  cot = jnp.asarray(np.random.default_rng(seed + 7).normal(size=jnp.shape(want)))

  def pulled(f):
    return jax.grad(lambda v: jnp.sum(cot * f(*args[:i], v, *args[i + 1:])))(args[i])

  np.testing.assert_allclose(np.asarray(pulled(ours)), np.asarray(pulled(theirs)),
                             rtol=10 * rtol, atol=rtol * 1e-2, err_msg=f"gradient of {row.ours}")


def test_every_optax_loss_has_a_row():
  public = {n for n in dir(optax.losses) if not n.startswith("_")}
  assert len(public) >= 30, sorted(public)  # optax.losses has no __all__: its public names
  mapped = {r.name.removeprefix("optax.losses.") for r in _migration.OPTAX}
  assert public <= mapped, sorted(public - mapped)


def test_every_keras_loss_class_has_a_row(keras):
  import inspect

  classes = {n for n, o in vars(keras.losses).items()
             if inspect.isclass(o) and issubclass(o, keras.losses.Loss) and n != "Loss"}
  mapped = {r.name.removeprefix("keras.losses.") for r in _migration.KERAS}
  assert classes <= mapped, sorted(classes - mapped)


def test_every_row_names_a_real_function_and_a_registered_loss():
  for row in _migration.ROWS:
    assert row.library in ("optax", "keras") and row.name.startswith(row.library + ".losses.")
    assert row.grad in _migration.INPUTS[row.inputs](np.random.default_rng(0)), row
    used = [n for n in lj.REGISTRY if f"lj.{n}(" in row.ours]
    assert used, f"{row.ours} calls no registered loss"


def test_migration_page_is_generated_from_the_rows():
  committed = (ROOT / "docs" / "migration.md").read_text()
  assert committed == _migration.markdown(), "docs/migration.md is stale: python -m lossjax._migration"
