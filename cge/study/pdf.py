"""The study's report as a PDF: the HTML report printed by a headless Chromium.

Printing the HTML itself keeps the PDF's figures and tables the HTML's, one for one (a second
layout, in LaTeX or matplotlib, could drift from it). Chromium embeds the fonts it draws with,
text of the SVG figures included, as TrueType (CIDFontType2) subsets, never Type 3. The page
layout (A4 landscape, each language from a new page, table headers repeated on every page) is
the ``@media print`` part of the report's style sheet.

Chromium is Debian's ``chromium`` package (``apt-get install chromium``); without it no PDF is
written and :func:`write_pdf` says so.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from cge.errors import CGEError
from cge.outputs import atomic_path

#: names of a Chromium executable, in the order tried
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: seconds a print may take (the flagship's report prints in a few seconds)
TIMEOUT = 300


def find_browser() -> str | None:
    """The path of a Chromium executable on PATH, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def write_pdf(html: str | Path, pdf: str | Path, browser: str | None = None) -> Path:
    """Print ``html`` to ``pdf`` (atomically) with headless Chromium; raises
    :class:`CGEError` when there is no browser or the print fails, with its messages."""
    browser = browser or find_browser()
    if browser is None:
        raise CGEError("no PDF report: Chromium is not installed (Debian: apt-get install "
                       f"chromium; looked for {', '.join(BROWSERS)} on PATH)")
    html, pdf = Path(html).resolve(), Path(pdf)
    # a profile of its own: two prints at once would otherwise share (and lock) one
    with tempfile.TemporaryDirectory(prefix="cge-chromium-") as profile, \
            atomic_path(pdf) as tmp:
        done = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             f"--user-data-dir={profile}", "--no-pdf-header-footer",
             f"--print-to-pdf={Path(tmp).resolve()}", html.as_uri()],
            capture_output=True, text=True, timeout=TIMEOUT, check=False)
        if done.returncode != 0 or not Path(tmp).is_file() or Path(tmp).stat().st_size == 0:
            errors = [ln for ln in done.stderr.splitlines() if "dbus" not in ln.lower()]
            raise CGEError(f"no PDF report: {browser} could not print {html} "
                           f"(exit {done.returncode}): " + "\n".join(errors[-10:]))
    return pdf
