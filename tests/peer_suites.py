"""Peers' own loss tests, run with each peer function replaced by its migration row.

The issue behind this: a migration row claims "switch without changing a number". The peers'
own test files (shipped in their wheels) are the calls their users make, so each is run with
the peer's loss functions replaced by adapters built from the rows (lossjax/_migration.py):

* a row is an adapter when its peer call is ``NAME(input, ..., option=literal | input, ...)``
  and its lossjax call reads only those inputs: a call binds to the peer's own signature, and the
  row applies when every argument the call passes is one of the row's inputs or equals the
  row's literal (or the peer's default, where the row leaves it out);
* a call no row applies to raises `NotCoveredError`, and the test is counted as not covered,
  never as a pass; a row whose lossjax call rejects the inputs (a ValueError: shapes of another
  row) passes the call to the next row that applies, and the first error is raised if none
  computes it.

Keras's tests exercise its Loss objects (sample_weight, reduction names, dtype, get_config), so
each Keras Loss class is replaced by lossjax.keras's class of its name instead.

`run_suite` runs one test module (absltest/unittest) and returns each test's outcome.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import importlib.util
import inspect
import pathlib
import sys
import unittest
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import lossjax as lj
from lossjax import _migration


class NotCoveredError(Exception):
  """A peer call that no migration row covers."""


@dataclasses.dataclass(frozen=True)
class _Pattern:
  row: _migration.Row
  inputs: tuple[str, ...]  # the peer call's positional inputs, by the row's names
  literals: dict[str, Any]  # keyword=literal in the peer call
  keyword_inputs: dict[str, str]  # keyword=input name in the peer call
  # each array keyword input's rank minus the first input's, in the row's example: optax's
  # `where` of the logits' rank masks classes, one rank less masks examples (two rows)
  keyword_ranks: dict[str, int]


def _pattern(row: _migration.Row) -> _Pattern | None:
  """The row's peer call as a pattern; None where it is not a plain call of the name."""
  tree = ast.parse(row.theirs, mode="eval").body
  if not isinstance(tree, ast.Call) or ast.unparse(tree.func) != row.name:
    return None  # e.g. `...(...)[0]`, or a Keras object's call
  if not all(isinstance(a, ast.Name) for a in tree.args):
    return None
  literals, keyword_inputs = {}, {}
  for kw in tree.keywords:
    if isinstance(kw.value, ast.Name) and kw.value.id != "None":
      keyword_inputs[kw.arg] = kw.value.id
    elif isinstance(kw.value, ast.Attribute):  # a function as an option: reduce_fn=jnp.sum
      literals[kw.arg] = eval(ast.unparse(kw.value), _namespace())  # noqa: S307 - our table
    else:
      try:
        literals[kw.arg] = ast.literal_eval(kw.value)
      except ValueError:
        return None
  inputs = tuple(a.id for a in tree.args)
  if not _reads_only(row, set(inputs) | set(keyword_inputs.values())):
    return None  # the lossjax call reads an input the peer call does not pass
  example = _migration.INPUTS[row.inputs](np.random.default_rng(0))
  ranks = {k: np.ndim(example[n]) - np.ndim(example[inputs[0]])
           for k, n in keyword_inputs.items() if np.ndim(example[n])}  # arrays, not options
  return _Pattern(row, inputs, literals, keyword_inputs, ranks)


def _namespace() -> dict[str, Any]:
  return {"lj": lj, "jax": jax, "jnp": jnp, "np": np}


def _reads_only(row: _migration.Row, inputs: set[str]) -> bool:
  """Whether the row's lossjax call reads no name but `inputs` (and the modules and builtins)."""
  tree = ast.parse(row.ours, mode="eval")
  ours = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
  bound = {a.arg for n in ast.walk(tree) if isinstance(n, ast.Lambda) for a in n.args.args}
  bound |= {n.target.id for n in ast.walk(tree) if isinstance(n, ast.NamedExpr)}
  return ours - bound - set(_namespace()) - set(dir(builtins)) <= inputs


def _same(a: Any, b: Any) -> bool:
  try:
    return bool(np.all(np.asarray(a) == np.asarray(b))) and np.shape(a) == np.shape(b)
  except Exception:  # noqa: BLE001 - not comparable: not the same
    return False


def adapter(name: str, original: Callable[..., Any], rows: list[_migration.Row]):
  """``original``'s signature, computed by the first row that applies to a call."""
  patterns = [p for p in map(_pattern, rows) if p is not None]
  signature = inspect.signature(original)
  params = list(signature.parameters)

  def call(*args, **kwargs):
    bound = signature.bind(*args, **kwargs)
    given = dict(bound.arguments)
    error = None
    for p in patterns:
      names = dict(zip(params, p.inputs))  # peer parameter -> the row's input name
      names.update(p.keyword_inputs)
      if not set(names) <= set(given):
        continue
      ok = True
      for param, value in given.items():
        if param in names:
          continue
        want = p.literals.get(param, signature.parameters[param].default)
        if want is inspect.Parameter.empty or not _same(value, want):
          ok = False
          break
      for param, want in p.literals.items():  # a row's literal the call leaves at default
        if param not in given and not _same(signature.parameters[param].default, want):
          ok = False
      first = given[params[0]]
      if any(np.ndim(given[k]) - np.ndim(first) != r for k, r in p.keyword_ranks.items()):
        ok = False
      if ok:
        namespace = _namespace()
        namespace.update({names[k]: given[k] for k in names})
        try:
          return eval(p.row.ours, namespace)  # noqa: S307 - our own table
        except ValueError as e:  # the inputs' shapes are another row's (optax's dice adds a
          error = error or e     # missing channel axis to either side): try the next
    if error is not None:
      raise error
    shown = {k: (f"array{np.shape(v)}" if hasattr(v, "shape") else v) for k, v in given.items()}
    raise NotCoveredError(f"{name}({shown}): no migration row covers this call")

  call.__name__ = original.__name__
  call.__wrapped__ = original
  return call


@dataclasses.dataclass
class Outcome:
  test: str
  kind: str  # "pass", "fail", "not covered", "skip"
  detail: str = ""


class _Result(unittest.TestResult):
  def __init__(self):
    super().__init__()
    self.outcomes: list[Outcome] = []

  def addSuccess(self, test):  # noqa: N802 - unittest's name
    self.outcomes.append(Outcome(test.id(), "pass"))

  def _bad(self, test, err):
    exc = err[1]
    chain = [exc]
    while chain[-1].__cause__ or chain[-1].__context__:
      chain.append(chain[-1].__cause__ or chain[-1].__context__)
    uncovered = next((e for e in chain if isinstance(e, NotCoveredError)), None)
    if uncovered is not None:
      self.outcomes.append(Outcome(test.id(), "not covered", str(uncovered)))
    elif "NotCoveredError" in str(exc):  # a doctest reports its example's exception as text
      self.outcomes.append(Outcome(test.id(), "not covered", str(exc)[-300:]))
    else:
      self.outcomes.append(Outcome(test.id(), "fail", f"{type(exc).__name__}: {exc}"[:500]))

  addFailure = addError = _bad  # noqa: N815 - unittest's names

  def addSkip(self, test, reason):  # noqa: N802
    self.outcomes.append(Outcome(test.id(), "skip", reason))

  def addSubTest(self, test, subtest, err):  # noqa: N802
    if err is not None:
      self._bad(subtest, err)


def load_module(path, name: str):
  spec = importlib.util.spec_from_file_location(name, path)
  module = importlib.util.module_from_spec(spec)
  sys.modules[name] = module
  spec.loader.exec_module(module)
  return module


def run_suite(module) -> list[Outcome]:
  suite = unittest.TestLoader().loadTestsFromModule(module)
  result = _Result()
  suite.run(result)
  return result.outcomes


def _rows_by_name(rows: list[_migration.Row]):
  """(peer name, its attribute, its rows) for each peer loss the rows name, in table order."""
  by_name: dict[str, list[_migration.Row]] = {}
  for row in rows:
    by_name.setdefault(row.name, []).append(row)
  return [(name, name.rsplit(".", 1)[1], group) for name, group in by_name.items()]


def patch_keras(monkeypatch) -> None:
  """Every Keras Loss class, replaced where Keras's tests reach it by lossjax.keras's class of
  its name: Keras's own Loss base (sample_weight, reductions, dtype, config) around lossjax's
  values. A class lossjax.keras lacks is left as Keras's and its tests counted as not covered."""
  import keras
  from keras.src.losses import losses

  import lossjax.keras as ljk

  for attr, original in vars(losses).items():
    if (isinstance(original, type) and issubclass(original, keras.losses.Loss)
        and attr not in ("Loss", "LossFunctionWrapper")):
      ours = getattr(ljk, attr, None)
      monkeypatch.setattr(losses, attr, ours or _not_covered_class(attr))


def _not_covered_class(attr: str) -> type:
  class Missing:
    def __init__(self, *args, **kwargs):
      raise NotCoveredError(f"keras.losses.{attr}: lossjax.keras has no class of this name")

  return Missing


def keras_test_files() -> list:
  import keras

  return [pathlib.Path(keras.__file__).parent / "src" / "losses" / "losses_test.py"]


def patch_optax(monkeypatch) -> None:
  """Every optax loss a row names, replaced by its adapter wherever optax's tests reach it."""
  import optax

  for name, attr, rows in _rows_by_name(_migration.OPTAX):
    original = getattr(optax.losses, attr)
    fake = adapter(name, original, rows)
    home = sys.modules[original.__module__]
    for module in {optax.losses, home, optax}:
      if getattr(module, attr, None) is original:
        monkeypatch.setattr(module, attr, fake)


def optax_test_files() -> list:
  import optax

  return sorted((pathlib.Path(optax.__file__).parent / "losses").glob("*_test.py"))


def main() -> None:
  """``python -m tests.peer_suites [optax|keras]``: the peer's test outcomes as JSON on stdout.

  Run in a fresh process: the peers' tests expect JAX's defaults (float32, implicit
  promotion), which the test suite's conftest turns strict. Keras runs on its JAX backend.
  """
  import json
  import os

  import pytest

  peer = sys.argv[1] if len(sys.argv) > 1 else "optax"
  patch = pytest.MonkeyPatch()
  if peer == "keras":
    os.environ.setdefault("KERAS_BACKEND", "jax")
    patch_keras(patch)
    files = keras_test_files()
  else:
    patch_optax(patch)
    files = optax_test_files()
  outcomes = []
  for path in files:
    outcomes += run_suite(load_module(path, f"{peer}_{path.stem}"))
  print(json.dumps([dataclasses.asdict(o) for o in outcomes]))


if __name__ == "__main__":
  main()
