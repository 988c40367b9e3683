"""The ``jigsaw`` command line: composes the commands each capability offers.

``app`` is imported lazily, so capabilities' command modules may import :mod:`jigsaw.cli.errors`
without importing one another through this package.
"""

from __future__ import annotations

from typing import Any


def main() -> None:
    """Entry point of the ``jigsaw`` console script: a Jigsaw error that escapes a command ends
    with its message and the exit code of its kind (:mod:`jigsaw.cli.errors`), not a traceback."""
    from jigsaw.cli.app import app
    from jigsaw.cli.errors import fail
    from jigsaw.errors import JigsawError

    try:
        app()
    except JigsawError as error:
        raise SystemExit(fail(error).exit_code) from None


def __getattr__(name: str) -> Any:
    if name == "app":
        from jigsaw.cli.app import app

        return app
    raise AttributeError(name)


__all__ = ["app", "main"]
