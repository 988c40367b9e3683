"""A small container for index files: a JSON header followed by raw, aligned numpy arrays.

Why not ``pickle`` (as HMA does)? Loading a pickle runs code chosen by whoever wrote the file, and
it must be read and rebuilt in full before the first query (HMA: 38 s for 10M hashes). This format
is data only, and every array is memory-mapped straight from the file, so loading is a header
parse and the operating system pages the arrays in as queries touch them.

Layout (all integers little-endian)::

    bytes 0..7    magic  b"JIGIDX1\\n"
    bytes 8..15   uint64 header length H
    bytes 16..    H bytes of UTF-8 JSON:
                  {"kind": str, "meta": {...},
                   "arrays": {name: {"dtype": "<u8", "shape": [..], "offset": int}}}
    then          each array's bytes at its offset (absolute, 64-byte aligned), C order

Names, dtypes and shapes come only from the header; nothing in the file is executed.
"""

from __future__ import annotations

import json
import math
import os  # fsync only: an index file is durable before it is renamed into place
import struct
from pathlib import Path
from typing import Any

import numpy as np

from jigsaw.errors import Unavailable

MAGIC = b"JIGIDX1\n"
_ALIGN = 64
_ALLOWED_KINDS = frozenset("biuV")  # booleans, ints, unsigned ints, raw bytes
MAX_HEADER = 64 * 1024 * 1024


class IndexFormatError(Unavailable, ValueError):
    """The file is not an index file this version can read."""


def _aligned(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


def write_arrays(
    path: str | Path, kind: str, meta: dict[str, Any], arrays: dict[str, np.ndarray]
) -> None:
    """Write ``arrays`` with a header to ``path`` atomically (temp file + rename)."""
    entries: dict[str, dict[str, Any]] = {}
    # Two passes: offsets depend on the header length, which depends on the offsets' digits.
    header_len = 0
    for _ in range(3):
        offset = _aligned(16 + header_len)
        entries = {}
        for name, arr in arrays.items():
            a = np.ascontiguousarray(arr)
            if a.dtype.kind not in _ALLOWED_KINDS:
                raise TypeError(f"array {name!r}: dtype {a.dtype} not storable")
            entries[name] = {"dtype": a.dtype.str, "shape": list(a.shape), "offset": offset}
            offset = _aligned(offset + a.nbytes)
        header = json.dumps({"kind": kind, "meta": meta, "arrays": entries}).encode()
        if len(header) == header_len:
            break
        header_len = len(header)
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<Q", len(header)))
        f.write(header)
        for name, arr in arrays.items():
            f.seek(entries[name]["offset"])
            f.write(np.ascontiguousarray(arr).tobytes(order="C"))
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(target)


def read_arrays(
    path: str | Path, expect_kind: str, *, mmap: bool = True
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read the header and map (or read) every array. Returns (meta, arrays)."""
    p = Path(path)
    size = p.stat().st_size
    with open(p, "rb") as f:
        if f.read(8) != MAGIC:
            raise IndexFormatError(f"{p}: not a Jigsaw index file")
        (hlen,) = struct.unpack("<Q", f.read(8))
        if hlen > MAX_HEADER or 16 + hlen > size:
            raise IndexFormatError(f"{p}: corrupt header length")
        header = json.loads(f.read(hlen))
    if header.get("kind") != expect_kind:
        raise IndexFormatError(f"{p}: holds a {header.get('kind')!r}, expected {expect_kind!r}")
    arrays: dict[str, np.ndarray] = {}
    for name, spec in header["arrays"].items():
        dtype = np.dtype(spec["dtype"])
        if dtype.kind not in _ALLOWED_KINDS or dtype.hasobject:
            raise IndexFormatError(f"{p}: array {name!r} has a forbidden dtype")
        shape = tuple(int(s) for s in spec["shape"])
        offset = int(spec["offset"])
        if any(s < 0 for s in shape) or offset < 0:
            raise IndexFormatError(f"{p}: array {name!r} has a negative shape or offset")
        nbytes = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
        if nbytes == 0:  # an empty array may sit at an aligned offset past the last byte
            arrays[name] = np.zeros(shape, dtype=dtype)
        elif offset < 16 + hlen or offset + nbytes > size:
            raise IndexFormatError(f"{p}: array {name!r} lies outside the file")
        elif mmap:
            arrays[name] = np.memmap(p, dtype=dtype, mode="r", offset=offset, shape=shape)
        else:
            arrays[name] = np.fromfile(p, dtype=dtype, count=nbytes // dtype.itemsize,
                                       offset=offset).reshape(shape)
    return header.get("meta", {}), arrays
