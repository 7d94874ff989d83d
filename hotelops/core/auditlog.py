"""The audit log: every change a user makes is recorded with who, when, before and after."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from hotelops.core.models import AuditEntry
from hotelops.core.sqltypes import utcnow


def jsonable(value: Any) -> Any:
    """A JSON-safe copy: money as strings, dates ISO, enums by value, bytes by size."""
    if isinstance(value, SQLModel):
        # Enum columns come back from the database as plain strings: that is expected.
        dumped = value.model_dump(warnings=False)
        return {key: jsonable(item) for key, item in dumped.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def record(
    session: Session,
    *,
    hotel_id: int,
    user: str,
    action: str,
    entity: str,
    entity_id: int | None = None,
    before: Any = None,
    after: Any = None,
    note: str = "",
    at: datetime | None = None,
) -> AuditEntry:
    """Add one entry to the log in the caller's transaction (so it commits with the change)."""
    entry = AuditEntry(
        hotel_id=hotel_id,
        at=at or utcnow(),
        user=user,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        note=note,
    )
    session.add(entry)
    return entry


def entries(
    session: Session,
    hotel_id: int,
    *,
    entity: str | None = None,
    entity_id: int | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """The newest entries first, optionally for one record."""
    query = select(AuditEntry).where(AuditEntry.hotel_id == hotel_id)
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    query = query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).limit(limit)
    return list(session.exec(query))


def reservation_log(session: Session, hotel_id: int, inbox_id: int) -> list[AuditEntry]:
    """Everything logged about an inbox reservation and the hotel reservation it became.

    An id the hotel does not have is ``NotFound``, as everywhere else, not an empty log.
    """
    from hotelops.core.inbox import get_inbox
    from hotelops.core.models import HotelReservation

    get_inbox(session, hotel_id, inbox_id)

    linked = session.exec(
        select(HotelReservation.id).where(HotelReservation.inbox_reservation_id == inbox_id)
    ).first()
    found = entries(session, hotel_id, entity="inbox_reservation", entity_id=inbox_id, limit=1000)
    if linked is not None:
        found += entries(
            session, hotel_id, entity="hotel_reservation", entity_id=linked, limit=1000
        )
    return sorted(found, key=lambda e: (e.at, e.id or 0))
