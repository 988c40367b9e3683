"""Walks the app's whole route table: no staff route answers an anonymous or wrong-role request.

Every route must either be on the public allow-list below or depend on ``authorize()``; the
test reads each route's requirement and proves it is enforced for every other role. Every route
marked as answering with personal data (:data:`jigsaw.http.personal_data.PERSONAL_DATA`) must
leave an audit entry each time it answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.models import AuditEvent
from jigsaw.casework.models import Case
from jigsaw.db.engine import session_scope
from jigsaw.dissemination.models import Package
from jigsaw.http.deps import Authorize
from jigsaw.http.personal_data import returns_personal_data
from jigsaw.linking import queries
from jigsaw.linking.models import LinkSubject
from jigsaw.linking.rules import LinkingConfig
from jigsaw.outcomes.models import Outcome
from jigsaw.platform import Platform
from jigsaw.routing import service as routing
from tests.dissemination.conftest import dispatched_package
from tests.factories import ACTOR, StaffAccount, csrf_from, login, make_org, make_staff
from tests.linking import scenario

PUBLIC_PREFIXES = ("/report", "/most-wanted", "/login", "/static", "/openapi.json", "/api/docs",
                   "/docs/oauth2-redirect")
PUBLIC_PATHS = {"/", "/healthz", "/favicon.ico"}


def api_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):  # FastAPI's included router
            yield from api_routes(route.original_router.routes, prefix + route.include_context.prefix)


def requirement(route: APIRoute) -> Authorize | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Authorize):
            return dep.call
        stack.extend(dep.dependencies)
    return None


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def is_public(path: str) -> bool:
    """On the allow-list: a public path, or under a public prefix by whole segments
    (``/report`` covers ``/report/check``, never ``/reports/1``)."""
    return path in PUBLIC_PATHS or any(path == prefix or path.startswith(prefix + "/")
                                       for prefix in PUBLIC_PREFIXES)


def test_public_prefixes_match_whole_path_segments() -> None:
    assert is_public("/report") and is_public("/report/check") and is_public("/static/app.css")
    assert not is_public("/reports/1")
    assert not is_public("/reports")
    assert not is_public("/loginx")
    assert not is_public("/staticky/x")


def test_every_route_is_public_or_guarded(client: TestClient) -> None:
    unguarded = [path for path, route in api_routes(client.app.routes)  # type: ignore[attr-defined]
                 if not is_public(path) and requirement(route) is None]
    assert unguarded == []


def test_no_guarded_route_answers_anonymous_or_wrong_role(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    force = make_org(platform, "Force", OrgKind.UK_FORCE)
    staff = {role: make_staff(platform, f"{role.value}@centre.example", role, centre)
             for role in Role if role is not Role.FORCE_LIAISON}
    staff[Role.FORCE_LIAISON] = make_staff(platform, "liaison@force.example", Role.FORCE_LIAISON, force)
    guarded = [(path, route, req) for path, route in api_routes(client.app.routes)  # type: ignore[attr-defined]
               if (req := requirement(route)) is not None]
    assert guarded, "expected guarded routes"

    for path, route, _req in guarded:
        for method in route.methods:
            response = client.request(method, concrete(path), follow_redirects=False)
            assert response.status_code in (401, 303), f"anonymous {method} {path} -> {response.status_code}"
            if response.status_code == 303:
                assert response.headers["location"].startswith("/login")

    for role, account in staff.items():
        client.cookies.clear()
        login(client, platform, account)
        for path, route, req in guarded:
            org_kind = OrgKind.UK_FORCE if role is Role.FORCE_LIAISON else OrgKind.CENTRE
            allowed = role in req.roles and org_kind in req.org_kinds
            if allowed:
                continue
            for method in route.methods:
                response = client.request(method, concrete(path), follow_redirects=False)
                # Token-only routes do not recognise staff sessions at all (401); role routes say 403.
                expected = (403,) if req.roles else (401, 403)
                assert response.status_code in expected, f"{role.value} {method} {path} -> {response.status_code}"


def _audit_entries(platform: Platform) -> int:
    with session_scope(platform.engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.in_(["consultation", "disclosure"]))) or 0


def _path_values(platform: Platform, package_id: int | None = None) -> dict[str, str]:
    """Ids that exist, for every path parameter of a personal-data route."""
    sc = scenario.build()
    config = LinkingConfig(fan_out_cap=5)
    with session_scope(platform.engine) as session:
        scenario.store(session, sc, config)
        network_id = session.scalar(select(LinkSubject.network_id).where(LinkSubject.subject_id == sc.ids["a1"]))
        series_id = queries.list_series(session, limit=1)["series"][0]["id"]
        case_id = session.scalar(select(Case.id).order_by(Case.id))
    return {"case_id": str(case_id), "appeal_id": str(_sample_appeal(platform)),
            "report_id": str(sc.report_ids[next(iter(sc.report_ids))]),
            "subject_id": str(sc.ids["a1"]), "network_id": str(network_id), "series_id": str(series_id),
            "fmt": "graphml", "package_id": str(package_id or 0), "figure": "arrests",
            "assessment_id": str(_sample_assessment(platform))}


def _force(platform: Platform, name: str) -> int:
    """A UK force that receives packages (its point of contact set)."""
    org_id = make_org(platform, name, OrgKind.UK_FORCE)
    with session_scope(platform.engine) as session:
        routing.set_contact(session, ACTOR, name, email=f"spoc@{org_id}.police.test")
    return org_id


def _sample_assessment(platform: Platform) -> int:
    """A draft threat assessment, for the routes that read its written text."""
    from jigsaw.accounts.principal import Principal
    from jigsaw.publications.service import create

    centre = make_org(platform, "Assessment centre")
    author = make_staff(platform, "assessment.author@centre.example", Role.ANALYST, centre)
    with session_scope(platform.engine) as session:
        principal = Principal(organisation_id=centre, organisation_kind=OrgKind.CENTRE, user_id=author.id,
                              role=Role.ANALYST, label=author.email)
        return create(session, principal, start=date(2025, 4, 1), end=date(2026, 3, 31),
                      sections={"summary": "Route walk."}).id


def _sample_appeal(platform: Platform) -> int:
    """A draft Most Wanted appeal about a suspect adult, for the appeal routes."""
    from jigsaw.accounts.principal import Principal
    from jigsaw.appeals.service import create_appeal
    from jigsaw.intake.models import Subject

    force = make_org(platform, "Appeal force", OrgKind.UK_FORCE)
    centre = make_org(platform, "Appeal centre")
    author = make_staff(platform, "appeal.author@centre.example", Role.ANALYST, centre)
    with session_scope(platform.engine) as session:
        subject = session.scalars(select(Subject).where(Subject.role == "suspect").order_by(Subject.id)).first()
        assert subject is not None
        subject.age = None
        principal = Principal(organisation_id=centre, organisation_kind=OrgKind.CENTRE, user_id=author.id,
                              role=Role.ANALYST, label=author.email)
        return create_appeal(session, principal, subject_id=subject.id, reason="wanted", owning_force_id=force,
                             region="London", public={"name": "Route Walk", "age": 30}).id


# Query strings a personal-data route needs before it answers with data (the search asks for a purpose).
QUERY_STRINGS = {"/search": "?q=JIG-0000-0000&purpose=route+walk",
                 "/api/v1/search": "?q=JIG-0000-0000&purpose=route+walk"}


def test_every_personal_data_route_leaves_an_audit_entry(client: TestClient, platform: Platform) -> None:
    marked = [(path, route) for path, route in api_routes(client.app.routes)  # type: ignore[attr-defined]
              if returns_personal_data(route)]
    assert {"/api/v1/reports/{report_id}", "/reports/{report_id}", "/api/v1/networks", "/networks",
            "/networks/subject/{subject_id}/export.{fmt}", "/cases/{case_id}",
            "/api/v1/cases/{case_id}", "/appeals/{appeal_id}", "/api/v1/appeals/{appeal_id}",
            "/api/v1/appeals"} <= {path for path, _ in marked}
    values = _path_values(platform)
    centre = make_org(platform, "Centre")
    reader = make_staff(platform, "reader@centre.example", Role.ANALYST, centre)
    supervisor = make_staff(platform, "approver@centre.example", Role.SUPERVISOR, centre)
    force = _force(platform, "Receiving Force")
    liaison = make_staff(platform, "liaison@receiving.example", Role.FORCE_LIAISON, force)
    values["package_id"] = str(dispatched_package(platform, [int(values["report_id"])], force, reader, supervisor))
    # A route for recipients only is read by the liaison officer of the force it was sent to.
    for_recipients = {path for path, route in marked if (req := requirement(route)) is not None
                      and Role.ANALYST not in req.roles}
    signed_in = None
    for path, route in sorted(marked, key=lambda pr: pr[0] in for_recipients):
        account = liaison if path in for_recipients else reader
        if account is not signed_in:
            client.cookies.clear()
            login(client, platform, account)
            signed_in = account
        url = re.sub(r"\{([^}]+)\}", lambda m: values[m[1]], path) + QUERY_STRINGS.get(path, "")
        for method in route.methods:
            before = _audit_entries(platform)
            # The centre states why it reads through the API (the pages carry their own purpose).
            headers = {"X-Purpose": "route walk"} if path.startswith("/api/") else {}
            response = client.request(method, url, headers=headers, follow_redirects=False)
            assert response.status_code == 200, f"{method} {url} -> {response.status_code}"
            assert _audit_entries(platform) > before, f"{method} {url} answered without an audit entry"


OWN_ACCOUNT = ("/logout", "/account", "/api/v1/account")  # every user's own sign-out and tokens


def test_a_force_liaison_sees_only_what_was_sent_to_its_own_force(client: TestClient, platform: Platform) -> None:
    """Every route a force liaison officer may call is called with another force's package (and a
    draft of its own force's): none answers with it, and none changes it."""
    centre = make_org(platform, "Centre")
    analyst = make_staff(platform, "analyst@centre.example", Role.ANALYST, centre)
    supervisor = make_staff(platform, "supervisor@centre.example", Role.SUPERVISOR, centre)
    mine, theirs = _force(platform, "Our Force"), _force(platform, "Their Force")
    liaison = make_staff(platform, "liaison@our.example", Role.FORCE_LIAISON, mine)
    values = _path_values(platform)
    report_id = int(values["report_id"])
    others = dispatched_package(platform, [report_id], theirs, analyst, supervisor)
    ours = dispatched_package(platform, [report_id], mine, analyst, supervisor)
    their_outcome = _their_outcome(platform, theirs, others)
    open_to_forces = [(path, route) for path, route in api_routes(client.app.routes)  # type: ignore[attr-defined]
                      if (req := requirement(route)) is not None and Role.FORCE_LIAISON in req.roles
                      and OrgKind.UK_FORCE in req.org_kinds
                      and not path.startswith(OWN_ACCOUNT)]
    assert {"/inbox", "/inbox/packages/{package_id}", "/api/v1/packages", "/api/v1/packages/{package_id}",
            "/api/v1/packages/{package_id}/acknowledge", "/api/v1/packages/{package_id}/stix"} \
        <= {path for path, _ in open_to_forces}
    # Paths name a package (and one of its outcomes), or an operation (and one of its sitreps): another force's.
    assert all(set(re.findall(r"\{[^}]+\}", path)) in (set(), {"{package_id}"}, {"{package_id}", "{outcome_id}"},
                                                       {"{operation_id}"}, {"{operation_id}", "{number}"})
               for path, _ in open_to_forces)
    their_operation, their_op_reference = _operation_of(platform, analyst, others)
    login(client, platform, liaison)
    csrf = csrf_from(client.get("/inbox").text)
    bodies = {"reason": "not ours", "text": "hello", "comment": "c", "reference": "OURS/1", "kind": "arrest",
              "occurred_at": "2026-11-01T10:00:00Z"}
    with session_scope(platform.engine) as session:
        before = session.execute(select(Package.status, Package.acknowledged_at).where(Package.id == others)).one()
        their_reference = session.scalar(select(Package.reference).where(Package.id == others))
    for path, route in open_to_forces:
        for method in route.methods:
            url = path.replace("{package_id}", str(others)).replace("{outcome_id}", str(their_outcome)) \
                .replace("{operation_id}", str(their_operation)).replace("{number}", "1")
            if method == "GET":
                response = client.get(url, follow_redirects=False)
            else:
                response = client.post(url, data={**bodies, "csrf_token": csrf}, follow_redirects=False) \
                    if not path.startswith("/api/") else \
                    client.post(url, json={k: v for k, v in bodies.items() if k in _fields(route)})
            if "{" in path:
                assert response.status_code in (403, 404), f"{method} {url} -> {response.status_code}"
            else:
                assert response.status_code == 200, f"{method} {url} -> {response.status_code}"
                assert their_reference not in response.text, f"{method} {url} lists it"
                assert their_op_reference not in response.text, f"{method} {url} lists their operation"
                assert f"/packages/{others}\"" not in response.text, f"{method} {url} links it"
    with session_scope(platform.engine) as session:
        assert session.execute(select(Package.status, Package.acknowledged_at)
                               .where(Package.id == others)).one() == before
        assert session.scalars(select(Outcome.reference).where(Outcome.package_id == others,
                                                               Outcome.withdrawn_at.is_(None))).all() == ["THEIRS/1"]
    # The samples are real: the same routes answer for the force's own package.
    assert client.get(f"/api/v1/packages/{ours}").status_code == 200
    assert client.get(f"/inbox/packages/{ours}").status_code == 200
    assert [p["id"] for p in client.get("/api/v1/packages").json()["packages"]] == [ours]
    # And nothing of the centre's own: the case, the report, the queue, the search.
    for url in (f"/api/v1/cases/{values['case_id']}", f"/api/v1/reports/{report_id}", f"/reports/{report_id}",
                "/queue", "/api/v1/search?q=x&purpose=route+walk", f"/packages/{ours}"):
        assert client.get(url, follow_redirects=False).status_code in (401, 403), url


def _their_outcome(platform: Platform, force: int, package_id: int) -> int:
    """An arrest the other force recorded on its own package (its liaison officer's)."""
    from jigsaw.accounts.principal import Principal
    from jigsaw.outcomes.service import record_outcome

    officer = make_staff(platform, f"liaison@{force}.their.example", Role.FORCE_LIAISON, force)
    principal = Principal(organisation_id=force, organisation_kind=OrgKind.UK_FORCE, user_id=officer.id,
                          role=Role.FORCE_LIAISON, label=officer.email)
    with session_scope(platform.engine) as session:
        return record_outcome(session, principal, package_id, {"reference": "THEIRS/1", "kind": "arrest",
                                                               "occurred_at": "2026-11-01T10:00:00Z"}).outcome.id


def _operation_of(platform: Platform, analyst: StaffAccount, package_id: int) -> tuple[int, str]:
    """An operation with ``package_id`` as its one target (so its force takes part) and a sitrep."""
    from datetime import UTC, datetime, timedelta

    from jigsaw.operations import service as operations
    from tests.dissemination.conftest import principal_of

    who = principal_of(platform, analyst)
    with session_scope(platform.engine) as session:
        start = datetime.now(UTC) - timedelta(days=1)
        op = operations.create_operation(session, who, name="Their operation", starts_at=start,
                                         ends_at=start + timedelta(days=2))
        operations.add_targets(session, who, op.id, [operations.TargetSpec(package_id)])
        operations.freeze_sitrep(session, who, op.id)
        return op.id, op.reference


def _fields(route: APIRoute) -> set[str]:
    body = route.body_field
    if body is None:
        return set()
    model = getattr(body, "type_", None) or getattr(body.field_info, "annotation", None)
    return set(getattr(model, "model_fields", {}))
