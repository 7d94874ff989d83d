"""The hotelops data model: SQLModel tables, one module per area.

Importing this package registers every table with ``SQLModel.metadata``.
"""

from hotelops.core.models.approvals import ApprovalState, ApprovalVote, InternalApproval
from hotelops.core.models.audit import AuditEntry
from hotelops.core.models.decisions import InboxDecision, StopSale
from hotelops.core.models.guests import GuestProfile
from hotelops.core.models.hotel import (
    Agency,
    Board,
    Hotel,
    Market,
    RoomType,
    Segment,
    Source,
    User,
)
from hotelops.core.models.inbox import (
    Content,
    InboxDocument,
    InboxGuest,
    InboxPriceSettings,
    InboxReservation,
    InboxStatus,
    InboxVersion,
    RawMessage,
)
from hotelops.core.models.meta import Meta
from hotelops.core.models.operators import Mapping, MappingKind, Operator, OperatorKind, SenderRule
from hotelops.core.models.pricing import Contract, Promotion
from hotelops.core.models.rates import ExchangeRate
from hotelops.core.models.reservations import (
    ACTIVE_STATUSES,
    Folio,
    FolioLine,
    HotelReservation,
    ReservationGuest,
    ReservationNight,
    ReservationStatus,
)
from hotelops.core.models.scan import Scan, ScanLogLine, ScanRun, ScanState, SourceState

__all__ = [
    "ACTIVE_STATUSES",
    "Agency",
    "ApprovalState",
    "ApprovalVote",
    "AuditEntry",
    "Board",
    "Content",
    "Contract",
    "ExchangeRate",
    "Folio",
    "FolioLine",
    "GuestProfile",
    "Hotel",
    "HotelReservation",
    "InboxDecision",
    "InboxDocument",
    "InboxGuest",
    "InboxPriceSettings",
    "InboxReservation",
    "InboxStatus",
    "InboxVersion",
    "InternalApproval",
    "Mapping",
    "MappingKind",
    "Market",
    "Meta",
    "Operator",
    "OperatorKind",
    "Promotion",
    "RawMessage",
    "ReservationGuest",
    "ReservationNight",
    "ReservationStatus",
    "RoomType",
    "Scan",
    "ScanLogLine",
    "ScanRun",
    "ScanState",
    "Segment",
    "SenderRule",
    "Source",
    "SourceState",
    "StopSale",
    "User",
]
