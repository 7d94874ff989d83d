"""AlpineBits GuestRequests: the OpenTravel pull profile used by Alpine hotel software.

The client (we) sends an HTTP POST, ``multipart/form-data``, with two fields: ``action`` names the
request (``OTA_Read:GuestRequests`` to pull, ``OTA_NotifReport:GuestRequests`` to acknowledge) and
``request`` holds the XML. Headers ``X-AlpineBits-ClientProtocolVersion`` (the AlpineBits release,
e.g. "2020-10") and ``X-AlpineBits-ClientID`` go with it, plus HTTP basic auth. The answer to a
pull is an ``OTA_ResRetrieveRS``, read by ``ota.parse``; a protocol-level failure is a plain-text
body starting with ``ERROR:``.

Releases 2018-10, 2020-10, 2022-10 and 2024-10 share these messages; the release is a parameter
and only changes the header (the builders' output is valid against each release's schema).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from hotelops.core.scan.formats import ota
from hotelops.core.scan.limits import DEFAULT_LIMITS, ScanLimits
from hotelops.core.scan.model import ParsedReservation

__all__ = [
    "ACTION_ACKNOWLEDGE",
    "ACTION_READ",
    "DEFAULT_VERSION",
    "VERSIONS",
    "build_notif_report",
    "build_read_rq",
    "check_version",
    "form_fields",
    "parse",
    "protocol_error",
    "request_headers",
]

ACTION_READ: Final = "OTA_Read:GuestRequests"
ACTION_ACKNOWLEDGE: Final = "OTA_NotifReport:GuestRequests"
VERSIONS: Final = ("2018-10", "2020-10", "2022-10", "2024-10")
DEFAULT_VERSION: Final = "2020-10"

#: The OTA message version AlpineBits puts on its messages (its samples use 7.000).
_OTA_VERSION = "7.000"
_ACK_TYPES = {"14", "15"}  # AlpineBits acknowledges reservations (14) and cancellations (15)


def check_version(version: str) -> str:
    """The AlpineBits release, if supported; ``ValueError`` naming the supported ones otherwise."""
    if version not in VERSIONS:
        raise ValueError(
            f"AlpineBits version {version!r} is not supported (use one of {', '.join(VERSIONS)})"
        )
    return version


def request_headers(client_id: str, *, version: str = DEFAULT_VERSION) -> dict[str, str]:
    """The AlpineBits headers of every request (authentication is added by the HTTP source)."""
    return {
        "X-AlpineBits-ClientProtocolVersion": check_version(version),
        "X-AlpineBits-ClientID": client_id,
    }


def form_fields(action: str, request: bytes) -> dict[str, str]:
    """The two multipart form fields of an AlpineBits request."""
    if action not in (ACTION_READ, ACTION_ACKNOWLEDGE):
        raise ValueError(f"unknown AlpineBits GuestRequests action {action!r}")
    return {"action": action, "request": request.decode("utf-8")}


def protocol_error(body: bytes) -> str:
    """The message of an AlpineBits plain-text ``ERROR:...`` answer, or "" for anything else."""
    text = body.lstrip()[:2000].decode("utf-8", "replace")
    if text.startswith("ERROR:"):
        return " ".join(text[len("ERROR:") :].split()) or "error"
    return ""


def _timestamp(value: datetime | None) -> str:
    moment = value if value is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.replace(microsecond=0).isoformat()


def _root(tag: str, timestamp: datetime | None) -> etree._Element:
    return etree.Element(
        f"{{{ota.OTA_NS}}}{tag}",
        {"Version": _OTA_VERSION, "TimeStamp": _timestamp(timestamp)},
        nsmap={None: ota.OTA_NS},
    )


def _child(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{ota.OTA_NS}}}{tag}", attributes)


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def build_read_rq(
    hotel_code: str,
    hotel_name: str = "",
    *,
    since: datetime | None = None,
    timestamp: datetime | None = None,
    version: str = DEFAULT_VERSION,
) -> bytes:
    """The AlpineBits ``OTA_ReadRQ`` for the hotel's guest requests.

    Without ``since`` the server sends what it has not delivered yet; with it, also the requests
    it already delivered since that moment (``SelectionCriteria/@Start``), to recover after a loss.
    """
    check_version(version)
    if not hotel_code:
        raise ValueError("hotel_code is required")
    root = _root("OTA_ReadRQ", timestamp)
    attributes = {"HotelCode": hotel_code}
    if hotel_name:
        attributes["HotelName"] = hotel_name
    read = _child(_child(root, "ReadRequests"), "HotelReadRequest", **attributes)
    if since is not None:
        _child(read, "SelectionCriteria", Start=_timestamp(since))
    return _serialize(root)


def build_notif_report(
    ack_ids: list[str], *, timestamp: datetime | None = None, version: str = DEFAULT_VERSION
) -> bytes:
    """The AlpineBits ``OTA_NotifReportRQ`` acknowledging stored guest requests.

    Each ack id is a ``UniqueID/@ID`` as ``ota.parse`` reports it: a plain id for a reservation
    (Type 14), ``"15:<id>"`` for a cancellation (Type 15).
    """
    check_version(version)
    if not ack_ids:
        raise ValueError("nothing to acknowledge")
    root = _root("OTA_NotifReportRQ", timestamp)
    _child(root, "Success")
    reservations = _child(
        _child(_child(root, "NotifDetails"), "HotelNotifReport"), "HotelReservations"
    )
    for ack_id in ack_ids:
        kind, unique_id = ota.split_ack_id(ack_id)
        if not unique_id:
            raise ValueError("an ack id is empty")
        if kind not in _ACK_TYPES:
            kind = "14"
        _child(_child(reservations, "HotelReservation"), "UniqueID", Type=kind, ID=unique_id)
    return _serialize(root)


def parse(data: bytes, *, limits: ScanLimits = DEFAULT_LIMITS) -> list[ParsedReservation]:
    """The guest requests in an AlpineBits ``OTA_ResRetrieveRS``, one per room (``ota.parse``)."""
    return ota.parse(data, limits=limits)
