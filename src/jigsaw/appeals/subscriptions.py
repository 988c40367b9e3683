"""Email alerts: subscribing with double opt-in, confirming, one-click unsubscribing, the
suppression list, and queueing an alert to every subscriber through the outbox.

Subscribing answers the same whatever the address's state (new, pending, confirmed, suppressed),
so the form reveals nothing about who is subscribed; the confirmation mail goes only to the
address itself, at most :data:`MAX_CONFIRMATIONS_A_DAY` times a day. A pending subscription that
is never confirmed is deleted after the link expires. Unsubscribing deletes the subscriber and
keeps only the address's blind index on the suppression list, which is never purged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from jigsaw.appeals import messages, tokens
from jigsaw.appeals.lifecycle import REGIONS, PublicFields
from jigsaw.appeals.models import Subscriber, Suppression
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.db.base import table_of
from jigsaw.identifiers import IdentifierError, normalise_email
from jigsaw.mail import interfaces as mail
from jigsaw.platform import Platform
from jigsaw.security.fieldcrypt import cipher_of

MAX_CONFIRMATIONS_A_DAY = 3
PUBLIC_ACTOR = Actor("public:subscriber")
_subscribers_t = table_of(Subscriber)


class SubscriberStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"


@dataclass(frozen=True)
class Links:
    """How to make the links in mail: the site's address and the key that signs the tokens."""

    base_url: str
    key: bytes

    @classmethod
    def of(cls, platform: Platform) -> Links:
        key = hmac.new(platform.session_key, b"jigsaw appeals subscriber links v1", hashlib.sha256).digest()
        return cls(platform.settings.base_url.rstrip("/"), key)

    def page(self, slug: str) -> str:
        return f"{self.base_url}/most-wanted/{slug}"

    def confirm(self, subscriber_id: int, nonce: str) -> str:
        return f"{self.base_url}/most-wanted/confirm/{tokens.confirm_token(self.key, subscriber_id, nonce)}"

    def unsubscribe_base(self) -> str:
        return f"{self.base_url}/most-wanted/unsubscribe/"


def email_index(session: Session, email: str) -> str:
    return cipher_of(session).blind_index(f"appeal-subscriber:{email}")


def canonical_email(raw: str) -> str | None:
    """The address as it is stored, or None if it is not a usable email address."""
    try:
        checked = validate_email(raw.strip(), check_deliverability=False).normalized
        return normalise_email(checked)
    except (EmailNotValidError, IdentifierError):
        return None


def clean_regions(chosen: list[str]) -> list[str]:
    return [r for r in REGIONS if r in set(chosen)]


def request_subscription(session: Session, links: Links, raw_email: str, regions: list[str], *,
                         now: datetime | None = None) -> None:
    """Start (or restart) a double opt-in. Says nothing back: the caller shows one page for every case."""
    now = now or datetime.now(UTC)
    address = canonical_email(raw_email)
    if address is None:
        return
    index = email_index(session, address)
    subscriber = session.scalar(select(Subscriber).where(Subscriber.email_index == index).with_for_update())
    if subscriber is not None and subscriber.status == SubscriberStatus.CONFIRMED:
        return  # already subscribed: nothing to confirm, and the page says the same as for anyone
    if subscriber is None:
        subscriber = Subscriber(email=address, email_index=index, status=SubscriberStatus.PENDING.value,
                                regions=clean_regions(regions), consent_version=messages.CONSENT_VERSION,
                                source="web_form", created_at=now, token_nonce=secrets.token_hex(8),
                                confirmations_sent=0)
        session.add(subscriber)
        session.flush()
        record(session, PUBLIC_ACTOR, AuditAction.COLLECTION, "subscriber", subscriber.id,
               detail={"status": "pending", "regions": subscriber.regions})
    else:
        if subscriber.last_confirmation_at and now - subscriber.last_confirmation_at > timedelta(days=1):
            subscriber.confirmations_sent = 0
        if subscriber.confirmations_sent >= MAX_CONFIRMATIONS_A_DAY:
            return  # no more mail to this address today, whoever asks
        subscriber.regions = clean_regions(regions)
    subscriber.confirmations_sent += 1
    subscriber.last_confirmation_at = now
    message = messages.confirmation(links.confirm(subscriber.id, subscriber.token_nonce), subscriber.regions)
    mail.enqueue(session, address, message.subject, message.text,
                 f"appeal-confirm:{subscriber.id}:{subscriber.token_nonce}:{subscriber.confirmations_sent}:"
                 f"{now.date().isoformat()}", html=message.html, now=now)


def confirm(session: Session, links: Links, token: str, *, now: datetime | None = None) -> bool:
    """Confirm a pending subscription from its link; True once it is (or already was) confirmed.
    Raises :class:`jigsaw.appeals.tokens.TokenRefused` for a forged or expired link."""
    now = now or datetime.now(UTC)
    subject = tokens.read_confirm_token(links.key, token)
    subscriber = session.get(Subscriber, subject.subscriber_id)
    if subscriber is None or not hmac.compare_digest(subscriber.token_nonce, subject.nonce):
        raise tokens.TokenRefused(expired=False)
    if subscriber.status == SubscriberStatus.CONFIRMED:
        return True
    subscriber.status = SubscriberStatus.CONFIRMED.value
    subscriber.consent_at = now
    subscriber.consent_version = messages.CONSENT_VERSION
    session.execute(delete(Suppression).where(Suppression.email_index == subscriber.email_index))
    record(session, PUBLIC_ACTOR, AuditAction.ALTERATION, "subscriber", subscriber.id,
           detail={"status": "confirmed", "consent_version": subscriber.consent_version})
    return True


def unsubscribe(session: Session, links: Links, token: str, *, now: datetime | None = None) -> None:
    """One-click unsubscribe (RFC 8058): delete the subscriber, suppress the address. Idempotent:
    a second click finds nobody and succeeds the same. Raises TokenRefused for a forged link."""
    now = now or datetime.now(UTC)
    subject = tokens.read_unsubscribe_token(links.key, token)
    subscriber = session.get(Subscriber, subject.subscriber_id)
    if subscriber is None or not hmac.compare_digest(subscriber.token_nonce, subject.nonce):
        return  # already gone (or subscribed afresh since: that subscription has its own links)
    suppress(session, subscriber.email_index, "unsubscribed", now=now)
    session.delete(subscriber)
    record(session, PUBLIC_ACTOR, AuditAction.ERASURE, "subscriber", subject.subscriber_id,
           detail={"reason": "unsubscribed"})


def suppress(session: Session, index: str, reason: str, *, now: datetime | None = None) -> None:
    if session.get(Suppression, index) is None:
        session.add(Suppression(email_index=index, added_at=now or datetime.now(UTC), reason=reason))
        session.flush()


def purge_unconfirmed(session: Session, now: datetime) -> int:
    """Delete pending subscriptions whose confirmation link has expired (nothing kept without consent)."""
    cutoff = now - tokens.CONFIRM_MAX_AGE
    gone = session.execute(delete(Subscriber).where(Subscriber.status == SubscriberStatus.PENDING,
                                                    Subscriber.created_at < cutoff,
                                                    (Subscriber.last_confirmation_at.is_(None))
                                                    | (Subscriber.last_confirmation_at < cutoff)))
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]


def counts(session: Session) -> dict[str, int]:
    found = {s.value: 0 for s in SubscriberStatus}
    for status, n in session.execute(select(Subscriber.status, func.count()).group_by(Subscriber.status)):
        found[status] = n
    found["suppressed"] = session.scalar(select(func.count()).select_from(Suppression)) or 0
    return found


def _recipients(session: Session, region: str) -> list[tuple[int, str, str]]:
    """(id, email, nonce) of each confirmed subscriber who wants alerts for ``region``, not suppressed."""
    t = _subscribers_t
    suppressed = select(Suppression.email_index).where(Suppression.email_index == t.c.email_index).exists()
    rows = session.execute(select(t.c.id, t.c.email, t.c.token_nonce, t.c.regions)
                           .where(t.c.status == SubscriberStatus.CONFIRMED, ~suppressed)
                           .order_by(t.c.id)).all()  # read whole before the inserts begin
    return [(sub_id, email, nonce) for sub_id, email, nonce, regions in rows if not regions or region in regions]


def queue_alert(session: Session, links: Links, appeal_id: int, kind: str, fields: PublicFields, region: str,
                slug: str, *, now: datetime | None = None) -> int:
    """Queue one alert mail per subscriber for ``region`` (``kind``: published or located), each
    with its own unsubscribe link in the RFC 8058 headers and in the text. Queued once: the
    outbox's dedupe key is the appeal, the kind and the subscriber."""
    now = now or datetime.now(UTC)
    signer = tokens.UnsubscribeSigner(links.key)
    base = links.unsubscribe_base()
    page = links.page(slug)
    # The words are the same for everyone; only the unsubscribe link differs, so render once.
    marker = "\x00UNSUBSCRIBE\x00"
    template = (messages.published_alert(fields, page, marker) if kind == "published"
                else messages.located_alert(fields.name, marker))
    html_marker = template.html.split(marker)

    def mails() -> Iterator[mail.Mail]:
        for sub_id, email, nonce in _recipients(session, region):
            url = base + signer.token(sub_id, nonce)
            yield mail.Mail(email, template.subject, template.text.replace(marker, url),
                            f"appeal:{appeal_id}:{kind}:{sub_id}", html=url.join(html_marker),
                            headers={"List-Unsubscribe": f"<{url}>",
                                     "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                                     "List-Id": "Most Wanted alerts <most-wanted.jigsaw.invalid>"})

    queued = mail.enqueue_many(session, mails(), now=now)
    record(session, Actor.system(), AuditAction.ADMINISTRATION, "appeal", appeal_id,
           detail={"alert": kind, "queued": queued})
    return queued
