"""Checks the built API reference renders: formulas as math, examples as code, every parameter.

    mkdocs build --strict --site-dir SITE && python docs/check_site.py SITE

Fails (exit 1, one line per problem) when a docstring's reST or Markdown would show as raw
text: a ``:math:``/``:func:`` role or ``.. math::`` directive, a ``$`` formula that the math
extension did not take, a ``>>>`` example outside a code block; or when a loss on its
family's page has no rendered example or no parameter table. Run by .ci/run.
"""

from __future__ import annotations

import html
import pathlib
import re
import sys

RAW = [":math:`", ".. math::", ":func:`", ":class:`", ":data:`", "&gt;&gt;&gt;", "$"]


def _visible_text(page: str) -> str:
  """The page without code, math, scripts and tag attributes: what shows as plain text."""
  page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
  page = re.sub(r"<pre\b.*?</pre>", "", page, flags=re.S)
  page = re.sub(r"<code\b.*?</code>", "", page, flags=re.S)
  page = re.sub(r'<(span|div) class="arithmatex">.*?</\1>', "", page, flags=re.S)
  return re.sub(r"<[^>]+>", " ", page)


def _sections(page: str) -> dict[str, str]:
  """Each documented function's HTML, by its anchor id (lossjax.<name>)."""
  parts = re.split(r'(?=<div class="doc doc-object doc-function">)', page)
  out = {}
  for part in parts:
    m = re.search(r'id="(lossjax\.\w+)"', part)
    if m:
      out[m.group(1)] = part
  return out


def check(site: pathlib.Path) -> list[str]:
  problems = []
  pages = sorted((site / "losses").glob("*/index.html"))
  if not pages:
    return [f"no family pages under {site / 'losses'}"]
  for path in pages + [site / "errors" / "index.html", site / "nn" / "index.html"]:
    page = path.read_text()
    text = html.unescape(_visible_text(page)).replace("&gt;", ">")
    for raw in RAW:
      raw_text = html.unescape(raw)
      for m in re.finditer(re.escape(raw_text), text):
        snippet = " ".join(text[max(0, m.start() - 40): m.end() + 40].split())
        problems.append(f"{path.relative_to(site)}: raw {raw_text!r} in the text: ...{snippet}...")
  for path in pages:
    page = path.read_text()
    sections = _sections(page)
    if not sections:
      problems.append(f"{path.relative_to(site)}: no documented function")
    for name, section in sections.items():
      if 'class="gp">&gt;&gt;&gt;' not in section:
        problems.append(f"{path.relative_to(site)}: {name} has no rendered example")
      if "Parameters:" not in section:
        problems.append(f"{path.relative_to(site)}: {name} has no parameter table")
    if 'class="arithmatex"' not in page:
      problems.append(f"{path.relative_to(site)}: no formula rendered as math")
  return problems


if __name__ == "__main__":
  problems = check(pathlib.Path(sys.argv[1]))
  print("\n".join(problems) or "site check: every formula is math, every example code")
  sys.exit(1 if problems else 0)
