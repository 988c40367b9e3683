"""The bounds every import works within, so a hostile upload cannot exhaust the machine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Upper bounds for one import. Defaults suit real referrals with a wide margin."""

    max_document_bytes: int = 20 * 1024 * 1024  # one XML document (CyberTip reports are KBs)
    max_json_bytes: int = 200 * 1024 * 1024  # one VICS export (they can be large)
    max_csv_bytes: int = 200 * 1024 * 1024
    max_depth: int = 64  # the CyberTipline schema nests about 6 deep
    max_text_chars: int = 100_000  # one text node; the schema caps free text at 3,000
    max_elements: int = 200_000  # elements in one document
    max_members: int = 100_000  # files in one zip archive or directory
    max_total_bytes: int = 2 * 1024 * 1024 * 1024  # uncompressed size of a whole batch
    max_ratio: int = 200  # uncompressed/compressed size of a zip member (zip bombs)
    max_upload_bytes: int = 100 * 1024 * 1024  # one HTTP upload


DEFAULT_LIMITS = Limits()
