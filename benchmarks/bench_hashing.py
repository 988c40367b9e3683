"""PDQ hashing speed: Jigsaw vs pytx (``threatexchange``) on ~2-megapixel JPEG photos.

    .venv/bin/python benchmarks/bench_hashing.py [--n 40] [--grain 2.5] [--quality 85]

Everything runs pinned to one CPU core. The images are synthetic, photo-like scenes
(tests/media/corpus.py) held in memory: nothing is written to disk. pytx's ``pdq_from_file``
gets each file as a ``BytesIO`` (it hands its argument to ``Image.open``), Jigsaw the bytes,
so neither pays a read from disk.

Rows:
* pytx ``pdq_from_file``: Pillow full decode + the C++ PDQ (the anchor, ~23 img/s);
* Jigsaw PDQ only: read the file + ``jigsaw.media.image.pdq_from_image_bytes``;
* Jigsaw ``hash_file``: the above + MD5, SHA-1 and SHA-256 (what ``jigsaw hash`` does);
* Jigsaw ``hash_file(dihedral=True)``: + the 8 orientation variants;
* exact digests only (read + MD5/SHA-1/SHA-256);
* Pillow 1/4-scale RGB draft decode alone (the "ceiling" of the anchor table) and the
  luma-only draft decode at the scale Jigsaw picks for the size (``draft_scale``: 1/2 for
  2 MP) and at 1/8 (what it used before issue 14).
"""

from __future__ import annotations

import os

# One core, and no thread pools fighting over it.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import io  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

from PIL import Image  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _load_corpus():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("media_corpus", ROOT / "tests/media/corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _rate(
    fn: Callable[[bytes], object], paths: list[bytes], min_seconds: float
) -> tuple[float, float]:
    """(images per CPU-second, images per wall-second), medians over passes through
    ``paths`` (>= 3 passes, >= min_seconds in all).

    CPU time of this process is the primary figure: on a shared machine other processes
    steal the core and inflate wall time, not CPU time. On an idle machine both agree.
    """
    for p in paths[:3]:
        fn(p)
    cpu_rates, wall_rates = [], []
    total = 0.0
    while len(cpu_rates) < 3 or total < min_seconds:
        wall, cpu = time.perf_counter(), time.process_time()
        for p in paths:
            fn(p)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        total += wall
        cpu_rates.append(len(paths) / cpu)
        wall_rates.append(len(paths) / wall)
    return statistics.median(cpu_rates), statistics.median(wall_rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=40, help="number of distinct images")
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--grain", type=float, default=2.5, help="sensor-noise level")
    parser.add_argument("--quality", type=int, default=85, help="JPEG quality")
    parser.add_argument("--seconds", type=float, default=4.0, help="time per measurement")
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})

    from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_file

    from jigsaw.media import hash_bytes, pdq
    from jigsaw.media.digests import digest_bytes
    from jigsaw.media.image import draft_scale, pdq_from_image_bytes

    corpus = _load_corpus()
    files = [
        corpus.encode(
            Image.fromarray(corpus.photo_like(args.width, args.height, seed=1000 + i, grain=args.grain)),
            "JPEG", quality=args.quality,
        )
        for i in range(args.n)
    ]
    sizes = [len(data) for data in files]
    scale = draft_scale(args.width, args.height)

    def draft(mode: str, s: int) -> Callable[[bytes], object]:
        def run(data: bytes) -> object:
            with Image.open(io.BytesIO(data)) as img:
                img.draft(mode, (img.width // s, img.height // s))
                img.load()
                return img.size

        return run

    rows: list[tuple[str, Callable[[bytes], object]]] = [
        ("pytx pdq_from_file (anchor)", lambda data: pdq_from_file(io.BytesIO(data))),
        ("Jigsaw PDQ only", pdq_from_image_bytes),
        ("Jigsaw hash_bytes (MD5+SHA-1+SHA-256+PDQ)", hash_bytes),
        ("Jigsaw hash_bytes dihedral=True", lambda data: hash_bytes(data, dihedral=True)),
        ("exact digests only (MD5+SHA-1+SHA-256)", digest_bytes),
        ("ceiling: Pillow 1/4-scale RGB draft decode", draft("RGB", 4)),
        (f"Pillow 1/{scale}-scale luma draft decode (Jigsaw's)", draft("L", scale)),
        ("Pillow 1/8-scale luma draft decode (before)", draft("L", 8)),
    ]
    load_before = f"{os.getloadavg()[0]:.2f}"
    rates = {name: _rate(fn, files, args.seconds) for name, fn in rows}

    distances = []
    for data in files:
        ref_hex, _ = pdq_from_file(io.BytesIO(data))
        distances.append(pdq.hamming(hash_bytes(data).pdq or pdq.ZERO_HASH, ref_hex))

    anchor_cpu = rates[rows[0][0]][0]
    print(f"# {args.n} synthetic {args.width}x{args.height} JPEGs, quality {args.quality}, "
          f"grain {args.grain}: mean {statistics.mean(sizes) / 1024:.0f} KB")
    print(f"# one core (sched_setaffinity {{0}}), {platform.processor() or platform.machine()}, "
          f"Python {sys.version.split()[0]}")
    print(f"# load average before: {load_before}, after: {os.getloadavg()[0]:.2f}")
    print(f"| {'method':<48} | {'img/CPU-s':>9} | {'vs pytx':>8} | {'img/wall-s':>10} |")
    print(f"|{'-' * 50}|{'-' * 11}|{'-' * 10}|{'-' * 12}|")
    for name, _ in rows:
        cpu, wall = rates[name]
        print(f"| {name:<48} | {cpu:>9.1f} | {cpu / anchor_cpu:>7.1f}x | {wall:>10.1f} |")
    print(f"# PDQ distance Jigsaw vs pytx on these images: mean {statistics.mean(distances):.2f}, "
          f"max {max(distances)}")


if __name__ == "__main__":
    main()
