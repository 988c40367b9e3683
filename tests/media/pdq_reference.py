"""The reference PDQ for agreement tests: Pillow full decode + ``pdqhash`` (the C++ code).

This is what pytx's ``pdq_from_file`` does, with one deliberate difference: pytx passes
``np.asarray(image)`` straight to ``pdqhash``, which for palette ("P") images hashes the
palette *indices* and for CMYK hashes C, M, Y as if they were R, G, B. We convert every
mode other than RGB, RGBA and L to RGB first, which is what those pixels look like.
"""

from __future__ import annotations

import io

import numpy as np
import pdqhash
from PIL import Image


def bits_to_hex(bits: np.ndarray) -> str:
    """``pdqhash``'s bit vector (most significant first) -> 64 hex digits."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def rgb_array(img: Image.Image) -> np.ndarray:
    """Pillow image -> uint8 (rows, cols, 3 or 4) as fed to ``pdqhash``."""
    if img.mode not in ("RGB", "RGBA", "L"):
        img = img.convert("RGB")
    arr = np.asarray(img)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    return np.ascontiguousarray(arr)


def reference_pdq_rgb(rgb: np.ndarray) -> tuple[str, int]:
    """Reference hash of decoded pixels."""
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    return bits_to_hex(bits), int(quality)


def reference_pdq_bytes(data: bytes) -> tuple[str, int]:
    """Reference hash of an encoded image (full decode, no EXIF rotation)."""
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        return reference_pdq_rgb(rgb_array(img))


def reference_dihedral_rgb(rgb: np.ndarray) -> tuple[list[str], int]:
    """Reference 8 dihedral hashes (pdqhash order) of decoded pixels."""
    vectors, quality = pdqhash.compute_dihedral(np.ascontiguousarray(rgb))
    return [bits_to_hex(v) for v in vectors], int(quality)
