"""Operators, mail sender rules and code mappings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from hotelops.core.models.base import choice, fk, hotel_fk, json_dict, timestamp, unique_per_hotel


class OperatorKind(StrEnum):
    """How an operator's reservations reach us."""

    API = "api"
    MAIL = "mail"
    FOLDER = "folder"


class MappingKind(StrEnum):
    """The five operator codes that must mean something in the hotel."""

    AGENCY = "agency"
    ROOM_TYPE = "room_type"
    BOARD = "board"
    MARKET = "market"
    RATE_TYPE = "rate_type"


class Operator(SQLModel, table=True):
    """A tour operator (TUI, Sejour, Jet2 ...). ``settings`` holds no secret, only env-var names."""

    __tablename__ = "operators"
    __table_args__ = (unique_per_hotel("operators", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    code: str = Field(max_length=32)
    name: str = Field(max_length=120)
    kind: OperatorKind = choice(OperatorKind, OperatorKind.API)
    format: str = Field(default="ota", max_length=32)
    default_agency_id: int | None = fk("agencies.id", nullable=True)
    settings: dict[str, Any] = json_dict()
    active: bool = True


class SenderRule(SQLModel, table=True):
    """Mail from ``pattern`` (a full address, or ``@domain`` for every sender there) → operator."""

    __tablename__ = "sender_rules"
    __table_args__ = (unique_per_hotel("sender_rules", "pattern"),)

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    pattern: str = Field(max_length=254)
    operator_id: int = fk("operators.id", cascade=True)


class Mapping(SQLModel, table=True):
    """Operator code → hotel code, per operator and kind. A room type may also fix the occupancy."""

    __tablename__ = "mappings"
    __table_args__ = (
        UniqueConstraint("operator_id", "kind", "operator_code", name="uq_mappings_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    operator_id: int = fk("operators.id", cascade=True)
    kind: MappingKind = choice(MappingKind, MappingKind.ROOM_TYPE)
    operator_code: str = Field(max_length=120)
    hotel_code: str = Field(max_length=32)
    occupancy: str = Field(default="", max_length=16)
    created_at: datetime = timestamp()
    created_by: str = Field(default="", max_length=64)
