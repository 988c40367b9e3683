"""PDQ's 64x64 downsample computed from a JPEG decoded at 1/2, 1/4 or 1/8 scale.

Why this exists: decoding a JPEG at reduced DCT scale is the biggest speed-up available
(libjpeg skips most of the inverse DCT and all chroma work), but running PDQ verbatim on
the small image changes the hash by 5-10 bits on average, because the tent filter and
the decimation grid then act on 8-pixel blocks instead of pixels.

So instead we apply the *full-resolution* reference filter to the small image. The
reference's blur-and-decimate is linear and separable: for each axis it is a 64 x n
matrix ``M = S·B·B`` (B: the box filter with its shrinking edge windows, S: picking the
64 window centres), and the 64x64 result is ``M_rows · luma · M_colsᵀ``. A pixel of the
1/s-scale decode is (close to) the mean of an s x s block, so summing each row of ``M``
over the block's s columns gives weights that reproduce the full-resolution result up to
the variation inside blocks, which the ~2n/64-wide tent averages away only when a block is
small against the tent: fine textures at blocks half the box window were 30-50 bits off,
so :func:`jigsaw.media.image.draft_scale` keeps blocks within a quarter of it. In
tests/media/test_agreement.py the mean distance to the full-decode reference is then under
1 bit. The two passes are banded numba loops that read 8-bit grey pixels through a lookup
table, so the decoded image is never converted to a float copy.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numba import njit

SIDE = 64

__all__ = ["downsample64_scaled", "tent_operator"]


def tent_operator(n: int) -> np.ndarray:
    """The reference's blur (two box passes, window ceil(n/128)) + decimation for one axis.

    Returns a float64 (64, n) matrix ``M`` such that ``M @ line`` equals the reference's
    64 samples of the filtered line (up to rounding).
    """
    full = (n + 2 * SIDE - 1) // (2 * SIDE)
    half = (full + 2) // 2
    left, right = full - half, half - 1
    k = np.arange(n)
    lo = np.maximum(0, k - left)
    hi = np.minimum(n - 1, k + right)
    inv_count = 1.0 / (hi - lo + 1)
    centres = (((np.arange(SIDE) + 0.5) * n) / SIDE).astype(np.int64)
    # First pass, kept at the centres: row c of B.
    first = ((k[None, :] >= lo[centres, None]) & (k[None, :] <= hi[centres, None])) * (
        inv_count[centres, None]
    )
    # Second pass: (first @ B)[:, j] = sum over k in [j - right, j + left] of first[:, k] / count(k).
    cum = np.zeros((SIDE, n + 1))
    np.cumsum(first * inv_count[None, :], axis=1, out=cum[:, 1:])
    upper = np.minimum(n - 1, k + left) + 1
    lower = np.maximum(0, k - right)
    out = cum[:, upper] - cum[:, lower]
    # Exact zeros outside the support (the cumulative sums leave ~1e-17 residue there).
    support_lo = np.maximum(0, centres - 2 * left)[:, None]
    support_hi = np.minimum(n - 1, centres + 2 * right)[:, None]
    out[(k[None, :] < support_lo) | (k[None, :] > support_hi)] = 0.0
    return out


@lru_cache(maxsize=256)
def _block_operator(n_full: int, scale: int, n_small: int) -> tuple[np.ndarray, np.ndarray]:
    """``tent_operator(n_full)`` with each run of ``scale`` columns summed, in banded form.

    Returns ``(starts, weights)``: output i is ``weights[i] @ line[starts[i]:starts[i]+K]``.
    Each row has only a few nonzero weights (the tent spans ~2n/64 pixels, i.e. ~4 small
    pixels at 1/8 scale), so a gather and a small dot product beat a dense matrix product
    (and keep BLAS, whose thread pool is slow for matrices this small, out of the way).
    """
    m = tent_operator(n_full)
    padded = np.zeros((SIDE, n_small * scale))
    width = min(n_full, n_small * scale)
    padded[:, :width] = m[:, :width]
    dense = padded.reshape(SIDE, n_small, scale).sum(axis=2)
    nonzero = dense != 0
    first = nonzero.argmax(axis=1)
    last = n_small - 1 - nonzero[:, ::-1].argmax(axis=1)
    span = int((last - first).max()) + 1
    starts = np.minimum(first, n_small - span)
    weights = dense[np.arange(SIDE)[:, None], starts[:, None] + np.arange(span)[None, :]]
    starts.setflags(write=False)
    weights.setflags(write=False)
    return starts, weights


@njit(cache=False, nogil=True)
def _columns(partial: np.ndarray, c_starts: np.ndarray, c_weights: np.ndarray,
             out: np.ndarray, i: int) -> None:  # pragma: no cover - compiled
    for j in range(SIDE):
        acc = 0.0
        start = c_starts[j]
        for b in range(c_weights.shape[1]):
            acc += c_weights[j, b] * partial[start + b]
        out[i, j] = np.float32(acc)


@njit(cache=False, nogil=True)
def _banded_grey(small: np.ndarray, lut: np.ndarray, r_starts: np.ndarray,
                 r_weights: np.ndarray, c_starts: np.ndarray,
                 c_weights: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """The two banded passes over 8-bit grey pixels, read through ``lut`` (grey -> luma)."""
    cols = small.shape[1]
    out = np.empty((SIDE, SIDE), dtype=np.float32)
    partial = np.empty(cols, dtype=np.float64)
    for i in range(SIDE):
        partial[:] = 0.0
        for a in range(r_weights.shape[1]):
            w = r_weights[i, a]
            row = small[r_starts[i] + a]
            for c in range(cols):
                partial[c] += w * lut[row[c]]
        _columns(partial, c_starts, c_weights, out, i)
    return out


@njit(cache=False, nogil=True)
def _banded_float(small: np.ndarray, r_starts: np.ndarray, r_weights: np.ndarray,
                  c_starts: np.ndarray, c_weights: np.ndarray) -> np.ndarray:  # pragma: no cover
    """The two banded passes over float luma."""
    cols = small.shape[1]
    out = np.empty((SIDE, SIDE), dtype=np.float32)
    partial = np.empty(cols, dtype=np.float64)
    for i in range(SIDE):
        partial[:] = 0.0
        for a in range(r_weights.shape[1]):
            w = r_weights[i, a]
            row = small[r_starts[i] + a]
            for c in range(cols):
                partial[c] += w * row[c]
        _columns(partial, c_starts, c_weights, out, i)
    return out


def downsample64_scaled(
    small: np.ndarray, full_rows: int, full_cols: int, scale: int,
    lut: np.ndarray | None = None,
) -> np.ndarray:
    """Emulate PDQ's full-resolution 64x64 downsample from a 1/``scale`` luma decode.

    ``small`` is (ceil(full_rows/scale), ceil(full_cols/scale)) float luma, or 8-bit grey
    pixels with ``lut`` mapping each grey level to its luma (which saves converting the whole
    image first). Returns float32 (64, 64).
    """
    rows, cols = small.shape
    r_starts, r_weights = _block_operator(full_rows, scale, rows)
    c_starts, c_weights = _block_operator(full_cols, scale, cols)
    if lut is not None:
        return _banded_grey(np.ascontiguousarray(small, dtype=np.uint8), lut,
                            r_starts, r_weights, c_starts, c_weights)
    return _banded_float(np.ascontiguousarray(small, dtype=np.float32),
                         r_starts, r_weights, c_starts, c_weights)
