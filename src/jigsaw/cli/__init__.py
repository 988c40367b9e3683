"""The ``jigsaw`` command line: composes the commands each capability offers."""

import sys

from jigsaw.cli.app import app
from jigsaw.db.migrate import SchemaNotCurrentError


def main() -> None:
    """Entry point of the ``jigsaw`` console script.

    A database behind the code's migrations is an operator's message ("run `jigsaw db
    upgrade`", exit 1), not a traceback.
    """
    try:
        app()
    except SchemaNotCurrentError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


__all__ = ["app", "main"]
