"""The demo's operation: several forces on the board, warrants executed, arrests, a frozen sitrep
and a revision logged against it; the demo force's liaison sees its own row."""

from __future__ import annotations

from sqlalchemy import select

from jigsaw.accounts.models import User
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.service import verify
from jigsaw.demo.operations import OPERATION_NAME
from jigsaw.demo.service import load_demo
from jigsaw.operations import service as operations
from jigsaw.operations.models import Operation
from jigsaw.platform import Platform


def _principal(session: object, email: str) -> Principal:
    user = session.scalar(select(User).where(User.email == email))  # type: ignore[attr-defined]
    return Principal(organisation_id=user.organisation_id, organisation_kind=OrgKind(user.organisation.kind),
                     user_id=user.id, role=Role(user.role), label=user.email)


def test_the_demo_runs_an_operation_with_several_forces(sqlite_platform: Platform) -> None:
    with sqlite_platform.session() as session:
        load_demo(session, sqlite_platform.settings.data_dir, reports=20)
        session.commit()
        op_id = session.scalar(select(Operation.id).where(Operation.name == OPERATION_NAME))
        assert op_id is not None
        board = operations.board(session, _principal(session, "analyst@demo.example"), op_id)
        total = board.figures.total
        assert len(board.figures.rows) >= 3 and total.targets >= 4
        assert total.warrants["executed"] == 2 and total.arrests == 2 and total.children_total == 3
        assert total.overdue_warrants == 1 and board.operation.status == "live"
        assert [s.number for s in board.sitreps] == [1]
        assert any(r.line == "revised since sitrep 1: arrests 1 → 2" for r in board.revisions)
        own = operations.board(session, _principal(session, "liaison@demo.example"), op_id)
        assert len(own.figures.rows) == 1 and own.figures.total.arrests == 1
        assert verify(session).ok
        # A second load adds nothing.
        load_demo(session, sqlite_platform.settings.data_dir, reports=20)
        assert len(list(session.scalars(select(Operation.id)))) == 1
