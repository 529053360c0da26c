"""Builds and executes the notebooks, so they are committed with their outputs.

    python notebooks/build.py [name ...]

Each notebook is written in notebooks/src/<name>.py as a list of cells (``CELLS``,
(kind, source) pairs), then executed with nbclient
in a fresh kernel and saved with its outputs (plots included). The test suite
(tests/test_notebooks.py) executes the committed notebooks again, so a
notebook that breaks fails CI.
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

HERE = pathlib.Path(__file__).resolve().parent


def _cells(name: str) -> list[tuple[str, str]]:
  spec = importlib.util.spec_from_file_location(name, HERE / "src" / f"{name}.py")
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module.CELLS


NOTEBOOKS = sorted(p.stem for p in (HERE / "src").glob("*.py"))


def build(name: str) -> float:
  nb = nbformat.v4.new_notebook()
  nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
  for kind, source in _cells(name):
    source = source.strip("\n")
    nb.cells.append(nbformat.v4.new_markdown_cell(source) if kind == "md"
                    else nbformat.v4.new_code_cell(source))
  start = time.perf_counter()
  NotebookClient(nb, timeout=300, kernel_name="python3",
                 resources={"metadata": {"path": str(HERE)}}).execute()
  seconds = time.perf_counter() - start
  nbformat.write(nb, HERE / f"{name}.ipynb")
  return seconds


if __name__ == "__main__":
  for name in sys.argv[1:] or NOTEBOOKS:
    print(f"{name}: executed in {build(name):.1f} s")
