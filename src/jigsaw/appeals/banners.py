"""The supervisors' banner for published appeals past their review-by date."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import Role
from jigsaw.appeals.lifecycle import AppealStatus
from jigsaw.appeals.models import Appeal
from jigsaw.capability import Banner


def review_banners(session: Session, principal: Principal) -> list[Banner]:
    if principal.role is not Role.SUPERVISOR or not principal.at_centre:
        return []
    overdue = session.scalar(select(func.count()).select_from(Appeal).where(
        Appeal.status == AppealStatus.PUBLISHED, Appeal.review_flagged_at.is_not(None))) or 0
    if not overdue:
        return []
    return [Banner(f"{overdue} Most Wanted appeal(s) past their review-by date: review them or they are "
                   "unpublished automatically.", href="/appeals?status=published", href_label="Review",
                   level="warning")]
