"""The pure hash chain: any alteration, removal or reordering is found and named."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from jigsaw.audit.chain import GENESIS_HASH, ChainFields, StoredEntry, entry_hash, verify_chain


def build_chain(n: int) -> list[StoredEntry]:
    entries, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        fields = ChainFields(seq, f"2026-11-22T10:00:{seq % 60:02d}+00:00", f"user:{seq % 3}", 1, "consultation",
                             "report", str(seq), "assessment", None, {"n": seq})
        digest = entry_hash(prev, fields)
        entries.append(StoredEntry(fields, prev, digest))
        prev = digest
    return entries


def test_intact_chain_verifies() -> None:
    result = verify_chain(build_chain(20))
    assert result.ok and result.entries == 20 and result.head_seq == 20


@given(st.integers(min_value=2, max_value=30), st.data())
def test_altering_any_entry_is_found_at_that_entry(n: int, data: st.DataObject) -> None:
    chain = build_chain(n)
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    chain[i] = replace(chain[i], fields=replace(chain[i].fields, actor="intruder"))
    result = verify_chain(chain)
    assert not result.ok and result.first_bad_seq == i + 1


@given(st.integers(min_value=3, max_value=30), st.data())
def test_removing_an_entry_is_found(n: int, data: st.DataObject) -> None:
    chain = build_chain(n)
    i = data.draw(st.integers(min_value=0, max_value=n - 2))  # not the last: see the head test
    del chain[i]
    result = verify_chain(chain)
    assert not result.ok and result.first_bad_seq == i + 2


@given(st.integers(min_value=3, max_value=30), st.data())
def test_swapping_two_entries_is_found(n: int, data: st.DataObject) -> None:
    chain = build_chain(n)
    i = data.draw(st.integers(min_value=0, max_value=n - 2))
    chain[i], chain[i + 1] = chain[i + 1], chain[i]
    assert not verify_chain(chain).ok


def test_truncation_is_found_against_a_recorded_head() -> None:
    chain = build_chain(10)
    head = (10, chain[-1].entry_hash)
    assert verify_chain(chain, head).ok
    result = verify_chain(chain[:8], head)
    assert not result.ok and result.first_bad_seq == 9
