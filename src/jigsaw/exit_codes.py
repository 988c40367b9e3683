"""The one place where errors become exit codes (after python-threatexchange's ``cli/exceptions.py``).

A command that catches a Jigsaw error to say something (``raise fail(error)``) and an error that
escapes a command (caught by :func:`jigsaw.cli.main`) end the same way: the message on stderr
and the exit code of the error's kind (:mod:`jigsaw.errors`).
"""

from __future__ import annotations

from enum import IntEnum

import typer
from rich.console import Console

from jigsaw.errors import Conflict, InvalidInput, JigsawError, NotAllowed, NotFound, Unavailable

err_console = Console(stderr=True)


class ReturnCode(IntEnum):
    OK = 0
    #: The command ran and found a problem it reports (a refused document, a broken audit chain).
    FAILED = 1
    #: Jigsaw refused the request: invalid input, not found, not allowed, or a clash (as click's usage errors).
    REFUSED = 2
    #: Something Jigsaw depends on (a snapshot, an index file, a key) cannot be used.
    UNAVAILABLE = 3


#: The exit code for each kind of error; the first kind in an error's MRO that is listed wins.
EXIT_CODES: dict[type, ReturnCode] = {
    InvalidInput: ReturnCode.REFUSED,
    NotFound: ReturnCode.REFUSED,
    NotAllowed: ReturnCode.REFUSED,
    Conflict: ReturnCode.REFUSED,
    Unavailable: ReturnCode.UNAVAILABLE,
}


def exit_code_for(error: JigsawError) -> ReturnCode:
    for kind in type(error).__mro__:
        code = EXIT_CODES.get(kind)
        if code is not None:
            return code
    return ReturnCode.FAILED


def fail(error: JigsawError | str) -> typer.Exit:
    """Print ``error`` on stderr and return the :class:`typer.Exit` to raise (a message alone is REFUSED)."""
    err_console.print(f"[red]error:[/red] {error}", soft_wrap=True)
    return typer.Exit(code=exit_code_for(error) if isinstance(error, JigsawError) else ReturnCode.REFUSED)
