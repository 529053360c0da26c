"""The API reference stays readable: Markdown docstrings, every parameter, one page per family.

The rendered site itself is checked by docs/check_site.py in CI (after `mkdocs build
--strict`); these tests keep the sources right without building it.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import pathlib
import re

import pytest

import lossjax as lj
from lossjax import _registry

ROOT = pathlib.Path(__file__).resolve().parents[1]
SPECS = list(lj.REGISTRY.values())
REST = (":math:`", ".. math::", ":func:`", ":class:`", ":data:`", ":meth:`")


def _documented(doc: str) -> set[str]:
  """Parameter names in a Google-style docstring's Args section."""
  doc = inspect.cleandoc(doc)
  m = re.search(r"^Args:\n(.*?)(?:\n\n|\Z)", doc, re.S | re.M)
  return set(re.findall(r"^  (\w+)(?: \([^)]*\))?:", m.group(1), re.M)) if m else set()


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_every_public_loss_documents_every_parameter_on_itself(spec):
  missing = set(inspect.signature(spec.fn).parameters) - _documented(spec.fn.__doc__)
  assert not missing, f"{spec.name}'s docstring does not document {sorted(missing)}"


def _docstrings():
  for path in sorted((ROOT / "lossjax").glob("*.py")):
    tree = ast.parse(path.read_text())
    for node in [tree, *ast.walk(tree)]:
      if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)):
        doc = ast.get_docstring(node, clean=False)
        if doc:
          yield f"{path.name}:{getattr(node, 'name', '<module>')}", doc


def test_docstrings_are_markdown_with_dollar_math_not_rest():
  bad = [(where, role) for where, doc in _docstrings() for role in REST if role in doc]
  assert not bad, f"reST in docstrings (write $...$ math and `name` references): {bad}"


def test_docstrings_hold_no_control_characters():
  # A LaTeX command written into a non-raw string loses its backslash to an escape: \text
  # becomes a tab, \frac a form feed, \big a backspace, \alpha a bell. The math then renders
  # as broken text while the page still builds.
  bad = [(where, hex(ord(c))) for where, doc in _docstrings() for c in set(doc)
         if ord(c) < 32 and c != "\n"]
  assert not bad, f"control characters in docstrings: {bad}"


def test_every_example_sits_in_an_examples_section():
  # mkdocstrings renders `>>>` lines as highlighted code only inside an Examples: section.
  for where, doc in _docstrings():
    doc = inspect.cleandoc(doc)
    if ">>>" in doc:
      head = doc[: doc.index(">>>")]
      assert re.search(r"^Examples:\n(?:.*\n)*?\s*$", head, re.M), where


def test_every_loss_is_on_its_family_page_and_nowhere_else():
  pages = {p.stem: p.read_text() for p in (ROOT / "docs" / "losses").glob("*.md")}
  assert set(pages) == set(_registry.FAMILIES)
  for spec in SPECS:
    for family, text in pages.items():
      present = f"::: lossjax.{spec.name}\n" in text
      assert present == (family == spec.family), (spec.name, family)


def test_the_site_checker_reports_raw_text(tmp_path):
  spec = importlib.util.spec_from_file_location("check_site", ROOT / "docs" / "check_site.py")
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  (tmp_path / "losses" / "x").mkdir(parents=True)
  (tmp_path / "errors").mkdir()
  (tmp_path / "nn").mkdir()
  for page in ("errors", "nn"):
    (tmp_path / page / "index.html").write_text("<p>fine</p>")
  (tmp_path / "losses" / "x" / "index.html").write_text(
      '<div class="doc doc-object doc-function"><h2 id="lossjax.f">f</h2>'
      "<p>the loss :math:`x^2` and $y$</p><blockquote>&gt;&gt;&gt; f(1)</blockquote></div>")
  problems = "\n".join(module.check(tmp_path))
  for expected in (":math:`", "'$'", "'>>>'", "no rendered example", "no parameter table",
                   "no formula rendered as math"):
    assert expected in problems, (expected, problems)


def test_the_browser_check_fails_a_page_whose_math_did_not_render():
  # CI's docs step runs this self-test and then the built site in headless Chromium with the
  # network off; here it runs where Chromium is installed (Debian's `chromium`).
  spec = importlib.util.spec_from_file_location("check_browser", ROOT / "docs" / "check_browser.py")
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  exe = module.browser()
  if exe is None:
    pytest.skip("no Chromium (apt-get install chromium): CI's docs step installs it")
  assert module.self_test(exe) == []
  # And the static half: a page that still has its TeX source, with no MathJax output.
  found = module.problems('<p><span class="arithmatex">\\(\\ell\\)</span></p>', "page")
  assert any("not rendered" in f for f in found) and any("raw TeX" in f for f in found)
