"""Looks at the built docs in a real browser with no network: every formula must render.

    mkdocs build --strict --site-dir SITE && python docs/check_browser.py SITE
    python docs/check_browser.py --self-test     # the check fails on a page without math

`check_site.py` reads the HTML; this opens each page that has math in headless Chromium
(Debian's `chromium`), with every host name unresolvable so nothing can load from the network,
lets MathJax run, and reads the rendered DOM. A page fails when a formula was not typeset (an
``arithmatex`` element without MathJax's output inside), when MathJax reports an error, or when
raw TeX (``\\(``, ``\\[``, ``\\frac``...) is left in the visible text. Run by .ci/run's docs
step; only that step installs Chromium.
"""

from __future__ import annotations

import html
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
RAW_TEX = re.compile(r"\\[()\[\]]|\\(frac|sum|log|ell|mathrm|text|alpha|beta|sigma)\b")


def browser() -> str | None:
  return next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)


def render(page: pathlib.Path, exe: str) -> str:
  """The DOM of `page` after its scripts ran, with the network unreachable."""
  with tempfile.TemporaryDirectory() as profile:
    proc = subprocess.run(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND",
         "--allow-file-access-from-files", "--virtual-time-budget=20000", "--dump-dom",
         page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120)
  return proc.stdout


def problems(dom: str, name: str) -> list[str]:
  out = []
  formulas = re.findall(r'<(span|div) class="arithmatex">(.*?)</\1>', dom, flags=re.S)
  if not dom.strip():
    return [f"{name}: the browser returned no page"]
  bare = [body for _, body in formulas if "<mjx-container" not in body]
  if bare:
    out.append(f"{name}: {len(bare)} of {len(formulas)} formulas not rendered, e.g. "
               f"{html.unescape(re.sub(r'<[^>]+>', '', bare[0]))[:80]!r}")
  if "<mjx-merror" in dom or "data-mjx-error" in dom:
    out.append(f"{name}: MathJax reported an error in a formula")
  text = re.sub(r"<(script|style|pre|code|mjx-container)\b.*?</\1>", "", dom, flags=re.S)
  text = html.unescape(re.sub(r"<[^>]+>", " ", text))
  raw = RAW_TEX.search(text)
  if raw:
    out.append(f"{name}: raw TeX in the visible text: "
               f"{text[max(0, raw.start() - 30):raw.end() + 30]!r}")
  return out


def check(site: pathlib.Path, exe: str) -> tuple[list[str], int]:
  pages = [p for p in sorted(site.rglob("*.html")) if 'class="arithmatex"' in p.read_text()]
  found = []
  for p in pages:
    found += problems(render(p, exe), str(p.relative_to(site)))
  return found, len(pages)


def self_test(exe: str) -> list[str]:
  """The check must pass a page MathJax renders and fail the same page without MathJax."""
  here = pathlib.Path(__file__).resolve().parent
  body = ('<p>Loss <span class="arithmatex">\\(\\ell = -\\log p_y\\)</span></p>'
          '<div class="arithmatex">\\[\\frac{1}{N}\\sum_i \\ell_i\\]</div>')
  scripts = "".join(f'<script src="{(here / "javascripts" / s).as_uri()}"></script>'
                    for s in ("mathjax.js", "vendor/mathjax-3.2.2/tex-svg.js"))
  out = []
  with tempfile.TemporaryDirectory() as tmp:
    good, bad = pathlib.Path(tmp, "good.html"), pathlib.Path(tmp, "bad.html")
    good.write_text(f"<html><head>{scripts}</head><body>{body}</body></html>")
    bad.write_text(f"<html><head></head><body>{body}</body></html>")
    if problems(render(good, exe), "good"):
      out.append(f"self-test: a page with MathJax failed: {problems(render(good, exe), 'good')}")
    if not problems(render(bad, exe), "bad"):
      out.append("self-test: a page whose math did not render passed the check")
  return out


def main(argv: list[str]) -> int:
  exe = browser()
  if exe is None:
    print("check_browser: no Chromium found (apt-get install chromium)", file=sys.stderr)
    return 2
  if argv == ["--self-test"]:
    found = self_test(exe)
    print("\n".join(found) or "check_browser self-test: a rendered page passes, an unrendered "
          "one fails")
    return 1 if found else 0
  found, n = check(pathlib.Path(argv[0]), exe)
  print("\n".join(found) or f"check_browser: {n} pages with math, every formula rendered "
        "offline in Chromium")
  return 1 if found else 0


if __name__ == "__main__":
  sys.exit(main(sys.argv[1:]))
