"""Builds and executes the notebooks, so they are committed with their outputs.

    python notebooks/build.py [name ...]

Each notebook is written here as a list of cells, then executed with nbclient
in a fresh kernel and saved with its outputs (plots included). The test suite
(tests/test_notebooks.py) executes the committed notebooks again, so a
notebook that breaks fails CI.
"""

from __future__ import annotations

import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cells import NOTEBOOKS  # noqa: E402


def build(name: str) -> float:
  nb = nbformat.v4.new_notebook()
  nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
  for kind, source in NOTEBOOKS[name]:
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
  for name in sys.argv[1:] or list(NOTEBOOKS):
    print(f"{name}: executed in {build(name):.1f} s")
