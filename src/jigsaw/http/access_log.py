"""What the server's access log may say about the people using the public routes.

Uvicorn's access log writes each request's client address and path. For the public report form
the line itself would say that an address reported abuse, so it is dropped; for the Most Wanted
pages (sightings and their follow-up) the address is blanked, so a tip leaves no IP address in a
log. Capabilities declare their paths (``Capability.unlogged_paths`` and ``anonymous_paths``); one
filter built from all of them sits on the ``uvicorn.access`` logger, where it survives uvicorn
configuring its logging.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

ACCESS_LOGGER = "uvicorn.access"


class AccessLogPrivacy(logging.Filter):
    """Drops the lines of ``unlogged`` paths and blanks the client address of ``anonymous`` ones.

    A path matches a prefix when it is the prefix itself or continues with ``/`` or ``?``, so
    ``/report`` covers ``/report/check`` but not ``/reports/12``.
    """

    def __init__(self, unlogged: Iterable[str] = (), anonymous: Iterable[str] = ()) -> None:
        super().__init__()
        self.unlogged = tuple(unlogged)
        self.anonymous = tuple(anonymous)

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn: '%s - "%s %s HTTP/%s" %d' % (client_addr, method, full_path, http_version, status_code)
        if not (isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str)):
            return True
        path = args[2]
        if _under(path, self.unlogged):
            return False
        if _under(path, self.anonymous):
            record.args = ("-", *args[1:])
        return True


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    path = path.split("?", 1)[0]
    return any(path == p or path.startswith(p + "/") for p in prefixes)


def install(unlogged: Iterable[str], anonymous: Iterable[str]) -> AccessLogPrivacy:
    """Put one filter for these paths on the access logger, replacing any installed before."""
    logger = logging.getLogger(ACCESS_LOGGER)
    for old in [f for f in logger.filters if isinstance(f, AccessLogPrivacy)]:
        logger.removeFilter(old)
    privacy = AccessLogPrivacy(unlogged, anonymous)
    logger.addFilter(privacy)
    return privacy
