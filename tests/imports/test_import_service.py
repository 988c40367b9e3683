"""Importing batches into storage (SQLite and PostgreSQL): layouts, idempotency, bad documents,
hostile archives, audit, and proof that the bulk path stores what ``submit_report`` stores."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from jigsaw.audit.models import AuditEvent
from jigsaw.audit.service import verify
from jigsaw.db.engine import session_scope
from jigsaw.imports import dispatch, service, synthetic
from jigsaw.imports.limits import Limits
from jigsaw.imports.sources import BatchRefused, Document, read_path, read_zip
from jigsaw.intake.models import MediaRecord, Report
from jigsaw.intake.service import submit_report
from jigsaw.platform import Platform
from tests.factories import make_org
from tests.imports.helpers import ACTOR, counts, import_docs, options


@pytest.mark.parametrize("layout", ["directory", "zip", "folders"])
def test_batches_join_file_details_to_reports(sqlite_platform: Platform, tmp_path: Path, layout: str) -> None:
    docs = synthetic.documents(700001, 5, files_per_report=2, layout="folders" if layout == "folders" else "flat")
    if layout == "zip":
        archive = tmp_path / "batch.zip"
        archive.write_bytes(synthetic.zip_bytes(docs))
        source = list(read_path(archive, (".xml",)))
    else:
        source = list(read_path(synthetic.write_directory(tmp_path / "batch", docs), (".xml",)))
    summary = import_docs(sqlite_platform, source)
    assert summary.imported == 5 and summary.errors == [] and summary.documents == 15
    with session_scope(sqlite_platform.engine) as session:
        media = session.scalars(select(MediaRecord)).all()
        assert len(media) == 10 and all(m.filename and m.subject_id for m in media)
        report = session.scalar(select(Report).where(Report.external_id == "cybertip:700003"))
        assert report is not None and report.channel == "import" and report.source == "platform"
        assert report.source_data["import"]["format"] == "cybertip"
        assert len(report.source_data["cybertip"]["files"]) == 2


def _unroutable(doc: bytes) -> bytes:
    """The same file details with a comment in them: the byte-level routing hint declines it."""
    return doc.replace(b"<reportId>", b"<!-- routed by a real parse --><reportId>", 1)


@pytest.mark.parametrize("workers", [1, 2])
def test_file_details_join_the_same_whether_routed_by_hint_or_by_parse(sqlite_platform: Platform,
                                                                       workers: int) -> None:
    docs = synthetic.documents(710001, 300, files_per_report=2)
    for name in list(docs)[1::4]:  # a share of the files takes the parsing pass
        if "file" in name:
            docs[name] = _unroutable(docs[name])
    assert any(service.cybertip.report_id_hint(d) is None for d in docs.values())
    summary = import_docs(sqlite_platform, docs, workers=workers)
    assert summary.imported == 300 and summary.errors == []
    with session_scope(sqlite_platform.engine) as session:
        reports = session.scalars(select(Report)).all()
        assert {len(r.source_data["cybertip"]["files"]) for r in reports} == {2}
        external = {r.id: r.external_id for r in reports}
        stored = {(m.md5, external[m.report_id]) for m in session.scalars(select(MediaRecord))}
    expected = {(re.search(rb'hashType="MD5">([0-9a-f]+)<', data).group(1).decode(),  # type: ignore[union-attr]
                 f"cybertip:{name.split('/')[1].split('-')[0]}") for name, data in docs.items() if "file" in name}
    assert len(expected) == 600 and stored == expected  # each file joined the report it names


def test_report_id_hint_only_trusts_unambiguous_text() -> None:
    hint = service.cybertip.report_id_hint
    plain = synthetic.file_details_xml(42, 1)
    assert hint(plain) == "42"
    assert hint(_unroutable(plain)) is None
    assert hint(plain.replace(b"</fileDetails>", b"<reportId>43</reportId></fileDetails>")) is None
    assert hint(plain.replace(b"<reportId>42</reportId>", b"<reportId><![CDATA[42]]></reportId>")) is None
    assert hint(plain.replace(b"<reportId>42</reportId>", b"<reportId>&#52;2</reportId>")) is None


def test_file_whose_parse_disagrees_with_its_routing_is_named_not_misjoined(sqlite_platform: Platform) -> None:
    docs = synthetic.documents(720001, 2)
    # The only "<reportId" text sits in a processing instruction; the element the parser reads is
    # namespace-prefixed, so the bytes suggest report 720001 while the document names 720002.
    docs["files/720002-file1.xml"] = docs["files/720002-file1.xml"].replace(
        b"<reportId>720002</reportId>", b'<?note <reportId>720001</reportId>?><x:reportId xmlns:x="urn:x">720002'
                                        b"</x:reportId>")
    assert service.cybertip.report_id_hint(docs["files/720002-file1.xml"]) == "720001"
    summary = import_docs(sqlite_platform, docs)
    assert summary.imported == 2
    assert [(e.file, "names report 720002" in e.reason) for e in summary.errors] == [
        ("files/720002-file1.xml", True)]
    with session_scope(sqlite_platform.engine) as session:
        report = session.scalar(select(Report).where(Report.external_id == "cybertip:720001"))
        assert report is not None and len(report.source_data["cybertip"]["files"]) == 1


def test_full_schema_import_and_idempotent_reimport(platform: Platform) -> None:
    docs = synthetic.documents(710001, 3, files_per_report=2, full=True)
    first = import_docs(platform, docs)
    assert first.imported == 3 and first.errors == []
    before = counts(platform)
    assert before["subjects"] == 12 and before["lines_of_enquiry"] == 6  # two suspects per report
    again = import_docs(platform, docs)
    assert again.imported == 0 and len(again.duplicates) == 3 and again.errors == [] and again.changed == []
    assert counts(platform) == before
    assert {d.report_id for d in again.duplicates} == {r.report_id for r in first.reports}
    with session_scope(platform.engine) as session:
        assert verify(session).ok
        collected = session.scalars(select(AuditEvent.entity_id).where(AuditEvent.action == "collection")).all()
        assert sorted(c or "" for c in collected) == sorted(str(r.report_id) for r in first.reports)


def test_changed_document_is_reported_not_dropped_or_duplicated(sqlite_platform: Platform) -> None:
    docs = synthetic.documents(720001, 2)
    import_docs(sqlite_platform, docs)
    docs["720001.xml"] = docs["720001.xml"].replace(b"<platform>", b"<platform>Renamed")
    summary = import_docs(sqlite_platform, docs)
    assert summary.imported == 0 and len(summary.duplicates) == 1
    (changed,) = summary.changed
    assert changed.file == "720001.xml" and "different version" in changed.reason


def test_partly_bad_batch_imports_the_good_and_names_the_bad(platform: Platform) -> None:
    docs = synthetic.documents(730001, 3)
    docs["730100.xml"] = b'<?xml version="1.0"?>\n<report>\n  <incidentSummary>\n</report>\n'  # malformed
    docs["730101.xml"] = b'<?xml version="1.0"?>\n<notAReport/>\n'
    docs["unnamed.xml"] = synthetic.report_xml(5)  # no reportId in its name or folder
    docs["files/orphan.xml"] = synthetic.file_details_xml(739999, 1)  # names an unknown report
    docs["files/noid.xml"] = synthetic.file_details_xml(730001, 9).replace(b"<reportId>730001</reportId>", b"")
    docs["730102.xml"] = b'<?xml version="1.0"?>\n<report>\n<incidentSummary><incidentDateTime>2025-01-01T00:00:00Z' \
                         b'</incidentDateTime></incidentSummary></report>'  # no incidentType
    summary = import_docs(platform, docs)
    assert summary.imported == 3
    errors = {e.file: e for e in summary.errors}
    assert set(errors) == {"730100.xml", "730101.xml", "unnamed.xml", "files/orphan.xml", "files/noid.xml",
                           "730102.xml"}
    assert errors["730100.xml"].line == 4 and "mismatched tag" in errors["730100.xml"].reason
    assert errors["730101.xml"].line == 2 and "notAReport" in errors["730101.xml"].reason
    assert "reportId" in errors["unnamed.xml"].reason
    assert errors["files/orphan.xml"].line == 3 and "739999" in errors["files/orphan.xml"].reason
    assert "reportId" in errors["files/noid.xml"].reason
    assert "incidentType" in errors["730102.xml"].reason and errors["730102.xml"].line == 3


def test_bad_identifier_is_a_warning_not_a_lost_report(sqlite_platform: Platform) -> None:
    docs = {"740001.xml": synthetic.report_xml(740001).replace(b"192.0.2.", b"999.0.2.")}
    summary = import_docs(sqlite_platform, docs)
    assert summary.imported == 1 and any("IP address" in w.reason for w in summary.warnings)


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_bomb_and_traversal_are_refused(sqlite_platform: Platform) -> None:
    good = synthetic.documents(750001, 1)
    data = _zip({**good, "../../etc/evil.xml": synthetic.report_xml(750002), "/abs/750003.xml": b"<report/>",
                 "bomb.xml": b"<report>" + b" " * 5_000_000 + b"</report>"})
    items = list(read_zip(data, "batch.zip", (".xml",)))
    refused = {i.file: i.reason for i in items if not isinstance(i, Document)}
    assert "path traversal" in refused["batch.zip!../../etc/evil.xml"]
    assert "absolute" in refused["batch.zip!/abs/750003.xml"]
    assert "ratio" in refused["batch.zip!bomb.xml"]
    summary = import_docs(sqlite_platform, items)
    assert summary.imported == 1 and len(summary.errors) == 3
    with pytest.raises(BatchRefused, match="expands to"):
        list(read_zip(_zip({"a.xml": b"x" * 10_000}), "small.zip", (".xml",), Limits(max_total_bytes=1000)))
    with pytest.raises(BatchRefused, match="members"):
        list(read_zip(_zip({f"{i}.xml": b"<r/>" for i in range(5)}), "many.zip", (".xml",), Limits(max_members=3)))


def test_parallel_workers_give_the_same_result(sqlite_platform: Platform) -> None:
    docs = synthetic.documents(760001, dispatch.PARALLEL_THRESHOLD + 10)
    summary = import_docs(sqlite_platform, docs, workers=2, batch_size=64)
    assert summary.imported == dispatch.PARALLEL_THRESHOLD + 10 and summary.errors == []
    with session_scope(sqlite_platform.engine) as session:
        assert verify(session).ok


# --- bulk path == ORM path -------------------------------------------------------------


def stored_structure(platform: Platform, org_id: int) -> list[dict[str, Any]]:
    """Everything stored for an organisation's reports, minus ids, references and clocks."""
    skip = {"id", "reference", "received_at", "created_at", "first_seen_at", "submitted_by_org_id", "report_id",
            "subject_id", "identifier_id"}

    def plain(obj: Any) -> dict[str, Any]:
        return {c.key: getattr(obj, c.key) for c in obj.__table__.columns if c.key not in skip}

    with session_scope(platform.engine) as session:
        reports = session.scalars(select(Report).where(Report.submitted_by_org_id == org_id)
                                  .order_by(Report.external_id)).all()
        out = []
        for report in reports:
            audit = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == str(report.id),
                                                             AuditEvent.action == "collection")).all()
            out.append({
                "report": plain(report),
                "subjects": [dict(plain(s), observations=[{**plain(o), "identifier": plain(o.identifier)}
                                                          for o in s.observations]) for s in report.subjects],
                "media": [dict(plain(m), subject=m.subject_id is not None) for m in report.media],
                "lines": [dict(plain(line), subject=line.subject_id is not None)
                          for line in report.lines_of_enquiry],
                "audit": [(a.actor, a.action, a.entity_type, {k: v for k, v in a.detail.items() if k != "reference"},
                           a.detail["reference"] == report.reference) for a in audit],
            })
        return out


def test_bulk_path_stores_exactly_what_submit_report_stores(platform: Platform) -> None:
    docs = {**synthetic.documents(770001, 3, files_per_report=2, full=True), **synthetic.documents(770010, 3)}
    bulk_opts = options(platform)
    summary = service.import_cybertip(platform.engine, [Document(k, v) for k, v in docs.items()], bulk_opts)
    assert summary.imported == 6
    # The same drafts, one by one through intake.service.submit_report, for a second organisation.
    orm_org = make_org(platform, "ORM twin")
    ready = [service._report_task((name, data, files, (), bulk_opts.limits, "GB", True, platform.cipher))
             for name, data, files in
             _joined(docs)]
    with session_scope(platform.engine) as session:
        for item in ready:
            assert not isinstance(item, service.Issue)
            submit_report(session, item.draft, ACTOR, organisation_id=orm_org)
    assert stored_structure(platform, bulk_opts.organisation_id) == stored_structure(platform, orm_org)
    with session_scope(platform.engine) as session:
        assert verify(session).ok


def _joined(docs: dict[str, bytes]) -> list[tuple[str, bytes, tuple[Any, ...]]]:
    from jigsaw.imports import cybertip

    files: dict[str, list[cybertip.FileDetails]] = {}
    for name, data in docs.items():
        if cybertip.sniff_root(data) == "fileDetails":
            details = cybertip.parse_file_details(name, data)
            files.setdefault(details.report_id, []).append(details)
    return [(name, data, tuple(files.get(cybertip.report_id_from_name(name) or "", ())))
            for name, data in docs.items() if cybertip.sniff_root(data) != "fileDetails"]


def test_orm_write_path_option_matches_too(sqlite_platform: Platform) -> None:
    docs = synthetic.documents(780001, 3, full=True)
    summary = import_docs(sqlite_platform, docs, orm=True)
    assert summary.imported == 3 and summary.path == "orm"
    assert import_docs(sqlite_platform, docs).imported == 0


def test_vics_and_csv_store_reports(platform: Platform) -> None:
    from jigsaw.imports import csvmap
    from tests.imports.test_parsers import CSV, MAPPING

    case = (b'{"@odata.context": "x/2.0.xml/UK/$metadata#Cases", "value": [{"CaseID": "case-1", "Media": ['
            b'{"MediaID": 1, "Category": 2, "MD5": "0123456789abcdef0123456789abcdef", "Series": "s-1",'
            b' "VictimIdentified": "true"}]}]}')
    summary = service.import_vics(platform.engine, [Document("case.json", case)], options(platform, "vics"),
                                  {2: "B"})
    assert summary.imported == 1
    assert service.import_vics(platform.engine, [Document("case.json", case)], options(platform, "vics")
                               ).imported == 0
    with session_scope(platform.engine) as session:
        media = session.scalars(select(MediaRecord)).one()
        assert (media.vics_category, media.uk_category, media.series, media.victim_identified) == (2, "B", "s-1", True)
    mapping = csvmap.load_mapping(MAPPING)
    result = service.import_csv(platform.engine, "refs.csv", CSV, mapping, options(platform, "csv"))
    assert result.imported == 2 and [(e.line, e.file) for e in result.errors] == [(4, "refs.csv")]
    assert service.import_csv(platform.engine, "refs.csv", CSV, mapping, options(platform, "csv")).imported == 0


def test_identifiers_are_shared_across_batches_and_imports(platform: Platform) -> None:
    """The bulk writer reserves identifier ids itself on SQLite: a value seen in an earlier batch
    or import must be reused, never stored twice (blind indexes are unique)."""
    from jigsaw.intake.models import IdentifierRecord, Observation

    first = synthetic.documents(790001, 3, full=True)  # every full report has IP 198.51.100.7
    second = synthetic.documents(790101, 3, full=True)
    assert import_docs(platform, first, batch_size=2).imported == 3
    before = counts(platform)["identifiers"]
    assert import_docs(platform, second, batch_size=2).imported == 3
    with session_scope(platform.engine) as session:
        shared = session.scalars(select(IdentifierRecord).where(IdentifierRecord.type == "ip")).all()
        proxy = [i for i in shared if i.value == "198.51.100.7"]
        assert len(proxy) == 1
        seen_in = session.scalars(select(Observation.report_id).where(Observation.identifier_id == proxy[0].id))
        assert len(set(seen_in)) == 6
    assert counts(platform)["identifiers"] > before
