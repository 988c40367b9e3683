"""Keeping tipsters anonymous in the server's own logs.

Uvicorn's access log writes each request's client address. For the Most Wanted pages (where the
sighting form and its follow-up live) the address is replaced with ``-`` before any handler sees
the record, so a tip leaves no IP address in a log either. The filter is installed on the
``uvicorn.access`` logger when a platform opens (it survives uvicorn configuring its logging).
"""

from __future__ import annotations

import logging

ANONYMOUS_PREFIXES = ("/most-wanted",)
_LOGGER = "uvicorn.access"


class DropClientAddress(logging.Filter):
    """Blanks the client address of access-log records for the anonymous routes."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn: '%s - "%s %s HTTP/%s" %d' % (client_addr, method, full_path, http_version, status_code)
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and _anonymous(args[2]):
            record.args = ("-", *args[1:])
        return True


def _anonymous(path: str) -> bool:
    path = path.split("?", 1)[0]
    return any(path == p or path.startswith(p + "/") for p in ANONYMOUS_PREFIXES)


def install() -> None:
    logger = logging.getLogger(_LOGGER)
    if not any(isinstance(f, DropClientAddress) for f in logger.filters):
        logger.addFilter(DropClientAddress())
