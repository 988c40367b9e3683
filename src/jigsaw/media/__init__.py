"""Media intelligence, part 1: hashing images and videos without keeping them.

Works as a library on its own (no web app, no database), like python-threatexchange::

    from jigsaw.media import hash_file

    result = hash_file("photo.jpg", dihedral=True)
    result.md5, result.sha256, result.pdq, result.pdq_quality, result.pdq_dihedral

* :func:`hash_file` / :func:`hash_bytes` -> :class:`MediaHashes`: MD5, SHA-1, SHA-256;
  PDQ for images (optionally all 8 rotations/mirrors); vPDQ frame hashes for videos.
  They never raise for bad media; problems are recorded in ``MediaHashes.error``.
* :mod:`jigsaw.media.pdq`: the PDQ algorithm on pixels, hex/bytes helpers, ``hamming``.
* :mod:`jigsaw.media.vpdq`: ``match_frames`` (vPDQ bag-of-frames matching).
* the signal types (md5, sha1, sha256, pdq, vpdq) and their registry live in :mod:`jigsaw.signals`.

Safety: media bytes are read into memory, hashed and discarded. Nothing in this package
writes media, or anything derived from it (frames, thumbnails, pixels), to disk, logs,
temporary files or caches; tests/media/test_no_disk.py checks this with an audit hook.
"""

from jigsaw.media.errors import DEFAULT_LIMITS, DecodeLimits, MediaError, NotMediaError
from jigsaw.media.hashing import hash_bytes, hash_file
from jigsaw.media.model import FrameHash, Kind, MediaHashes
from jigsaw.media.pdq import DIHEDRAL_ORDER, PdqHash, hamming
from jigsaw.media.vpdq import VpdqMatch, match_frames

__all__ = [
    "DEFAULT_LIMITS",
    "DIHEDRAL_ORDER",
    "DecodeLimits",
    "FrameHash",
    "Kind",
    "MediaError",
    "MediaHashes",
    "NotMediaError",
    "PdqHash",
    "VpdqMatch",
    "hamming",
    "hash_bytes",
    "hash_file",
    "match_frames",
]
