"""The ``jigsaw`` command line: composes the commands each capability offers.

``app`` is imported lazily, so importing :func:`main` does not compose every capability.
"""

from __future__ import annotations

from typing import Any


def main() -> None:
    """Entry point of the ``jigsaw`` console script: a Jigsaw error that escapes a command ends
    with its message and the exit code of its kind (:mod:`jigsaw.exit_codes`), not a traceback."""
    from jigsaw.cli.app import app
    from jigsaw.errors import JigsawError
    from jigsaw.exit_codes import fail

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
