"""Tables of linking: persisted network and series membership, identifier flags, merges.

Membership is derived data (it can always be rebuilt from observations and media with
``jigsaw networks rebuild``) but it is persisted so that pages and the API read a network with
one indexed query. Merges are the analyst's own decisions and are never rebuilt away.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jigsaw.db.base import Base, UTCDateTime, utcnow
from jigsaw.security.fieldcrypt import EncryptedText


class LinkSubject(Base):
    """Which network a subject belongs to (label = the smallest subject id in the network)."""

    __tablename__ = "link_subjects"

    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True,
                                            autoincrement=False)
    network_id: Mapped[int] = mapped_column(Integer, index=True)
    community: Mapped[int | None] = mapped_column(Integer)


class LinkIdentifier(Base):
    """Per identifier: how many distinct subjects hold it and whether it is on the known-shared list."""

    __tablename__ = "link_identifiers"

    identifier_id: Mapped[int] = mapped_column(ForeignKey("identifiers.id", ondelete="CASCADE"), primary_key=True,
                                               autoincrement=False)
    subject_count: Mapped[int] = mapped_column(Integer, default=0, index=True)
    shared_reason: Mapped[str | None] = mapped_column(String(100))


class LinkMedia(Base):
    """Per media item: its image group (same hash or PDQ within threshold) and its series."""

    __tablename__ = "link_media"

    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), primary_key=True,
                                          autoincrement=False)
    image_group: Mapped[int] = mapped_column(Integer, index=True)
    series_id: Mapped[int] = mapped_column(Integer, index=True)
    bank_series: Mapped[str | None] = mapped_column(String(200), index=True)
    bank_victim_identified: Mapped[bool | None] = mapped_column(Boolean)


class LinkLikeness(Base):
    """Likeness keys of usernames (see :mod:`jigsaw.linking.fuzzy`), each kept as the first 64 bits
    of its blind index (:func:`jigsaw.linking.fuzzy.key_hashes`).

    A username has about fifteen keys, so this is the linking table that grows fastest. Keyed by
    the hash first, it is one B-tree to search and to insert into (SQLite: without a rowid table);
    the index on ``identifier_id`` only ever appends, since new identifiers take new ids. Two keys
    sharing 64 bits by chance only add a candidate, which :func:`~jigsaw.linking.fuzzy.likeness`
    then turns down.
    """

    __tablename__ = "link_likeness_keys"
    __table_args__ = {"sqlite_with_rowid": False}

    key_hash: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    identifier_id: Mapped[int] = mapped_column(ForeignKey("identifiers.id", ondelete="CASCADE"), primary_key=True,
                                               autoincrement=False, index=True)


class SubjectMerge(Base):
    """An analyst's decision that two subjects are the same person, reversible, with provenance."""

    __tablename__ = "subject_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_a: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    subject_b: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(EncryptedText("subject_merges.reason"))  # may name people
    merged_by: Mapped[str] = mapped_column(String(200))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    unmerged_by: Mapped[str | None] = mapped_column(String(200))
    unmerged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unmerge_reason: Mapped[str | None] = mapped_column(EncryptedText("subject_merges.unmerge_reason"))

    @property
    def active(self) -> bool:
        return self.unmerged_at is None
