"""Banks in the database and the matcher that follows them without rebuilds."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select

from jigsaw.db.engine import session_scope
from jigsaw.matching.banks import ParseError, make_entry
from jigsaw.matching.formats import csvfmt
from jigsaw.matching.service import MatchingService
from jigsaw.matching.storage import (
    BankEntry,
    BankError,
    BankImport,
    add_entry,
    create_bank,
    get_bank,
    import_entries,
    list_banks,
    remove_entries,
)
from jigsaw.platform import Platform


def pdq_hex(rng: np.random.Generator) -> str:
    return rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex()


def near(h: str, k: int) -> str:
    b = bytearray(bytes.fromhex(h))
    for i in range(k):
        b[i // 8] ^= 1 << (i % 8)
    return b.hex()


def test_import_is_idempotent_and_reports_errors(platform: Platform) -> None:
    rng = np.random.default_rng(1)
    rows = [f"pdq,{pdq_hex(rng)},A,1,s1,true,t" for _ in range(50)]
    data = ("signal_type,hash,uk_category,vics_category,series,victim_identified,tags\n"
            + "\n".join(rows) + "\nmd5,xyz,,,,,\n").encode()
    with session_scope(platform.engine) as s:
        bank = create_bank(s, "KNOWN_A", source="test")
        first = import_entries(s, bank, csvfmt.read(data), source="f.csv", fmt="csv")
    assert (first.added, first.unchanged, first.updated) == (50, 0, 0)
    assert first.errors == [ParseError(52, "not a md5 hash: expected 32 hex digits")]
    with session_scope(platform.engine) as s:
        again = import_entries(s, get_bank(s, "KNOWN_A"), csvfmt.read(data), source="f.csv",
                               fmt="csv")
        assert (again.added, again.unchanged, again.updated) == (0, 50, 0)
        changed = data.replace(b",A,1,s1,", b",B,1,s1,", 1)
        third = import_entries(s, get_bank(s, "KNOWN_A"), csvfmt.read(changed), source="g",
                               fmt="csv")
        assert (third.added, third.unchanged, third.updated) == (0, 49, 1)
        assert s.scalar(select(func.count()).select_from(BankEntry)) == 50
        assert s.scalar(select(func.count()).select_from(BankImport)) == 3
        [(_b, counts)] = list_banks(s)
        assert counts == {"pdq": 50}


def test_bank_names_and_duplicates(platform: Platform) -> None:
    with session_scope(platform.engine) as s:
        create_bank(s, "NCMEC_LE")
        with pytest.raises(BankError):
            create_bank(s, "NCMEC_LE")
        with pytest.raises(BankError):
            create_bank(s, "lower case")


def test_service_follows_adds_and_removes(platform: Platform) -> None:
    rng = np.random.default_rng(2)
    hashes = [pdq_hex(rng) for _ in range(30)]
    with session_scope(platform.engine) as s:
        a = create_bank(s, "BANK_A")
        b = create_bank(s, "BANK_B", pdq_threshold=10)
        import_entries(s, a, [make_entry("pdq", h, uk_category="A", series="S") for h in hashes],
                       source="t", fmt="lines")
        add_entry(s, b, make_entry("pdq", hashes[0], uk_category="C"))
        add_entry(s, a, make_entry("md5", "ab" * 16, vics_category=1))
    service = MatchingService(platform.engine)
    [hits] = service.lookup("pdq", [near(hashes[0], 20)])
    assert [(m.bank, m.distance, m.uk_category) for m in hits] == [("BANK_A", 20, "A")]
    [hits] = service.lookup("pdq", [near(hashes[0], 20)], threshold=25, banks=["BANK_B"])
    assert [(m.bank, m.distance) for m in hits] == [("BANK_B", 20)]
    assert service.lookup("md5", ["AB" * 16])[0][0].vics_category == 1
    assert service.lookup("pdq", [near(hashes[0], 32)]) == [[]]

    # a new entry is visible to the very next lookup, with no rebuild
    new = pdq_hex(rng)
    with session_scope(platform.engine) as s:
        entry, created = add_entry(s, get_bank(s, "BANK_B"), make_entry("pdq", new))
        new_id = entry.id
    assert created
    assert [m.entry_id for m in service.lookup("pdq", [new])[0]] == [new_id]
    with session_scope(platform.engine) as s:
        remove_entries(s, [new_id])
    assert service.lookup("pdq", [new]) == [[]]
    with pytest.raises(BankError):
        service.lookup("pdq", [new], banks=["NOPE"])
