"""İç Onay Süreci: internal approvals of an inbox reservation, and the approvers' votes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from hotelops.core.models.base import choice, fk, hotel_fk, timestamp


class ApprovalState(StrEnum):
    """Where an internal approval stands: started, then approved (all yes) or rejected (a no)."""

    STARTED = "started"
    APPROVED = "approved"
    REJECTED = "rejected"


class InternalApproval(SQLModel, table=True):
    """One round of internal approval of an inbox reservation; the newest round counts."""

    __tablename__ = "internal_approvals"

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    inbox_reservation_id: int = fk("inbox_reservations.id", cascade=True)
    status: ApprovalState = choice(ApprovalState, ApprovalState.STARTED, index=True)
    note: str = ""
    started_by: str = Field(default="", max_length=64)
    started_at: datetime = timestamp()
    decided_at: datetime | None = timestamp(now=False)


class ApprovalVote(SQLModel, table=True):
    """One approver of an internal approval (1..5): their vote ("" while waiting) and mail."""

    __tablename__ = "approval_votes"
    __table_args__ = (
        UniqueConstraint("approval_id", "seq", name="uq_approval_votes_seq"),
        UniqueConstraint("approval_id", "username", name="uq_approval_votes_username"),
    )

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    approval_id: int = fk("internal_approvals.id", cascade=True)
    seq: int = Field(ge=1, le=5)
    username: str = Field(max_length=64)
    email: str = Field(default="", max_length=254)
    vote: str = Field(default="", max_length=8)  # "" (waiting) | yes | no
    note: str = ""
    voted_at: datetime | None = timestamp(now=False)
    notified_at: datetime | None = timestamp(now=False)
    notify_error: str = ""
