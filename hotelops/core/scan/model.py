"""What a format hands to ingest: plain records, independent of the wire format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from hotelops.core.models import Content


class ParseError(Exception):
    """A message could not be read; ``str()`` says what and where (element, field, line)."""


class LimitError(ParseError):
    """A message is over one of the scan's limits (size, nesting, MIME parts, room stays)."""


@dataclass
class ParsedGuest:
    """A guest as the operator sent it."""

    first_name: str = ""
    last_name: str = ""
    title: str = ""
    age: int | None = None
    gender: str = ""  # "M", "F" or ""
    birth_date: date | None = None
    passport: str = ""
    nationality: str = ""  # ISO 3166 alpha-3 when known, else as sent
    kind: str = "adult"  # adult | child | infant


@dataclass
class ParsedAttachment:
    """A file that came with the message (a voucher PDF ...). The name is untrusted data."""

    file_name: str
    content_type: str
    data: bytes


@dataclass
class ParsedReservation:
    """One reservation (one room) as read from one message.

    ``content`` is the operator's own word when it sends one (new / modification /
    cancellation); ``None`` lets ingest decide from what it already holds (new if unknown,
    else modification when anything changed).
    """

    voucher: str
    check_in: date
    check_out: date
    content: Content | None = None
    operator_status: str = ""  # the operator's status text as sent ("Book", "Modify", "Cancel")
    operator_code: str = ""  # the operator named by the message itself (requestor id), if any
    hotel_code: str = ""  # the hotel named by the message itself, if any
    operator_res_id: str = ""  # a room's own id when several rooms share a voucher
    operator_agency: str = ""
    sale_date: date | None = None
    adults: int = 0
    children: int = 0
    child_ages: list[int] = field(default_factory=list)
    infants: int = 0
    nationality: str = ""
    room_type: str = ""
    board: str = ""
    market: str = ""
    rate_type: str = ""
    room_count: int = 1
    price: Decimal | None = None
    currency: str = ""
    agency_note: str = ""
    option_date: datetime | None = None
    cancellation_date: date | None = None
    cancellation_note: str = ""
    arrival_flight: str = ""
    arrival_route: str = ""
    arrival_flight_time: str = ""
    departure_flight: str = ""
    departure_route: str = ""
    departure_flight_time: str = ""
    guests: list[ParsedGuest] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    ack_id: str = ""  # what to acknowledge to the operator (OTA UniqueID / ResID)

    @property
    def nights(self) -> int:
        """Nights of the stay."""
        return (self.check_out - self.check_in).days
