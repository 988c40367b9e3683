"""Settings read from ``JIGSAW_*`` environment variables, with safe defaults.

Secrets (the session key and the field-encryption key) are never configured in the
repository: they are generated on first run into the data folder with owner-only
permissions, or supplied by the operator through the environment.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import secrets
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from jigsaw.errors import InvalidInput

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
PROXY_HEADERS = ("x-forwarded-for", "forwarded")


@dataclass(frozen=True)
class Settings:
    """Runtime configuration. Build with :func:`load_settings`; tests build their own."""

    data_dir: Path
    database_url: str
    idle_timeout_minutes: int = 30
    session_lifetime_hours: int = 12
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    public_form_rate_limit: int = 20  # submissions per client per hour
    cookie_secure: bool = False
    default_phone_region: str = "GB"
    # Reverse proxies whose forwarded header names the client (rate limits key on the client).
    trusted_proxies: tuple[IPNetwork, ...] = ()
    proxy_header: str = "x-forwarded-for"
    field_key_b64: str | None = field(default=None, repr=False)
    # Outgoing mail: nothing is sent unless an SMTP URL is set (mail waits in the outbox).
    smtp_url: str | None = field(default=None, repr=False)  # may carry a password
    mail_from: str = "jigsaw@localhost"
    duty_email: str | None = None  # where duty alerts go (the duty team's shared address)
    base_url: str = "http://127.0.0.1:8000"  # links in mail point here
    alert_escalate_minutes: int = 15  # unacknowledged this long, an alert goes to the supervisors
    # The audit chain's HMAC key: given here (base64) or in a file, never in the data folder.
    audit_key_b64: str | None = field(default=None, repr=False)
    audit_key_file: Path | None = None
    # Where signed checkpoints of the audit chain's head are written (a mount off the box).
    audit_checkpoint_dir: Path | None = None
    audit_checkpoint_minutes: int = 10
    # PostgreSQL limits on the app's connections (durations as PostgreSQL writes them).
    pg_lock_timeout: str = "10s"
    pg_idle_in_transaction_timeout: str = "60s"
    # A Dask scheduler (tcp://HOST:8786) that parses and encodes imports: `jigsaw import`'s
    # default for --scheduler, and where API uploads of a zip batch are parsed.
    dask_scheduler: str | None = None

    @property
    def secrets_dir(self) -> Path:
        return self.data_dir / "secrets"

    def session_key(self) -> bytes:
        """The key that signs CSRF tokens for pages used before login."""
        return base64.b64decode(_read_or_create_secret(self.secrets_dir / "session.key"))

    def audit_key(self) -> bytes | None:
        """The audit chain's HMAC key (see :func:`_audit_key`); None leaves the chain unkeyed."""
        return _audit_key(self)

    def field_key(self) -> bytes:
        """The 256-bit AES-GCM key for field-level encryption of personal data."""
        if self.field_key_b64:
            key = base64.b64decode(self.field_key_b64)
        else:
            key = base64.b64decode(_read_or_create_secret(self.secrets_dir / "field.key"))
        if len(key) != 32:
            raise ValueError("the field-encryption key must be 32 bytes (base64-encoded)")
        return key


class AuditKeyError(InvalidInput, ValueError):
    """The audit key is configured wrongly (too short, unreadable, or kept in the data folder)."""


def _audit_key(settings: Settings) -> bytes | None:
    """The audit chain's HMAC key, or None when none is configured (the chain stays unkeyed).

    Read from ``JIGSAW_AUDIT_KEY`` (base64) or the file ``JIGSAW_AUDIT_KEY_FILE`` names. The
    file may not sit in the data folder: whoever copies or rewrites the database and its
    folder must not find the key beside it (HashiCorp Vault keeps its audit HMAC key out of
    the audit log's reach for the same reason).
    """
    if settings.audit_key_b64:
        raw = settings.audit_key_b64.strip()
        where = "JIGSAW_AUDIT_KEY"
    elif settings.audit_key_file is not None:
        path = settings.audit_key_file.expanduser().resolve()
        if path.is_relative_to(settings.data_dir.resolve()):
            raise AuditKeyError(f"JIGSAW_AUDIT_KEY_FILE ({path}) is inside the data folder; keep the audit key "
                                "outside it")
        try:
            raw = path.read_text().strip()
        except OSError as exc:
            raise AuditKeyError(f"JIGSAW_AUDIT_KEY_FILE: cannot read {path}: {exc.strerror}") from None
        where = str(path)
    else:
        return None
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError:
        raise AuditKeyError(f"{where}: the audit key must be base64") from None
    if len(key) < 32:
        raise AuditKeyError(f"{where}: the audit key must be at least 32 bytes (base64-encoded)")
    return key


def _read_or_create_secret(path: Path) -> str:
    """Return the secret stored at ``path``, creating a random one (mode 0600) if absent."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = base64.b64encode(secrets.token_bytes(32)).decode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def parse_trusted_proxies(raw: str) -> tuple[IPNetwork, ...]:
    """``JIGSAW_TRUSTED_PROXIES``: comma-separated addresses or CIDR ranges (``10.0.0.0/8, ::1``).

    A bad entry stops start-up rather than leaving a proxy silently untrusted.
    """
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ValueError(f"JIGSAW_TRUSTED_PROXIES: {item!r} is not an IP address or CIDR range") from exc
    return tuple(networks)


def parse_proxy_header(raw: str) -> str:
    """``JIGSAW_PROXY_HEADER``: the one header the trusted proxies set (``x-forwarded-for`` or ``forwarded``).

    Only one is read: a proxy that sets one passes the other through from the client untouched.
    """
    header = raw.strip().lower()
    if header not in PROXY_HEADERS:
        raise ValueError(f"JIGSAW_PROXY_HEADER must be one of {', '.join(PROXY_HEADERS)}, not {raw!r}")
    return header


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_path(name: str) -> Path | None:
    raw = os.environ.get(name, "").strip()
    return Path(raw).expanduser().resolve() if raw else None


def load_settings() -> Settings:
    """Read settings from the environment (``JIGSAW_DATA_DIR``, ``JIGSAW_DATABASE_URL``…)."""
    data_dir = Path(os.environ.get("JIGSAW_DATA_DIR", "./data")).expanduser().resolve()
    database_url = os.environ.get("JIGSAW_DATABASE_URL") or f"sqlite:///{data_dir / 'jigsaw.db'}"
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        idle_timeout_minutes=int(os.environ.get("JIGSAW_IDLE_TIMEOUT_MINUTES", "30")),
        session_lifetime_hours=int(os.environ.get("JIGSAW_SESSION_LIFETIME_HOURS", "12")),
        max_failed_logins=int(os.environ.get("JIGSAW_MAX_FAILED_LOGINS", "5")),
        lockout_minutes=int(os.environ.get("JIGSAW_LOCKOUT_MINUTES", "15")),
        public_form_rate_limit=int(os.environ.get("JIGSAW_PUBLIC_FORM_RATE_LIMIT", "20")),
        cookie_secure=_env_bool("JIGSAW_COOKIE_SECURE", True),  # `jigsaw serve` on loopback turns it off
        default_phone_region=os.environ.get("JIGSAW_DEFAULT_PHONE_REGION", "GB"),
        trusted_proxies=parse_trusted_proxies(os.environ.get("JIGSAW_TRUSTED_PROXIES", "")),
        proxy_header=parse_proxy_header(os.environ.get("JIGSAW_PROXY_HEADER", "x-forwarded-for")),
        field_key_b64=os.environ.get("JIGSAW_FIELD_KEY"),
        smtp_url=os.environ.get("JIGSAW_SMTP_URL") or None,
        mail_from=os.environ.get("JIGSAW_MAIL_FROM", "jigsaw@localhost"),
        duty_email=os.environ.get("JIGSAW_DUTY_EMAIL") or None,
        base_url=os.environ.get("JIGSAW_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        alert_escalate_minutes=int(os.environ.get("JIGSAW_ALERT_ESCALATE_MINUTES", "15")),
        audit_key_b64=os.environ.get("JIGSAW_AUDIT_KEY") or None,
        audit_key_file=_env_path("JIGSAW_AUDIT_KEY_FILE"),
        audit_checkpoint_dir=_env_path("JIGSAW_AUDIT_CHECKPOINT_DIR"),
        audit_checkpoint_minutes=int(os.environ.get("JIGSAW_AUDIT_CHECKPOINT_MINUTES", "10")),
        pg_lock_timeout=os.environ.get("JIGSAW_PG_LOCK_TIMEOUT", "10s").strip(),
        pg_idle_in_transaction_timeout=os.environ.get("JIGSAW_PG_IDLE_IN_TRANSACTION_TIMEOUT", "60s").strip(),
        dask_scheduler=os.environ.get("JIGSAW_DASK_SCHEDULER", "").strip() or None,
    )


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is this machine only."""
    if host.strip().lower() in {"localhost", "localhost."}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serving_settings(host: str, port: int = 8000) -> Settings:
    """Settings for serving on ``host`` and ``port``: cookies are ``Secure`` (sent over HTTPS only)
    unless JIGSAW_COOKIE_SECURE says otherwise or the server listens on loopback, where a
    developer's browser talks plain HTTP to it. Without JIGSAW_BASE_URL, links in mail and the
    demo point at the address served (loopback when listening on every interface, whose public
    name only JIGSAW_BASE_URL can give)."""
    settings = load_settings()
    if os.environ.get("JIGSAW_COOKIE_SECURE") is None:
        settings = replace(settings, cookie_secure=not is_loopback(host))
    if os.environ.get("JIGSAW_BASE_URL") is None:
        settings = replace(settings, base_url=f"http://{_url_host(host)}:{port}")
    return settings


def _url_host(host: str) -> str:
    """``host`` as it goes in a URL: IPv6 in brackets, an unspecified address as loopback."""
    bare = host.strip().strip("[]")
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        return bare
    if address.is_unspecified:
        return "127.0.0.1" if address.version == 4 else "[::1]"
    return f"[{bare}]" if address.version == 6 else bare


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
