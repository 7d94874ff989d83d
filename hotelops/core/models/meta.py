"""Facts about the database itself (schema version, whether it is a disposable demo)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class Meta(SQLModel, table=True):
    """A key/value row about this database."""

    __tablename__ = "hotelops_meta"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(default="", max_length=200)
