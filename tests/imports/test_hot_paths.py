"""Guards for the import's hand-written fast paths (they must stay identical to the slow ones)."""

from __future__ import annotations

import dataclasses
import gc

from jigsaw.intake.domain import MediaDraft, _prepare_media


def test_media_draft_fields_match_the_positional_constructors() -> None:
    # intake.domain._prepare_media and cybertip's media join build MediaDraft positionally,
    # in place of dataclasses.replace; a new or reordered field must update both.
    assert [f.name for f in dataclasses.fields(MediaDraft)] == [
        "md5", "sha1", "sha256", "pdq", "filename", "size", "media_type", "uk_category", "vics_category", "series",
        "victim_identified", "annotations", "subject_index"]


def test_prepare_media_equals_replace() -> None:
    media = MediaDraft(md5=" " + "A" * 32 + " ", sha1=None, filename="f.jpg", size=3, media_type="image/jpeg",
                       uk_category=" b ", vics_category=2, series="s", victim_identified=True,
                       annotations={"k": "v"}, subject_index=1)
    problems: list = []
    out = _prepare_media(media, 0, problems)
    assert not problems
    assert out == dataclasses.replace(media, md5="a" * 32, uk_category="B")


def test_run_import_restores_the_gc_threshold() -> None:
    from jigsaw.audit.service import Actor
    from jigsaw.imports.service import ImportOptions, run_import

    before = gc.get_threshold()
    summary = run_import(None, "csv", ImportOptions(1, "x", Actor("t")), [], documents=0)  # type: ignore[arg-type]
    assert summary.imported == 0
    assert gc.get_threshold() == before
