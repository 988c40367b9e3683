"""The ``jigsaw`` command line: composes the commands each capability offers."""

from jigsaw.cli.app import app


def main() -> None:
    """Entry point of the ``jigsaw`` console script."""
    app()


__all__ = ["app", "main"]
