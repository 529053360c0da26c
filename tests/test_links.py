"""Every relative link in README, CONTRIBUTING and the docs resolves, every notebook is linked
from README, and nothing points outside the project (a file only its authors had)."""

from __future__ import annotations

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "BENCHMARKS.md",
         *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _links(page: pathlib.Path) -> list[str]:
  text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)  # code is not a link
  return [m.group(1) for m in LINK.finditer(text)]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_relative_link_resolves_inside_the_project(page):
  broken = []
  for target in _links(page):
    if re.match(r"[a-z]+:", target) or target.startswith("#"):
      continue  # a URL or an anchor on the same page
    path = (page.parent / target.split("#")[0]).resolve()
    if not path.exists() or ROOT not in path.parents and path != ROOT:
      broken.append(target)
  assert not broken, f"{page.name}: links that resolve to nothing in the project: {broken}"


def test_every_notebook_is_linked_from_readme():
  linked = set(_links(ROOT / "README.md"))
  notebooks = {f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")}
  assert notebooks and notebooks <= linked, f"not linked: {sorted(notebooks - linked)}"


def test_the_link_check_sees_a_broken_link(tmp_path):
  page = tmp_path / "page.md"
  page.write_text("[api](docs/api.md) and [code](x.py)\n```\n[not](a link)\n```\n")
  assert _links(page) == ["docs/api.md", "x.py"]
