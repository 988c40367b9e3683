"""Banners: at the centre, packages a force has not acknowledged in time and packages past their
action-by date; for a force, packages waiting for its acknowledgement."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.capability import Banner
from jigsaw.dissemination import service
from jigsaw.formats.wording import counted


def package_banners(session: Session, principal: Principal) -> list[Banner]:
    found = service.attention(session, principal)
    banners: list[Banner] = []
    if found.get("escalated"):
        banners.append(Banner(f"{counted(found['escalated'], 'package')} not acknowledged by the force in time.",
                              "/packages?status=dispatched", "See packages", level="danger"))
    if found.get("stale"):
        banners.append(Banner(f"{counted(found['stale'], 'package')} past their action-by date with no outcome.",
                              "/packages", "See packages", level="warning"))
    if found.get("unacknowledged"):
        banners.append(Banner(f"{counted(found['unacknowledged'], 'new package')} for your force: acknowledge receipt.",
                              "/inbox?status=dispatched", "Open the inbox", level="warning"))
    return banners
