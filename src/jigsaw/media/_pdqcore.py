"""The numeric core of PDQ, compiled with numba, in the reference implementation's order.

Why replicate the order of floating-point operations? PDQ's own definition of a correct port
is "identical pixels give the identical hash". The bits are ``coefficient > median``, so a
coefficient within rounding error of the median flips with any change in arithmetic. We
therefore do what the C++ reference (``pdq/cpp/hashing/pdqhashing.cpp`` and
``pdq/cpp/downscaling/downscaling.cpp`` in facebook/ThreatExchange) does, step for step and
in single precision: running-sum box filters, centre-sample decimation, a 16x64 DCT matrix
applied as D·A·Dᵀ with sequential sums. Numba is used because these loops are sequential
running sums that numpy cannot express without changing the rounding; without
``fastmath`` LLVM keeps IEEE semantics, so the results match the C++ build bit for bit.

Shortcuts that do not change any output value:

* The second vertical pass runs only on the 64 columns the decimation samples (each
  column's running sum is independent of the others), so the second horizontal pass only
  has to keep those 64 columns.
* The vertical passes sweep row by row with a vector of per-column sums: the same
  arithmetic per column as the reference's strided loop, but memory is read in order.
* RGB is converted to float luma with the expression the ``pdqhash`` binding uses
  (float64 maths, stored as float32), so both start from identical luma.

Peak memory is about 12 bytes per pixel (float32 luma and two float32 work buffers) on
top of the decoded image.

Functions compile lazily on first use (about a second) and are not cached on disk:
nothing in the hashing path writes files.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

SIDE = 64
DCT_SIDE = 16


def dct_matrix() -> np.ndarray:
    """The 16x64 DCT-II rows 1..16 (the DC row 0 is skipped), as float32 like the reference."""
    out = np.empty((DCT_SIDE, SIDE), dtype=np.float32)
    scale = float(np.float32(math.sqrt(2.0 / SIDE)))  # the reference keeps it as a float
    for i in range(DCT_SIDE):
        for j in range(SIDE):
            out[i, j] = scale * math.cos((math.pi / 2.0 / SIDE) * (i + 1) * (2 * j + 1))
    return out


DCT = dct_matrix()


@njit(cache=False, nogil=True)
def luma_from_rgb(rgb: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Y = 0.299 R + 0.587 G + 0.114 B in float64, stored as float32 (as ``pdqhash`` does)."""
    h, w = rgb.shape[0], rgb.shape[1]
    out = np.empty((h, w), dtype=np.float32)
    for i in range(h):
        for j in range(w):
            out[i, j] = np.float32(
                rgb[i, j, 0] * 0.299 + rgb[i, j, 1] * 0.587 + rgb[i, j, 2] * 0.114
            )
    return out


@njit(cache=False, nogil=True)
def _box_line(src: np.ndarray, dst: np.ndarray, full: int) -> None:  # pragma: no cover
    """One running-sum box pass over a 1-D line, exactly as the reference's ``box1DFloat``.

    Window ``full`` reaches ``full - (full + 2) // 2`` left and ``(full + 2) // 2 - 1``
    right; near the ends the window shrinks and the divisor with it.
    """
    n = src.shape[0]
    half = (full + 2) // 2
    s = np.float32(0.0)
    cnt = 0
    ri = 0
    li = 0
    oi = 0
    for _ in range(half - 1):
        s += src[ri]
        cnt += 1
        ri += 1
    for _ in range(full - half + 1):
        s += src[ri]
        cnt += 1
        dst[oi] = s / np.float32(cnt)
        ri += 1
        oi += 1
    for _ in range(n - full):
        s += src[ri]
        s -= src[li]
        dst[oi] = s / np.float32(cnt)
        li += 1
        ri += 1
        oi += 1
    for _ in range(half - 1):
        s -= src[li]
        cnt -= 1
        dst[oi] = s / np.float32(cnt)
        li += 1
        oi += 1


@njit(cache=False, nogil=True)
def _box_rows(src: np.ndarray, dst: np.ndarray, full: int) -> None:  # pragma: no cover
    """One box pass along every row."""
    for r in range(src.shape[0]):
        _box_line(src[r], dst[r], full)


@njit(cache=False, nogil=True)
def _box_rows_sampled(src: np.ndarray, full: int, cols: np.ndarray) -> np.ndarray:  # pragma: no cover
    """A box pass along every row, keeping only the sampled columns ``cols``."""
    rows, n = src.shape
    tmp = np.empty(n, dtype=np.float32)
    out = np.empty((rows, cols.shape[0]), dtype=np.float32)
    for r in range(rows):
        _box_line(src[r], tmp, full)
        for k in range(cols.shape[0]):
            out[r, k] = tmp[cols[k]]
    return out


@njit(cache=False, nogil=True)
def _box_cols(src: np.ndarray, dst: np.ndarray, full: int) -> None:  # pragma: no cover
    """One running-sum box pass down every column.

    The per-column arithmetic is the same as ``box1DFloat`` with a stride; we sweep row by
    row with a vector of column sums so memory is read in order.
    """
    n, cols = src.shape
    half = (full + 2) // 2
    p1 = half - 1
    p2 = full - half + 1
    p3 = n - full
    p4 = half - 1
    s = np.zeros(cols, dtype=np.float32)
    cnt = 0
    ri = 0
    li = 0
    oi = 0
    for _ in range(p1):
        for c in range(cols):
            s[c] += src[ri, c]
        cnt += 1
        ri += 1
    for _ in range(p2):
        cnt += 1
        d = np.float32(cnt)
        for c in range(cols):
            s[c] += src[ri, c]
            dst[oi, c] = s[c] / d
        ri += 1
        oi += 1
    for _ in range(p3):
        d = np.float32(cnt)
        for c in range(cols):
            s[c] += src[ri, c]
            s[c] -= src[li, c]
            dst[oi, c] = s[c] / d
        li += 1
        ri += 1
        oi += 1
    for _ in range(p4):
        cnt -= 1
        d = np.float32(cnt)
        for c in range(cols):
            s[c] -= src[li, c]
            dst[oi, c] = s[c] / d
        li += 1
        oi += 1


@njit(cache=False, nogil=True)
def _centres(n: int) -> np.ndarray:  # pragma: no cover - compiled
    """The reference's decimation indices: int(((i + 0.5) * n) / 64), in double precision."""
    out = np.empty(SIDE, dtype=np.int64)
    for i in range(SIDE):
        out[i] = int(((i + 0.5) * n) / SIDE)
    return out


@njit(cache=False, nogil=True)
def downsample64(luma: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Jarosz tent filter (two box passes per axis) and centre decimation to 64x64.

    ``luma`` is float32 (rows, cols), at least 5x5. A 64x64 input is used as is, as in the
    reference. The window is ceil(dim / 128) per axis.
    """
    rows, cols = luma.shape
    out = np.empty((SIDE, SIDE), dtype=np.float32)
    if rows == SIDE and cols == SIDE:
        for i in range(SIDE):
            for j in range(SIDE):
                out[i, j] = luma[i, j]
        return out
    wr = (cols + 2 * SIDE - 1) // (2 * SIDE)  # window along rows (horizontal)
    wc = (rows + 2 * SIDE - 1) // (2 * SIDE)  # window along columns (vertical)
    ri = _centres(rows)
    ci = _centres(cols)
    a = np.empty((rows, cols), dtype=np.float32)
    b = np.empty((rows, cols), dtype=np.float32)
    # Pass 1: rows then columns, in full.
    _box_rows(luma, a, wr)
    _box_cols(a, b, wc)
    # Pass 2 horizontal, kept only at the 64 sampled columns (the values are unchanged).
    h2 = _box_rows_sampled(b, wr, ci)
    # Pass 2 vertical on those 64 columns; then keep the 64 sampled rows.
    v2 = np.empty((rows, SIDE), dtype=np.float32)
    _box_cols(h2, v2, wc)
    for i in range(SIDE):
        for j in range(SIDE):
            out[i, j] = v2[ri[i], j]
    return out


@njit(cache=False, nogil=True)
def quality(buf: np.ndarray) -> int:  # pragma: no cover - compiled
    """Gradient-energy quality: sum of int(|Δ|*100/255) over neighbours, /90, capped at 100."""
    total = 0
    k100 = np.float32(100.0)
    k255 = np.float32(255.0)
    for i in range(SIDE - 1):
        for j in range(SIDE):
            d = int(((buf[i, j] - buf[i + 1, j]) * k100) / k255)
            total += abs(d)
    for i in range(SIDE):
        for j in range(SIDE - 1):
            d = int(((buf[i, j] - buf[i, j + 1]) * k100) / k255)
            total += abs(d)
    q = total // 90
    return 100 if q > 100 else q


@njit(cache=False, nogil=True)
def dct16(buf: np.ndarray, d: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """B = D·A·Dᵀ with sequential float32 sums (coefficients 1..16 x 1..16)."""
    t = np.empty((DCT_SIDE, SIDE), dtype=np.float32)
    for i in range(DCT_SIDE):
        for j in range(SIDE):
            s = np.float32(0.0)
            for k in range(SIDE):
                s += d[i, k] * buf[k, j]
            t[i, j] = s
    out = np.empty((DCT_SIDE, DCT_SIDE), dtype=np.float32)
    for i in range(DCT_SIDE):
        for j in range(DCT_SIDE):
            s = np.float32(0.0)
            for k in range(SIDE):
                s += t[i, k] * d[j, k]
            out[i, j] = s
    return out


def float_pipeline(luma: np.ndarray) -> tuple[np.ndarray, int]:
    """Luma (float32, C-contiguous, >= 5x5) -> (16x16 float32 DCT coefficients, quality)."""
    return from_downsampled(downsample64(luma))


def from_downsampled(buf: np.ndarray) -> tuple[np.ndarray, int]:
    """A 64x64 float32 downsample -> (16x16 float32 DCT coefficients, quality)."""
    return dct16(buf, DCT), int(quality(buf))
