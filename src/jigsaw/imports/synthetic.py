# ruff: noqa: E501  (XML templates read best one element per line)
"""Fictional CyberTipline documents for tests, demos and benchmarks (no real data, no media).

Every value is invented: example.com/example.net addresses, Ofcom's drama range of
phone numbers (07700 900xxx), documentation IP ranges (192.0.2.0/24, 198.51.100.0/24,
2001:db8::/32) and random hashes that match nothing.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from jigsaw.identifiers import luhn_check_digit

_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
         '<{root} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
         'xsi:noNamespaceSchemaLocation="https://report.cybertip.org/ispws/xsd">\n')
INCIDENT_CP = "Child Pornography (possession, manufacture, and distribution)"
INCIDENT_ENTICEMENT = "Online Enticement of Children for Sexual Acts"
PLATFORMS = ("ChatSpace", "PicShare", "StreamHub", "GameLobby")


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _imei(rng: random.Random) -> str:
    body = "35" + "".join(rng.choice("0123456789") for _ in range(12))
    return body + str(luhn_check_digit(body))


def _e(value: object) -> str:
    return escape(str(value))


def report_xml(report_id: int, *, full: bool = False, seed: int | None = None) -> bytes:
    """A ``<report>`` document; ``full`` fills every section of the schema, in XSD order."""
    rng = random.Random(report_id if seed is None else seed)
    n = report_id % 900
    platform = PLATFORMS[report_id % len(PLATFORMS)]
    incident = INCIDENT_ENTICEMENT if full else INCIDENT_CP
    parts = [_HEAD.format(root="report")]
    if full:
        parts.append('  <batchedReport reason="VIRAL_POTENTIAL_MEME"/>\n')
    parts.append(f"  <incidentSummary>\n    <incidentType>{_e(incident)}</incidentType>\n"
                 f"    <platform>{platform}</platform>\n")
    if full:
        parts.append("    <escalateToHighPriority>Immediate risk to a child: meeting arranged for tonight."
                     "</escalateToHighPriority>\n    <reportAnnotations><sextortion/><minorToMinorInteraction/>"
                     "<csamSolicitation/></reportAnnotations>\n")
    parts.append("    <incidentDateTime>2025-03-01T10:00:00Z</incidentDateTime>\n")
    if full:
        parts.append("    <incidentDateTimeDescription>Messages over three days.</incidentDateTimeDescription>\n")
    parts.append("  </incidentSummary>\n")
    if full:
        parts.append(f"""  <internetDetails><webPageIncident thirdPartyHostedContent="false"><url>https://host.example/item/{n}</url><additionalInfo>hosted page</additionalInfo></webPageIncident></internetDetails>
  <internetDetails><emailIncident><emailAddress>sender{n}@example.net</emailAddress><content>subject line</content></emailIncident></internetDetails>
  <internetDetails><chatImIncident><chatClient>{platform} Messenger</chatClient><chatRoomName>room-{n}</chatRoomName><content>chat log summary</content></chatImIncident></internetDetails>
  <internetDetails><cellPhoneIncident><phoneNumber>07700 900{n:03d}</phoneNumber><latitude>51.5</latitude><longitude>-0.1</longitude></cellPhoneIncident></internetDetails>
  <internetDetails><peer2peerIncident><client>p2pclient</client><ipCaptureEvent><ipAddress>198.51.100.{n % 250 + 1}</ipAddress><eventName>Other</eventName></ipCaptureEvent><fileNames>archive.bin</fileNames></peer2peerIncident></internetDetails>
  <lawEnforcement fleaCountry="GB"><agencyName>Example Constabulary</agencyName><caseNumber>CASE-{n}</caseNumber><officerContact><firstName>Alex</firstName><lastName>Officer</lastName><email>officer@police.example</email></officerContact><reportedToLe>true</reportedToLe><servedLegalProcessDomestic>false</servedLegalProcessDomestic></lawEnforcement>
""")
    parts.append(f"  <reporter>\n    <reportingPerson><firstName>Safety</firstName><lastName>Team</lastName>"
                 f"<email>safety@{platform.lower()}.example.com</email></reportingPerson>\n")
    if full:
        parts.append("    <contactPerson><firstName>Casey</firstName><lastName>Contact</lastName>"
                     f"<email>legal@{platform.lower()}.example.com</email></contactPerson>\n"
                     "    <termsOfService>https://esp.example.com/terms</termsOfService>\n"
                     "    <legalURL>https://esp.example.com/legal</legalURL>\n")
    parts.append("  </reporter>\n")
    phone = f'<phone type="Mobile" countryCallingCode="+44" verified="true">7700 900{n:03d}</phone>'
    parts.append(f"""  <personOrUserReported>
    <personOrUserReportedPerson><firstName>Sam</firstName><lastName>Suspect{n}</lastName>{phone}<email type="Home" verified="true">user{report_id}@example.com</email>""")
    if full:
        parts.append('<address type="Home"><address>1 Example Street</address><city>Exampleton</city>'
                     '<zipCode>EX1 1AA</zipCode><country>GB</country></address><age>34</age>')
    parts.append(f"""</personOrUserReportedPerson>
    <espIdentifier>u-{report_id}</espIdentifier>
    <screenName>user_{report_id}</screenName>
""")
    if full:
        parts.append(f"    <displayName>Sammy {n}</displayName>\n"
                     f"    <profileUrl>https://{platform.lower()}.example.com/u/{report_id}</profileUrl>\n"
                     "    <profileBio>fictional bio</profileBio>\n")
    parts.append(f"""    <ipCaptureEvent><ipAddress>192.0.2.{n % 250 + 1}</ipAddress><eventName>Login</eventName><dateTime>2025-03-01T09:58:00Z</dateTime><port>{40000 + n}</port></ipCaptureEvent>
    <ipCaptureEvent><ipAddress>2001:db8::{n:x}</ipAddress><eventName>Upload</eventName><dateTime>2025-03-01T09:59:00Z</dateTime></ipCaptureEvent>
""")
    if full:
        parts.append(f"""    <deviceId><idType>IMEI</idType><idValue>{_imei(rng)}</idValue><eventName>Login</eventName><dateTime>2025-03-01T09:58:00Z</dateTime></deviceId>
    <deviceId><idType>ICCID</idType><idValue>8944{_hex(rng, 8)}</idValue></deviceId>
    <priorCTReports>{report_id - 1}</priorCTReports>
    <groupIdentifier>group-{n}</groupIdentifier>
    <accountTemporarilyDisabled>true</accountTemporarilyDisabled>
    <estimatedLocation verified="false" timestamp="2025-03-01T09:58:00Z"><city>Exampleton</city><region>Exampleshire</region><countryCode>GB</countryCode></estimatedLocation>
    <associatedAccount accountType="Billing" thirdPartyUser="false"><espIdentifier>billing-{report_id}</espIdentifier><screenName>payer_{report_id}</screenName><ipCaptureEvent><ipAddress>198.51.100.7</ipAddress><eventName>Purchase</eventName><port>443</port></ipCaptureEvent></associatedAccount>
    <additionalInfo>Account created two weeks before the incident.</additionalInfo>
""")
    parts.append("  </personOrUserReported>\n")
    if full:
        parts.append(f"""  <intendedRecipient>
    <intendedRecipientPerson><firstName>Riley</firstName><email>recipient{n}@example.org</email></intendedRecipientPerson>
    <screenName>riley_{n}</screenName>
  </intendedRecipient>
  <victim>
    <victimPerson><firstName>Jo</firstName><lastName>Child</lastName><phone>07700 900{(n + 1) % 1000:03d}</phone><dateOfBirth>2011-06-01</dateOfBirth></victimPerson>
    <espIdentifier>v-{report_id}</espIdentifier>
    <schoolName>Example Academy</schoolName>
  </victim>
  <additionalInfo>Reported through the in-app flow.</additionalInfo>
""")
    parts.append("</report>\n")
    return "".join(parts).encode("utf-8")


def file_details_xml(report_id: int, file_no: int, *, full: bool = False, classification: str = "A2") -> bytes:
    """A ``<fileDetails>`` document for file ``file_no`` of a report (random hashes, no file)."""
    rng = random.Random(report_id * 1000 + file_no)
    parts = [_HEAD.format(root="fileDetails"),
             f"  <reportId>{report_id}</reportId>\n  <fileId>F{file_no}</fileId>\n"]
    if full:
        parts.append(f"  <fileName>esp-{_hex(rng, 8)}.jpg</fileName>\n")
    parts.append(f"  <originalFileName>img_{file_no:03d}.jpg</originalFileName>\n")
    if full:
        parts.append("  <uploadedToEspTimestamp>2025-03-01T09:59:00Z</uploadedToEspTimestamp>\n"
                     "  <locationOfFile>https://cdn.example.com/f/1</locationOfFile>\n")
    parts.append("  <fileViewedByEsp>true</fileViewedByEsp>\n")
    if full:
        parts.append("  <exifViewedByEsp>false</exifViewedByEsp>\n")
    parts.append("  <publiclyAvailable>false</publiclyAvailable>\n  <fileRelevance>Reported</fileRelevance>\n")
    if full:
        parts.append("  <fileAnnotations><generativeAi/><possibleSelfProduction/></fileAnnotations>\n")
    parts.append(f"  <industryClassification>{classification}</industryClassification>\n"
                 f'  <originalFileHash hashType="MD5">{_hex(rng, 32)}</originalFileHash>\n'
                 f'  <originalFileHash hashType="SHA1">{_hex(rng, 40)}</originalFileHash>\n')
    if full:
        parts.append(f"""  <originalFileHash hashType="SHA256">{_hex(rng, 64)}</originalFileHash>
  <ipCaptureEvent><ipAddress>192.0.2.200</ipAddress><eventName>Upload</eventName><dateTime>2025-03-01T09:59:00Z</dateTime><port>51000</port></ipCaptureEvent>
  <deviceId><idType>Android ID</idType><idValue>a1b2c3d4e5</idValue></deviceId>
  <details type="EXIF"><nameValuePair><name>Model</name><value>ExampleCam</value></nameValuePair></details>
  <details type="HASH"><nameValuePair><name>PDQ</name><value>{_hex(rng, 64)}</value></nameValuePair></details>
  <additionalInfo>sent in a direct message</additionalInfo>
""")
    parts.append("</fileDetails>\n")
    return "".join(parts).encode("utf-8")


def documents(first_id: int, count: int, *, files_per_report: int = 1, full: bool = False,
              layout: str = "flat") -> dict[str, bytes]:
    """Batch members by name: ``flat`` (``<id>.xml`` + ``<id>-file<k>.xml``) or ``folders``."""
    out: dict[str, bytes] = {}
    for report_id in range(first_id, first_id + count):
        if layout == "folders":
            out[f"{report_id}/report.xml"] = report_xml(report_id, full=full)
            for k in range(1, files_per_report + 1):
                out[f"{report_id}/file{k}.xml"] = file_details_xml(report_id, k, full=full)
        else:
            out[f"{report_id}.xml"] = report_xml(report_id, full=full)
            for k in range(1, files_per_report + 1):
                out[f"files/{report_id}-file{k}.xml"] = file_details_xml(report_id, k, full=full)
    return out


def write_directory(root: Path, docs: dict[str, bytes]) -> Path:
    for name, data in docs.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


def zip_bytes(docs: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in docs.items():
            archive.writestr(name, data)
    return buffer.getvalue()
