"""What other capabilities may use of operations: the operations a package is a target of, for
a package or case page to say so."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.operations.models import Operation, OperationTarget
from jigsaw.operations.rules import STATUS_LABELS, OperationStatus


def operations_for_packages(session: Session, package_ids: Iterable[int]) -> dict[int, list[tuple[int, str, str]]]:
    """Per package, the operations it is a target of: (id, reference, name)."""
    ids = sorted(set(package_ids))
    found: dict[int, list[tuple[int, str, str]]] = {}
    for start in range(0, len(ids), 500):
        for pid, oid, ref, name in session.execute(
                select(OperationTarget.package_id, Operation.id, Operation.reference, Operation.name)
                .join(Operation, Operation.id == OperationTarget.operation_id)
                .where(OperationTarget.package_id.in_(ids[start:start + 500])).distinct()
                .order_by(OperationTarget.package_id, Operation.id)):
            found.setdefault(pid, []).append((oid, ref, name))
    return found


__all__ = ["STATUS_LABELS", "OperationStatus", "operations_for_packages"]
