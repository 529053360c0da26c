"""The notebooks run: each committed notebook is executed again in a fresh kernel."""

from __future__ import annotations

import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.slow  # 10 to 50 s each: CI runs them with the slow tests
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_and_was_committed_with_outputs(path):
  committed = nbformat.read(path, as_version=4)
  nb = nbformat.read(path, as_version=4)
  # 300 s is a hang guard; the notebooks take under 30 s each.
  NotebookClient(nb, timeout=300, kernel_name="python3",
                 resources={"metadata": {"path": str(path.parent)}}).execute()
  # Every output the notebook makes now (plots included) is in the committed file.
  def kinds(notebook):
    return [sorted({key for o in c.get("outputs", []) for key in o.get("data", {"text": 0})})
            for c in notebook.cells]
  assert kinds(committed) == kinds(nb), f"committed without outputs: run notebooks/build.py {path.stem}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_matches_its_source(path):
  # notebooks/src/<name>.py is what gets edited; the .ipynb must be rebuilt from it.
  source = path.parent / "src" / f"{path.stem}.py"
  namespace: dict = {}
  exec(compile(source.read_text(), str(source), "exec"), namespace)
  expected = [(kind, text.strip("\n")) for kind, text in namespace["CELLS"]]
  committed = nbformat.read(path, as_version=4)
  actual = [("md" if c.cell_type == "markdown" else "code", c.source) for c in committed.cells]
  assert actual == expected, f"{path.name} is stale: run python notebooks/build.py {path.stem}"
