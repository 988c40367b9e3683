"""The bounds every import works within, so a hostile upload cannot exhaust the machine."""

from __future__ import annotations

from dataclasses import dataclass, replace

from jigsaw.formats.safexml import DEFAULT_BOUNDS


@dataclass(frozen=True)
class Limits:
    """Upper bounds for one import. Defaults suit real referrals with a wide margin."""

    max_document_bytes: int = DEFAULT_BOUNDS.max_document_bytes  # one XML document (CyberTip reports are KBs)
    max_json_bytes: int = 200 * 1024 * 1024  # one VICS export (they can be large)
    max_csv_bytes: int = 200 * 1024 * 1024
    max_depth: int = DEFAULT_BOUNDS.max_depth  # the CyberTipline schema nests about 6 deep
    max_text_chars: int = DEFAULT_BOUNDS.max_text_chars  # one text node; the schema caps free text at 3,000
    max_elements: int = DEFAULT_BOUNDS.max_elements  # elements in one document
    max_members: int = 100_000  # files in one zip archive or directory
    max_total_bytes: int = 2 * 1024 * 1024 * 1024  # uncompressed size of a whole batch
    max_ratio: int = 200  # uncompressed/compressed size of a zip member (zip bombs)
    max_upload_bytes: int = 100 * 1024 * 1024  # one HTTP upload


DEFAULT_LIMITS = Limits()

_MIB = 1024 * 1024
HTTP_LIMITS = replace(DEFAULT_LIMITS, max_upload_bytes=32 * _MIB, max_total_bytes=64 * _MIB,
                      max_json_bytes=32 * _MIB, max_csv_bytes=32 * _MIB)
"""Bounds for ``POST /api/v1/imports``: the web server holds a batch while it parses it, so an
upload may expand to 64 MiB (the CLI allows 2 GiB; larger batches go through ``jigsaw import``)."""
