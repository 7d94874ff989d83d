"""Guest profiles (misafir kartı): the hotel's guest cards used to match incoming guests."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from hotelops.core.models.base import hotel_fk, timestamp


class GuestProfile(SQLModel, table=True):
    """A guest card. ``vip_level`` is empty for a non-VIP; ``repeat_count`` counts earlier stays."""

    __tablename__ = "guest_profiles"

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    title: str = Field(default="", max_length=16)
    first_name: str = Field(max_length=80)
    last_name: str = Field(max_length=80)
    name_folded: str = Field(default="", max_length=170, index=True)
    birth_date: date | None = None
    passport: str = Field(default="", max_length=32, index=True)
    nationality: str = Field(default="", max_length=3)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    vip_level: str = Field(default="", max_length=16)
    repeat_count: int = 0
    gray_list: bool = False
    problem_guest: bool = False
    note: str = ""
    created_at: datetime = timestamp()
