"""README.md stays true: its catalogue table, its test command, its code."""

from __future__ import annotations

import os
import pathlib
import re
import shlex
import subprocess
import sys

import pytest

from lossjax import _registry

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_catalogue_table_matches_the_registry():
  start, end = "<!-- catalogue:start -->", "<!-- catalogue:end -->"
  table = README[README.index(start) + len(start): README.index(end)].strip()
  assert table == _registry.markdown_table(), (
      "README's catalogue is stale: paste `python -m lossjax list --markdown` between the markers"
  )


def _bash_blocks():
  return re.findall(r"```bash\n(.*?)```", README, re.S)


def test_ci_runs_exactly_the_readme_test_command():
  test_command = next(b.strip() for b in _bash_blocks() if "pytest" in b)
  ci = (ROOT / ".ci" / "run").read_text().splitlines()
  assert test_command in ci, f"{test_command!r} is not a line of .ci/run"


def test_readme_python_examples_run():
  # In a fresh interpreter: the README is what users run, with JAX's default
  # configuration (not this suite's strict promotion settings). One interpreter for all the
  # blocks (one JAX start-up), each block in a namespace of its own, as a reader runs them.
  env = {**os.environ, "PYTHONPATH": str(ROOT)}
  blocks = re.findall(r"```python\n(.*?)```", README, re.S)
  script = "\n".join(f"print('block {i}', flush=True); exec(compile({b!r}, 'README block {i}', "
                     "'exec'), {'__name__': '__main__'})" for i, b in enumerate(blocks))
  proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                        text=True, timeout=600)
  assert proc.returncode == 0, proc.stdout[-500:] + proc.stderr[-2000:]


@pytest.mark.slow
def test_readme_examples_run_with_exactly_what_readme_installs(tmp_path):
  """A fresh virtual environment with README's quick-start install line and nothing else; the
  code blocks run from outside the source tree, so the installed package is what they use."""
  install = next(b.strip() for b in _bash_blocks() if "[examples]" in b)
  pip_args = shlex.split(install.split("pip install", 1)[1])
  venv = tmp_path / "venv"
  subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
  python = venv / "bin" / "python"
  proc = subprocess.run([str(python), "-m", "pip", "install", "-q", *pip_args], cwd=ROOT,
                        capture_output=True, text=True, timeout=1200)
  assert proc.returncode == 0, proc.stderr[-2000:]
  for block in re.findall(r"```python\n(.*?)```", README, re.S):
    proc = subprocess.run([str(python), "-c", block], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
