"""The pure parsers: CyberTipline schema coverage, hostile XML, VICS and CSV (no database)."""

from __future__ import annotations

import pytest

from jigsaw.formats.safexml import XmlRefused, parse_xml
from jigsaw.imports import csvmap, cybertip, synthetic, vics
from jigsaw.imports.common import DocumentError
from jigsaw.intake.domain import prepare


def full_report() -> cybertip.ParsedReport:
    details = cybertip.parse_file_details("files/900001-file1.xml", synthetic.file_details_xml(900001, 1, full=True))
    return cybertip.parse_report("900001.xml", synthetic.report_xml(900001, full=True), [details])


def test_full_report_maps_every_section() -> None:
    parsed = full_report()
    draft = parsed.draft
    assert parsed.external_id == "cybertip:900001" and draft.external_id == "cybertip:900001"
    assert draft.source == "platform" and draft.channel.value == "import"
    assert draft.incident_type == "sextortion"  # enticement with a sextortion annotation
    assert set(draft.annotations) >= {"sextortion", "minor_to_minor", "csam_solicitation", "escalate_high_priority",
                                      "batched_report"}
    assert draft.escalation and "Immediate risk" in draft.escalation
    assert draft.platform == "PicShare" and draft.incident_at is not None
    assert draft.reporter.email == "safety@picshare.example.com"
    roles = [s.role for s in draft.subjects]
    assert roles == ["suspect", "suspect", "recipient", "victim"]  # reported person, associated account, …
    suspect = draft.subjects[0]
    kinds = {(i.type, i.platform) for i in suspect.identifiers}
    assert {("email", None), ("phone", None), ("esp_user_id", "PicShare"), ("username", "PicShare"),
            ("url", None), ("ip", None), ("imei", None), ("device_id", None), ("postal_address", None)} <= kinds
    login = next(i for i in suspect.identifiers if i.type == "ip" and i.port)
    assert login.seen_at is not None and login.port == 40001
    assert suspect.age == 34 and suspect.name == "Sam Suspect1"
    assert "Profile bio" in (suspect.description or "")
    victim = draft.subjects[3]
    assert victim.age == 13 and "Example Academy" in (victim.description or "")  # from dateOfBirth
    media = draft.media[0]
    assert media.md5 and media.sha1 and media.sha256 and media.pdq and media.filename == "img_001.jpg"
    assert media.uk_category == "C" and media.vics_category == 1 and media.subject_index == 0
    assert media.annotations["industry_classification"] == "A2"
    assert media.annotations["file_annotations"] == ["generative_ai", "possible_self_production"]
    data = draft.source_data["cybertip"]
    assert len(data["internetDetails"]) == 5 and data["lawEnforcement"]["agencyName"] == "Example Constabulary"
    assert data["batchedReport"] == {"@reason": "VIRAL_POTENTIAL_MEME"}
    assert data["subjects"][0]["priorCTReports"] == ["900000"]
    # Personal details of subjects stay out of the plain-JSON source data.
    assert "user900001@example.com" not in str(data) and "2011-06-01" not in str(data)
    prepare(draft)  # a valid intake draft


@pytest.mark.parametrize(("classification", "flags", "uk"), [("A1", "", None), ("B2", "", "C"),
                                                             ("B1", "<bestiality/>", "A")])
def test_industry_classification_mapping(classification: str, flags: str, uk: str | None) -> None:
    xml = synthetic.file_details_xml(5, 1, classification=classification).replace(
        b"<industryClassification>", f"<fileAnnotations>{flags}</fileAnnotations><industryClassification>".encode())
    details = cybertip.parse_file_details("f.xml", xml)
    assert details.media is not None
    assert details.media.uk_category == uk and details.media.vics_category == 1
    assert details.media.annotations["industry_classification"] == classification


def test_report_id_comes_from_name_or_folder() -> None:
    assert cybertip.report_id_from_name("123.xml") == "123"
    assert cybertip.report_id_from_name("batch/123/report.xml") == "123"
    assert cybertip.report_id_from_name("report.xml") is None
    with pytest.raises(DocumentError, match="cannot tell the reportId"):
        cybertip.parse_report("report.xml", synthetic.report_xml(1))


HOSTILE = {
    "xxe": b'<?xml version="1.0"?>\n<!DOCTYPE report [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<report>&x;</report>',
    "billion_laughs": b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">'
                      b']>\n<report>&lol2;</report>',
    "external_dtd": b'<?xml version="1.0"?>\n<!DOCTYPE report SYSTEM "http://198.51.100.1/x.dtd">\n<report/>',
    "deep": b"<report>" + b"<a>" * 500 + b"</a>" * 500 + b"</report>",
    "huge_text": b"<report><additionalInfo>" + b"x" * 200_000 + b"</additionalInfo></report>",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_xml_is_refused(kind: str) -> None:
    with pytest.raises(XmlRefused) as refused:
        parse_xml(HOSTILE[kind])
    assert refused.value.line is not None
    assert "root:" not in refused.value.reason  # nothing of /etc/passwd leaks into the message


def test_oversized_document_is_refused() -> None:
    from jigsaw.imports.limits import Limits

    with pytest.raises(XmlRefused, match="limit"):
        parse_xml(synthetic.report_xml(1), Limits(max_document_bytes=100))


def test_vics_case_export() -> None:
    data = b"""{"@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Cases",
     "value": [{"CaseID": "0f8fad5b-d9cb-469f-a165-70867728950e", "CaseNumber": "OP-EXAMPLE-1",
       "ContactName": "Dana Analyst", "ContactEmail": "dana@police.example", "ContactOrganization": "Example Force",
       "SourceApplicationName": "ExampleTool", "TotalMediaFiles": 3,
       "Media": [
        {"MediaID": 1, "Category": 1, "MD5": "0123456789ABCDEF0123456789ABCDEF", "Series": "series-ref-001",
         "VictimIdentified": "true", "IsDistributed": "true", "MediaSize": 20480, "MimeType": "image/jpeg",
         "MediaFiles": [{"FileName": "a.jpg"}]},
        {"MediaID": 2, "Category": null, "SHA1": "0123456789abcdef0123456789abcdef01234567",
         "VictimIdentified": false, "AlternativeHashes": [{"HashName": "SHA256", "HashValue": "%s"}]},
        {"MediaID": 3, "Category": 9, "MD5": "not-a-hash"}]}]}""".replace(b"%s", b"ab" * 32)
    (case,) = vics.parse_case_export("case.json", data, uk_map={1: "A"})
    draft = case.draft
    assert case.external_id == "vics:0f8fad5b-d9cb-469f-a165-70867728950e"
    assert draft.source == "partner_agency" and draft.incident_type == "indecent_images"
    first, second = draft.media
    assert first.md5 == "0123456789abcdef0123456789abcdef" and first.vics_category == 1 and first.uk_category == "A"
    assert first.series == "series-ref-001" and first.victim_identified is True and first.size == 20480
    assert first.annotations["is_distributed"] is True and first.filename == "a.jpg"
    assert second.vics_category is None and second.victim_identified is False and second.sha256 == "ab" * 32
    assert any("Media[2]" in w.reason for w in case.warnings)
    assert any("declares 3" in w.reason for w in case.warnings) is False  # 3 listed, 3 declared
    prepare(draft)


def test_vics_hash_set_is_sent_to_banks() -> None:
    data = b'{"@odata.context": "x#Media", "value": [{"MediaID": 1, "MD5": "00"}]}'
    with pytest.raises(DocumentError, match="hash bank"):
        vics.parse_case_export("set.json", data)


def test_vics_uk_map_option() -> None:
    assert vics.parse_uk_map("1=A, 2=c") == {1: "A", 2: "C"}
    with pytest.raises(ValueError):
        vics.parse_uk_map("7=A")


MAPPING = """
columns:
  Ref: external_id
  Type: incident_type
  Details: summary
  App: platform
  When: incident_at
  Suspect email: suspect.email
  Suspect handle: suspect.username
  Second suspect phone: suspect2.phone
  Victim age: victim.age
  File MD5: media.md5
defaults:
  source: partner_agency
values:
  incident_type: {Grooming: online_grooming, Images: indecent_images}
"""

CSV = (b"Ref,Type,Details,App,When,Suspect email,Suspect handle,Second suspect phone,Victim age,File MD5\n"
       b"R1,Grooming,Chat with a child,ChatSpace,2025-01-02T03:04:05Z,a@example.com;b@example.com,groomer1,"
       b"07700 900001,13,\n"
       b"R2,Images,\"Shared, images\",PicShare,,,,,,0123456789abcdef0123456789abcdef\n"
       b"R3,Grooming,Bad age,ChatSpace,,,,,thirteen,\n")


def test_csv_mapping() -> None:
    mapping = csvmap.load_mapping(MAPPING)
    rows = list(csvmap.parse_rows("refs.csv", CSV, mapping))
    first, second, bad = rows
    assert isinstance(first, csvmap.ParsedRow) and isinstance(second, csvmap.ParsedRow)
    assert first.external_id == "csv:R1" and first.line == 2
    draft = first.draft
    assert draft.incident_type == "online_grooming" and draft.platform == "ChatSpace"
    suspect, suspect2, victim = draft.subjects
    assert [i.value for i in suspect.identifiers] == ["a@example.com", "b@example.com", "groomer1"]
    assert suspect.identifiers[2].platform == "ChatSpace" and suspect2.identifiers[0].type == "phone"
    assert victim.role == "victim" and victim.age == 13
    assert second.draft.media[0].md5 == "0123456789abcdef0123456789abcdef" and second.draft.summary == "Shared, images"
    assert not isinstance(bad, csvmap.ParsedRow) and bad.line == 4 and "age" in bad.reason
    prepare(draft)


def test_csv_mapping_is_checked_up_front() -> None:
    with pytest.raises(csvmap.MappingError, match="unknown target"):
        csvmap.load_mapping("columns: {A: suspect.shoe_size}")
