"""python -m lossjax: list, verify, exit codes."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from lossjax import REGISTRY
from lossjax import __main__ as cli
from lossjax import _fixtures as fx

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _run(*args):
  env = {**os.environ, "PYTHONPATH": str(ROOT)}
  return subprocess.run([sys.executable, "-m", "lossjax", *args], env=env, capture_output=True,
                        text=True, timeout=600)


def test_help_explains_the_commands():
  proc = _run("--help")
  assert proc.returncode == 0
  assert "verify" in proc.stdout and "list" in proc.stdout


def test_list_shows_the_catalogue_with_torch_twins(capsys):
  assert cli.main(["list", "--family", "regression"]) == 0
  out = capsys.readouterr().out
  assert "mse_loss" in out and "torch.nn.MSELoss" in out and "cross_entropy" not in out


def test_verify_default_command_passes_and_closes_with_the_parity_line():
  proc = _run("--loss", "mse_loss", "--loss", "kl_div")
  assert proc.returncode == 0, proc.stdout + proc.stderr
  n = len(fx.load("mse_loss")["cases"]) + len(fx.load("kl_div")["cases"])
  assert proc.stdout.strip().splitlines()[-1] == f"parity: {n} passed, 0 failed"


def test_verify_exits_1_when_a_fixture_disagrees(tmp_path, monkeypatch, capsys):
  # A fixture whose recorded torch value was altered must be reported as failed.
  doc = fx.load("l1_loss")
  case = doc["cases"][0]
  value = case["results"]["sum"]["value"]
  value["data"] = (np.asarray(value["data"]) + 1.0).tolist()
  doc["cases"] = [case]
  (tmp_path / "l1_loss.json").write_text(json.dumps(doc))
  monkeypatch.setattr(fx, "fixture_dir", lambda: tmp_path)
  assert cli.main(["verify", "--loss", "l1_loss"]) == 1
  assert capsys.readouterr().out.strip().endswith("parity: 0 passed, 1 failed")


def test_thorough_compiles_with_xla_defaults(monkeypatch):
  seen = []
  real = fx.verify_case
  monkeypatch.setattr(fx, "verify_case", lambda fn, case, **kw: seen.append(kw) or real(
      fn, case, **kw))
  assert cli.main(["verify", "--thorough", "--loss", "l1_loss", "--dtype", "float32"]) == 0
  assert cli.main(["verify", "--loss", "l1_loss", "--dtype", "float32"]) == 0
  n = len([c for c in fx.load("l1_loss")["cases"] if c["dtype"] == "float32"])
  assert seen == [{"thorough": True}] * n + [{"thorough": False}] * n


def test_unknown_loss_is_an_error(capsys):
  assert cli.main(["verify", "--loss", "no_such_loss"]) == 2
  assert cli.main(["verify", "--loss", "cross_entropyy"]) == 2
  assert "did you mean cross_entropy?" in capsys.readouterr().err
  with pytest.raises(SystemExit):
    cli.main(["list", "--bogus"])


def test_list_and_verify_speak_json(capsys):
  assert cli.main(["list", "--json", "--family", "probabilistic"]) == 0
  listed = json.loads(capsys.readouterr().out)
  want = {s.name for s in REGISTRY.values() if s.family == "probabilistic"}
  assert {d["name"] for d in listed} == want and "kl_div" in want
  assert cli.main(["verify", "--json", "--loss", "l1_loss", "--dtype", "float32"]) == 0
  report = json.loads(capsys.readouterr().out)
  assert report["failed"] == 0 and report["passed"] == report["losses"][0]["cases"] > 0


def test_bench_runs_a_small_side_by_side(capsys):
  assert cli.main(["bench", "--scale", "10", "--repeats", "1", "--json"]) == 0
  out = json.loads(capsys.readouterr().out)
  libraries = {r["library"] for r in out["results"]}
  assert {"lossjax", "optax"} <= libraries
  assert {r["mode"] for r in out["results"]} == {"forward", "value_and_grad"}
  assert out["probes"]["read GB/s"] > 0


def test_a_mistyped_command_says_invalid_choice_with_the_commands():
  proc = _run("lst")
  assert proc.returncode == 2
  assert "invalid choice: 'lst'" in proc.stderr and "'list'" in proc.stderr


def test_list_groups_each_family_once_with_options_and_nn_class(capsys):
  assert cli.main(["list"]) == 0
  out = capsys.readouterr().out
  headers = [line for line in out.splitlines() if line and not line.startswith(" ")
             and line.endswith(":")]
  assert len(headers) == len(set(headers)), headers  # embedding used to appear twice
  assert "nn.CrossEntropyLoss" in out and "options: weight, ignore_index" in out


def test_verify_says_what_it_checked_its_coverage_and_tolerances(capsys):
  assert cli.main(["verify", "--loss", "l1_loss", "--dtype", "float32"]) == 0
  captured = capsys.readouterr()
  out = captured.out
  assert "lossjax 0.1.0 at" in out and "float64 rtol 1e-10" in out
  # One loss: no coverage preamble; float64 was not checked (a dash, not a fake 0); the
  # float32 column is the share of the tolerance used, at most 1 on a pass.
  assert "losses have PyTorch fixtures" not in out
  row = next(line for line in out.splitlines() if line.startswith("l1_loss"))
  f64, f32 = row.split()[3:5]
  assert f64 == "-" and 0.0 <= float(f32) <= 1.0, row
  assert "[1/1] l1_loss" in captured.err  # the counter, on stderr
  without = [s.name for s in REGISTRY.values() if s.name not in fx.available()]
  assert cli.main(["verify", "--json", "--loss", "l1_loss", "--dtype", "float32"]) == 0
  captured = capsys.readouterr()
  report = json.loads(captured.out)
  assert set(report["coverage"]["without_fixtures"]) == set(without)
  assert "[1/1] l1_loss" in captured.err  # progress, off stdout


def test_verify_prints_no_runtime_warning_for_infinite_fixtures():
  proc = _run("--loss", "ctc_loss", "--dtype", "float32")
  assert proc.returncode == 0 and "RuntimeWarning" not in proc.stdout + proc.stderr


def test_migrate_prints_the_lossjax_call_for_an_optax_or_keras_name(capsys):
  from lossjax import _migration

  assert cli.main(["migrate", "keras.losses.Huber"]) == 0
  out = capsys.readouterr().out
  row = _migration.find("keras.losses.Huber")[0]
  assert row.theirs in out and row.ours in out and "inputs:  preds (6, 4)" in out
  # Part of a name finds every row that contains it, in either library.
  assert cli.main(["migrate", "hinge"]) == 0
  out = capsys.readouterr().out
  assert "optax.losses.hinge_loss" in out and "keras.losses.SquaredHinge" in out


def test_migrate_an_unknown_name_exits_1_with_a_suggestion(capsys):
  assert cli.main(["migrate", "Hubr"]) == 1
  err = capsys.readouterr().err
  assert "no optax or Keras loss matches 'Hubr'" in err and "keras.losses.Huber" in err
  assert cli.main(["migrate", "--json", "sparsemax"]) == 0
  rows = json.loads(capsys.readouterr().out)
  assert {r["name"] for r in rows} >= {"optax.losses.sparsemax_loss"}
  assert all(r["ours"].startswith("lj.") or "lj." in r["ours"] for r in rows)


def test_a_directory_shadowing_the_package_is_named_not_an_attribute_error(monkeypatch, capsys):
  # From the parent of a clone named lossjax (editable install), `import lossjax` finds the
  # clone as a namespace package: no __file__, no losses. Say so instead of crashing later.
  import types

  shadow = types.ModuleType("lossjax")
  shadow.__path__ = ["/somewhere/lossjax"]
  monkeypatch.setitem(sys.modules, "lossjax", shadow)
  assert cli.main(["bench"]) == 2
  err = capsys.readouterr().err
  assert "found the directory /somewhere/lossjax, not the package" in err
  assert "Run from another directory" in err
