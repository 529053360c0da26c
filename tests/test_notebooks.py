"""The notebooks run: each committed notebook is executed again in a fresh kernel."""

from __future__ import annotations

import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_and_was_committed_with_outputs(path):
  committed = nbformat.read(path, as_version=4)
  code = [c for c in committed.cells if c.cell_type == "code"]
  assert all(c.get("outputs") for c in code if "print(" in c.source or "plt." in c.source), (
      "committed without outputs: run notebooks/build.py")
  nb = nbformat.read(path, as_version=4)
  # 300 s is a hang guard; the notebooks take a few seconds each.
  NotebookClient(nb, timeout=300, kernel_name="python3",
                 resources={"metadata": {"path": str(path.parent)}}).execute()
