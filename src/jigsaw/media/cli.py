"""``jigsaw hash``: hash files and folders from the command line.

Mounted by the CLI composition root with ``jigsaw.media.cli.register(app)``.

    jigsaw hash PATH... [--json] [--dihedral] [--fps F]

Folders are walked recursively (symbolic links to folders are not followed, so a link
loop cannot trap the walk). Human output is a table; ``--json`` prints one JSON object per
file per line (see ``MediaHashes.to_json_dict``), suitable for ``jq`` or a bulk import.
The exit code is 0 if every file hashed cleanly and 1 if any file had an error; every
file is attempted either way.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from jigsaw.media.hashing import hash_file
from jigsaw.media.model import MediaHashes

__all__ = ["hash_command", "iter_files", "register"]


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """The given files, and every file under the given folders, in a stable order.

    Paths that do not exist are yielded too, so that they are reported as errors.
    """
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs.sort()
                for name in sorted(files):
                    yield Path(root) / name
        else:
            yield path


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover


def _table_row(result: MediaHashes) -> tuple[str, ...]:
    if result.kind == "video":
        perceptual = f"{len(result.frames)} frame hashes"
        quality = "-"
    else:
        perceptual = result.pdq or "-"
        quality = "-" if result.pdq_quality is None else str(result.pdq_quality)
    status = f"[red]{result.error}[/red]" if result.error else "[green]ok[/green]"
    return (
        result.path or "-",
        result.kind,
        _size(result.size),
        result.md5 or "-",
        result.sha256 or "-",
        perceptual,
        quality,
        status,
    )


def hash_command(
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders (folders are walked recursively).")
    ],
    json_output: Annotated[
        bool, typer.Option("--json", help="One JSON object per file per line.")
    ] = False,
    dihedral: Annotated[
        bool,
        typer.Option(
            "--dihedral",
            help="Add the 8 PDQ rotations/mirrors (original, rot90, rot180, rot270, flipx, "
            "flipy, flipplus1, flipminus1) as pdq_dihedral.",
        ),
    ] = False,
    fps: Annotated[
        float, typer.Option("--fps", min=0.001, help="Video frames hashed per second.")
    ] = 1.0,
) -> None:
    """Hash files: MD5, SHA-1, SHA-256; PDQ for images; vPDQ frame hashes for videos.

    Nothing is written to disk. Exit code 1 if any file could not be hashed fully.
    """
    failed = False
    console = Console(highlight=False)
    table = Table("path", "kind", "size", "md5", "sha256", "pdq", "q", "status")
    for path in iter_files(paths):
        result = hash_file(path, dihedral=dihedral, fps=fps)
        failed = failed or not result.ok
        if json_output:
            typer.echo(json.dumps(result.to_json_dict()))
        else:
            table.add_row(*_table_row(result))
    if not json_output:
        console.print(table)
    raise typer.Exit(1 if failed else 0)


def register(app: typer.Typer) -> None:
    """Add the ``hash`` command to a Typer app (the ``jigsaw`` CLI)."""
    app.command("hash")(hash_command)
