"""The words of the subscribers' mail: confirmation and alerts, as plain text and HTML.

Pure: the service passes in the links. Every alert carries the unsubscribe link visibly as well
as in the RFC 8058 headers. The HTML has no images, no remote content and no tracking of any
kind: links are the plain page addresses, with nothing added to tell who clicked.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from jigsaw.appeals.lifecycle import PublicFields

CONSENT_VERSION = "mw-alerts-2026-12"
CONSENT_TEXT = ("Send me an email when the centre publishes a Most Wanted appeal, and when a person in an "
                "appeal has been found. I can unsubscribe at any time from a link in every email.")
"""The consent wording shown on the form; its version is recorded with each subscriber (PECR)."""

SAFETY_LINE = "If you see this person, call 999. Do not approach them."


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str


def _html(title: str, paragraphs: list[str], unsubscribe_url: str | None) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    footer = (f'<p style="font-size:small">You get these emails because you asked for Most Wanted alerts. '
              f'<a href="{escape(unsubscribe_url)}">Unsubscribe</a>.</p>' if unsubscribe_url else "")
    return (f'<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
            f"<body><h1>{escape(title)}</h1>{body}{footer}</body></html>")


def confirmation(confirm_url: str, regions: list[str]) -> Message:
    areas = ", ".join(regions) if regions else "every area"
    text = (f"Someone (we hope you) asked for Most Wanted alerts at this address, for {areas}.\n\n"
            f"To start getting them, confirm here (the link works for 72 hours):\n{confirm_url}\n\n"
            f"What you agree to: {CONSENT_TEXT}\n\n"
            "If it was not you, ignore this email: nothing will be sent unless the link is used.\n")
    html = _html("Confirm your Most Wanted alerts", [
        f"Someone (we hope you) asked for Most Wanted alerts at this address, for {escape(areas)}.",
        f'<a href="{escape(confirm_url)}">Confirm your alerts</a> (the link works for 72 hours).',
        f"What you agree to: {escape(CONSENT_TEXT)}",
        "If it was not you, ignore this email: nothing will be sent unless the link is used.",
    ], None)
    return Message("Confirm your Most Wanted alerts", text, html)


def published_alert(fields: PublicFields, page_url: str, unsubscribe_url: str) -> Message:
    facts = [f"Name: {fields.name}"]
    if fields.aliases:
        facts.append(f"Also known as: {', '.join(fields.aliases)}")
    if fields.age is not None:
        facts.append(f"Age: {fields.age}")
    if fields.area_last_seen:
        facts.append(f"Last seen: {fields.area_last_seen}")
    if fields.caution:
        facts.append(f"Caution: {fields.caution}")
    text = (f"New Most Wanted appeal: {fields.name}\n\n" + "\n".join(facts) +
            f"\n\n{SAFETY_LINE}\nSeen them? Tell us anonymously: {page_url}\n\n"
            f"Unsubscribe: {unsubscribe_url}\n")
    html = _html(f"Most Wanted: {fields.name}", [
        "<br>".join(escape(f) for f in facts), f"<strong>{escape(SAFETY_LINE)}</strong>",
        f'Seen them? <a href="{escape(page_url)}">Tell us anonymously</a>.',
    ], unsubscribe_url)
    return Message(f"Most Wanted appeal: {fields.name}", text, html)


def located_alert(name: str, unsubscribe_url: str) -> Message:
    text = (f"{name}, who was in a Most Wanted appeal, has been located. The appeal has been removed.\n\n"
            "Thank you to everyone who shared it or called.\n\n"
            f"Unsubscribe: {unsubscribe_url}\n")
    html = _html(f"Located: {name}", [
        f"{escape(name)}, who was in a Most Wanted appeal, has been located. The appeal has been removed.",
        "Thank you to everyone who shared it or called.",
    ], unsubscribe_url)
    return Message(f"Located: {name}", text, html)
