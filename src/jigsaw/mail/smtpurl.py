"""Reading ``JIGSAW_SMTP_URL``: which server, whether to use TLS, and the login, from one URL.

``smtp://host:port`` is plain SMTP (a relay on the same host or a test server);
``smtp://user:pass@host:587?starttls=1`` upgrades the connection with STARTTLS before logging
in; ``smtps://user:pass@host:465`` speaks TLS from the first byte. A login is refused over a
connection that is not encrypted unless the URL says ``?insecure_login=1`` (a loopback test
server), so a password is never sent in the clear by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from jigsaw.errors import InvalidInput

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_KNOWN_OPTIONS = {"starttls", "insecure_login", "timeout"}


class SmtpUrlError(InvalidInput, ValueError):
    """``JIGSAW_SMTP_URL`` cannot be used as written (the message says why, without the password)."""


@dataclass(frozen=True)
class SmtpConfig:
    """How to reach the mail server."""

    host: str
    port: int
    implicit_tls: bool = False  # smtps://
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0

    @property
    def encrypted(self) -> bool:
        return self.implicit_tls or self.starttls

    @property
    def login(self) -> bool:
        return self.username is not None


def parse_smtp_url(url: str) -> SmtpConfig:
    """The :class:`SmtpConfig` that ``url`` describes; :class:`SmtpUrlError` if it is not usable."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in {"smtp", "smtps"}:
        raise SmtpUrlError("JIGSAW_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise SmtpUrlError("JIGSAW_SMTP_URL names no host")
    try:
        port = parts.port
    except ValueError:
        raise SmtpUrlError("JIGSAW_SMTP_URL has an invalid port") from None
    options = {k.lower(): v[-1].strip().lower() for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = set(options) - _KNOWN_OPTIONS
    if unknown:
        raise SmtpUrlError(f"JIGSAW_SMTP_URL has unknown options: {', '.join(sorted(unknown))}")
    implicit_tls = scheme == "smtps"
    starttls = _flag(options, "starttls")
    if implicit_tls and starttls:
        raise SmtpUrlError("smtps:// is already encrypted; starttls applies to smtp:// only")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and username is None:
        raise SmtpUrlError("JIGSAW_SMTP_URL has a password but no user name")
    if username is not None and not (implicit_tls or starttls) and not _flag(options, "insecure_login"):
        raise SmtpUrlError("a login over an unencrypted connection: use smtps://, add ?starttls=1, "
                           "or ?insecure_login=1 for a loopback test server")
    timeout = 10.0
    if "timeout" in options:
        try:
            timeout = float(options["timeout"])
        except ValueError:
            raise SmtpUrlError("JIGSAW_SMTP_URL timeout must be a number of seconds") from None
        if timeout <= 0:
            raise SmtpUrlError("JIGSAW_SMTP_URL timeout must be positive")
    default_port = 465 if implicit_tls else (587 if starttls else 25)
    return SmtpConfig(host=parts.hostname, port=port or default_port, implicit_tls=implicit_tls,
                      starttls=starttls, username=username,
                      password=(password or "") if username is not None else None, timeout=timeout)


def _flag(options: dict[str, str], name: str) -> bool:
    value = options.get(name)
    if value is None:
        return False
    if value in _TRUE or value == "":
        return True
    if value in _FALSE:
        return False
    raise SmtpUrlError(f"JIGSAW_SMTP_URL option {name} must be 1 or 0")
