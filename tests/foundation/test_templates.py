"""Templates stay within the Content-Security-Policy: no inline styles, scripts or handlers."""

from __future__ import annotations

import re
from pathlib import Path

import jigsaw

SRC = Path(jigsaw.__file__).parent
FORBIDDEN = [
    (re.compile(r"\sstyle\s*="), "inline style attribute (blocked by style-src 'self')"),
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script> (blocked by script-src 'self')"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"<input[^>]*type=[\"']?file", re.I), "file upload (Jigsaw never takes media files from pages)"),
]
# The one exception: the Most Wanted photo of a wanted adult, uploaded by staff, re-encoded without
# metadata and deleted when the appeal ends (tests/foundation/test_only_the_appeal_photo_keeps_an_image.py).
FILE_UPLOAD_PAGES = {Path("appeals/templates/appeals/appeal.html")}


def test_no_template_breaks_the_csp_or_takes_files() -> None:
    problems = []
    for template in SRC.rglob("*.html"):
        text = template.read_text()
        for pattern, why in FORBIDDEN:
            if why.startswith("file upload") and template.relative_to(SRC) in FILE_UPLOAD_PAGES:
                continue
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{template.relative_to(SRC)}:{line}: {why}")
    assert problems == []


def test_api_reference_renders_without_scripts(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "POST /api/v1/reports" in page.text and "ReportIn" in page.text
    assert "<script" not in page.text
