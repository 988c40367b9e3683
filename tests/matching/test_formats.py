"""Hash-list readers and writers: round trips, quirks of real feeds, positioned errors."""

from __future__ import annotations

import hashlib
import json

import pytest

from jigsaw.matching import formats
from jigsaw.matching.banks import EntryRecord, ParseError, make_entry
from jigsaw.matching.formats import csvfmt, lines, ncmec, vics

MD5 = hashlib.md5(b"one").hexdigest()
SHA1 = hashlib.sha1(b"one").hexdigest()
SHA256 = hashlib.sha256(b"one").hexdigest()
PDQ = "f" * 32 + "0" * 32


def sample() -> list[EntryRecord]:
    return [
        make_entry("md5", MD5, uk_category="A", vics_category=1, series="series-1",
                   victim_identified=True, tags=["x", "y"]),
        make_entry("sha1", SHA1, vics_category=2),
        make_entry("sha256", SHA256, uk_category="c"),
        make_entry("pdq", PDQ, uk_category="B", series="s2", victim_identified=False),
    ]


@pytest.mark.parametrize("fmt", ["vics", "csv", "lines"])
def test_round_trip(fmt: str) -> None:
    data = formats.WRITERS[fmt](sample())
    back = list(formats.READERS[fmt](data))
    if fmt == "lines":  # carries hashes only
        assert [(e.signal_type, e.value) for e in back] == [e.key for e in sample()]
    else:
        assert back == sample()


def test_ncmec_round_trip_keeps_hashes_and_classification() -> None:
    entries = [make_entry("md5", MD5, tags=["ncmec:A1"]), make_entry("pdq", PDQ)]
    back = list(ncmec.read(ncmec.write(entries)))
    assert back == entries


def test_vics_hash_set_and_case_export() -> None:
    media = [{"MediaID": 1, "Category": 1, "MD5": MD5.upper(), "SHA1": SHA1.upper(),
              "Series": "s", "VictimIdentified": "true", "IsPrecategorized": "false"},
             {"MediaID": 2, "Category": 9, "MD5": MD5},
             {"MediaID": 3, "Category": None, "PhotoDNA": "AAAA"},
             {"MediaID": 4, "Category": "0", "MD5": "zz"}]
    hashset = {"@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/"
                                 "US/$metadata#Media", "value": media}
    case = {"@odata.context": ".../2.0.xml/UK/$metadata#Cases",
            "value": [{"CaseID": "c", "Media": media}]}
    for doc in (hashset, case):
        out = list(vics.read(json.dumps(doc).encode()))
        good = [r for r in out if isinstance(r, EntryRecord)]
        bad = [r for r in out if isinstance(r, ParseError)]
        assert [(g.signal_type, g.value, g.vics_category, g.victim_identified) for g in good] == [
            ("md5", MD5, 1, True), ("sha1", SHA1, 1, True)]
        assert [b.position for b in bad] == [2, 3, 4]
        assert "0-4" in bad[0].reason


def test_vics_v1_envelope() -> None:
    doc = {"odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Media",
           "value": [{"MediaID": 1, "Category": 2, "MD5": MD5}]}
    assert [r.vics_category for r in vics.read(json.dumps(doc).encode())] == [2]


def test_csv_errors_carry_line_numbers() -> None:
    data = (f"signal_type,hash,uk_category,tags\nmd5,{MD5},A,a;b\n\nmd5,nothex,A,\n"
            f"pdq,{PDQ},D,\nbogus,{MD5},,\nsha1,{SHA1},,\n").encode()
    out = list(csvfmt.read(data))
    assert [(r.position, r.reason.split(":")[0]) for r in out if isinstance(r, ParseError)] == [
        (4, "not a md5 hash"), (5, "UK category must be A, B or C, not 'D'"),
        (6, "unknown signal type 'bogus' (known")]
    assert [r.signal_type for r in out if isinstance(r, EntryRecord)] == ["md5", "sha1"]
    assert next(iter(csvfmt.read(b"a,b\n1,2\n"))).position == 1  # bad header


def test_lines_pytx_style() -> None:
    data = f"# comment\npdq {PDQ}\n\n{MD5}\n{SHA256}\nvideo_md5 {MD5.upper()}\n".encode()
    out = list(lines.read(data))
    assert isinstance(out[2], ParseError) and out[2].position == 5
    assert [(r.signal_type, r.value) for r in out if isinstance(r, EntryRecord)] == [
        ("pdq", PDQ), ("md5", MD5), ("md5", MD5)]


NCMEC_XML = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2">
  <images count="3" maxTimestamp="2017-10-24T15:10:00Z">
    <image><member id="42">M</member><id>image1</id><classification>A1</classification>
      <fingerprints><md5>{MD5}</md5><sha1>{SHA1}</sha1><pdna>AAAA</pdna></fingerprints>
      <feedback/></image>
    <deletedImage><member id="43">M2</member><id>image4</id></deletedImage>
    <image><id>image2</id><fingerprints><md5>123</md5><pdq>{PDQ}</pdq></fingerprints></image>
  </images>
  <videos count="1"><video><id>v1</id><fingerprints>
      <tmk-pdqf rel="self" href="/v2/entries/1/fingerprints/TMK_PDQF"/></fingerprints></video>
  </videos>
</queryResult>""".encode()


def test_ncmec_xml() -> None:
    out = list(ncmec.read(NCMEC_XML))
    good = [(r.signal_type, r.tags) for r in out if isinstance(r, EntryRecord)]
    assert good == [("md5", ("ncmec:A1",)), ("sha1", ("ncmec:A1",)), ("pdq", ())]
    assert [(r.position, r.reason[:8]) for r in out if isinstance(r, ParseError)] == [
        (3, "md5: not"), (4, "record h")]


def test_ncmec_refuses_entity_expansion() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">
    <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><queryResult>&b;</queryResult>"""
    out = list(ncmec.read(bomb))
    assert len(out) == 1 and isinstance(out[0], ParseError) and out[0].position == 0


def test_read_path_size_limit(tmp_path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("signal_type,hash\n")
    with pytest.raises(formats.ImportTooLarge):
        formats.read_path("csv", p, max_bytes=3)
    assert formats.guess_format("a.JSON") == "vics" and formats.guess_format("a.txt") == "lines"
