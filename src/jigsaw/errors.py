"""Jigsaw's exceptions: one tree, so adapters map errors by kind rather than one by one.

Every exception Jigsaw raises on purpose derives from :class:`JigsawError`, through exactly one
of a few kinds. The web app turns a kind into an HTTP status in one place
(:mod:`jigsaw.web.errors`), and the command line turns it into an exit code in one place
(:mod:`jigsaw.exit_codes`); a route or command catches a Jigsaw error only to add context or to
answer in another way (a form shown again with its message, a redirect with a notice).

The tree (each capability's classes sit next to the code that raises them)::

    JigsawError
    ├── InvalidInput                 the request or the data cannot be accepted as given
    │   ├── FieldErrors                       (field by field: case work, dissemination, outcomes,
    │   │                                      operations and education input)
    │   ├── intake.domain.InvalidReport       (every failing field, with its location)
    │   ├── linking.identifiers.IdentifierError
    │   ├── matching.signals.SignalError
    │   ├── matching.storage.BankError        (bad name or threshold), matching.banks.EntryError
    │   ├── matching.service.ThresholdTooHigh, matching.routes.TooManyMatches
    │   ├── matching.formats.ImportTooLarge, matching.archives.ArchiveLimitError
    │   ├── imports.common.DocumentError, imports.safexml.XmlRefused,
    │   │   imports.sources.BatchRefused, imports.csvmap.MappingError,
    │   │   imports.service.ImportRefused, imports.vics.UkMapError
    │   ├── media.errors.MediaError
    │   │   └── media.errors.NotMediaError
    │   ├── accounts.service.AccountError, security.passwords.WeakPasswordError
    │   ├── audit.service.MissingPurposeError
    │   └── triage.model.ConfigError
    ├── NotFound                     the thing asked for does not exist, or is not visible to the caller
    │   ├── intake.service.ReportNotFound
    │   ├── matching.storage.UnknownBank      (also a BankError)
    │   └── linking.queries.NetworkNotFound, SeriesNotFound, SubjectNotFound
    ├── NotAllowed                   the caller, or the organisation it acts for, may not do this
    │   └── accounts.roles.AccessPolicyError
    ├── Conflict                     the request clashes with what is already stored
    │   ├── matching.storage.BankExists       (also a BankError)
    │   └── intake.service.ExternalIdConflict (an external_id reused with a different body)
    ├── Unavailable                  something Jigsaw depends on cannot be used right now
    │   ├── matching.snapshots.SnapshotUnusable, matching.fileformat.IndexFormatError
    │   └── security.fieldcrypt.DecryptionError
    └── web.deps.LoginRequired       a staff page was asked for without a session (a redirect, not an error page)

Classes that existing callers catch as ``ValueError`` or ``LookupError`` keep that built-in as a
second base, so ``except ValueError`` around parsing keeps working.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["MAX_MESSAGE_CHARS", "Conflict", "FieldErrors", "InvalidInput", "JigsawError", "NotAllowed", "NotFound",
           "Unavailable", "short_message"]

#: The longest message an error answer carries. Messages quote the value they refuse (``not an
#: email address: '...'``); a long value is cut, so an answer never sends megabytes back.
MAX_MESSAGE_CHARS = 200


def short_message(msg: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``msg``, or its first ``limit - 40`` characters and how long it was."""
    if len(msg) <= limit:
        return msg
    return f"{msg[: limit - 40]}… (shortened from {len(msg):,} characters)"


class JigsawError(Exception):
    """The root of every exception Jigsaw raises on purpose; ``str(error)`` is safe to show the caller."""


class InvalidInput(JigsawError):
    """The request or the data cannot be accepted as given; sending it again unchanged fails again."""


class FieldErrors(InvalidInput, ValueError):
    """Input refused field by field: ``fields`` maps each field to what is wrong with it, never
    quoting the value, so a form can show each problem beside its field and an API answer names them all."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in self.fields.items()))


class NotFound(JigsawError):
    """The thing asked for does not exist, or is not visible to the caller (which must not learn which)."""


class NotAllowed(JigsawError):
    """The caller, or the organisation it acts for, may not do this, whatever the input."""


class Conflict(JigsawError):
    """The request clashes with what is already stored (a duplicate name, a merge already made)."""


class Unavailable(JigsawError):
    """Something Jigsaw depends on (a snapshot, an index file, a key) cannot be used right now."""
