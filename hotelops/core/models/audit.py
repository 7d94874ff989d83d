"""The audit log (Log / İşlem Kayıtları): who did what, when, with the record before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from hotelops.core.models.base import hotel_fk, json_dict, timestamp


class AuditEntry(SQLModel, table=True):
    """One logged action. ``before``/``after`` hold JSON-safe snapshots (money as strings)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    at: datetime = timestamp(index=True)
    user: str = Field(max_length=64)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=64)
    entity_id: int | None = None
    before: dict[str, Any] | None = json_dict(nullable=True)
    after: dict[str, Any] | None = json_dict(nullable=True)
    note: str = ""
