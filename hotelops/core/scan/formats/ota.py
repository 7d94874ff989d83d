"""OpenTravel (OTA 2011B-2015A) reservation messages: read them, and build the pull and the ack.

Read: ``OTA_HotelResNotifRQ`` (push), ``OTA_HotelResModifyNotifRQ`` (push of changes) and
``OTA_ResRetrieveRS`` (the answer to a pull, including the AlpineBits GuestRequests profile), in the
namespace ``http://www.opentravel.org/OTA/2003/05`` or in no namespace, optionally inside a SOAP
envelope. Each ``RoomStay`` becomes one ``ParsedReservation``; rooms of one reservation share its
voucher and carry their own ``operator_res_id``.

Where each field comes from (first found wins):

- content / operator_status: ``RoomStay/@RoomStayStatus``, ``HotelReservation/@ResStatus``, the
  root's ``@ResStatus``, a ``UniqueID`` of Type 15 (cancellation), the message kind
  (``OTA_HotelResModifyNotifRQ`` → modification). Book, Booked, Commit, Reserved, Requested,
  Initiate → new; Modify, Modified → modification; Cancel, Cancelled → cancellation; any other
  status leaves ``content`` empty (ingest decides by comparing with what it holds).
- voucher: ``UniqueID`` of Type 14, else of Type 15, else the first ``UniqueID``; else
  ``ResGlobalInfo/HotelReservationIDs/HotelReservationID/@ResID_Value`` (ResID_Type 14, 16, 13,
  then any but 10, the hotel's own number).
- ack_id: the ``UniqueID/@ID``, written ``"15:<ID>"`` when its Type is not 14 so that the
  acknowledgement can repeat the Type (see ``split_ack_id``); the voucher when there is no UniqueID.
- operator_res_id (several rooms only): ``RoomStay/Reference/@ID``, ``RoomStay/@IndexNumber``, else
  the room's position ("1", "2" ...).
- check_in / check_out: ``TimeSpan/@Start`` and ``@End``, or one of them with ``@Duration``
  ("P7N" AlpineBits nights, "P7D"), or ``StartDateWindow/@EarliestDate`` with ``@Duration``; the
  room's TimeSpan, else ``ResGlobalInfo/TimeSpan``. A cancellation that does not repeat the stay
  (AlpineBits sends only the id) gets ``STAY_NOT_SENT`` for both dates.
- room_type: ``RoomTypes/RoomType/@RoomTypeCode``, else ``RoomRates/RoomRate/@RoomTypeCode``;
  room_count: their ``@NumberOfUnits`` (default 1).
- rate_type: ``RatePlans/RatePlan/@RatePlanCode``, else ``RoomRate/@RatePlanCode``.
- board: ``RoomStay/TPA_Extensions/Board`` (the operator's own word), else
  ``RatePlan/MealsIncluded/@MealPlanCodes`` (OTA MPT codes mapped by ``MEAL_PLAN_BOARDS``, other
  codes kept as sent), else the Breakfast/Lunch/Dinner flags.
- market: ``RoomStay/@MarketCode``, ``RatePlan/@MarketCode``, ``TPA_Extensions/Market``.
- adults / children / child_ages / infants: ``GuestCounts/GuestCount`` by ``@AgeQualifyingCode``
  (10 adult, 8 child, 7 infant; 3 is an infant and 4, 5, 9, 14, 18, 19 are children too); without a
  code a count with ``@Age`` is children (AlpineBits), without one adults. Falls back to
  ``ResGlobalInfo/GuestCounts``, then to counting the room's guests.
- price / currency: ``Total/@AmountAfterTax`` (else ``@AmountBeforeTax``) and ``@CurrencyCode``;
  an integer amount with ``@DecimalPlaces`` is scaled ("189900", 2 → 1899.00).
- guests: ``ResGuests/ResGuest`` linked to the room by ``RoomStay/ResGuestRPHs`` (unlinked guests
  go to the first room): ``Customer`` ``PersonName`` (NamePrefix, GivenName + MiddleName,
  Surname), ``@BirthDate``, ``@Gender``, ``Document/@DocID`` (DocType 2, passport, preferred),
  ``CitizenCountryName/@Code`` (ISO alpha-2 turned into alpha-3); ``ResGuest/@Age`` and
  ``@AgeQualifyingCode``. The reservation's nationality is the first guest's.
- flights: the room's guests' ``ArrivalTransport`` / ``DepartureTransport`` ``TransportInfo``
  (``@ID`` flight, ``@LocationCode`` route, ``@Time`` → "HH:MM").
- operator_code: ``POS/Source/RequestorID/@ID`` (the reservation's POS, else the message's);
  operator_agency: ``POS/Source/BookingChannel/CompanyName``, else the travel agent profile's
  ``CompanyInfo/CompanyName`` (AlpineBits), else ``TPA_Extensions/Agency``.
- hotel_code: ``BasicPropertyInfo/@HotelCode`` (the room's, else ``ResGlobalInfo``'s).
- agency_note: ``Comments`` and ``SpecialRequests`` of the reservation, the room and its guests;
  a comment whose @Name mentions "cancel" goes to ``cancellation_note`` instead.
- sale_date: ``HotelReservation/@CreateDateTime``; cancellation_date:
  ``HotelReservationID/@CancellationDate``, else for a cancellation ``@LastModifyDateTime`` or
  ``@CreateDateTime``; option_date: ``Guarantee/Deadline/@AbsoluteDeadline``.

An ``OTA_ResRetrieveRS`` that answers ``Errors`` raises ``ParseError`` quoting them: an error
answer is not an empty inbox, and the office must see it. An empty ``ReservationsList`` is no
reservations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Final

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from hotelops.core.models import Content
from hotelops.core.scan.formats.xmlsafe import parse_xml
from hotelops.core.scan.limits import DEFAULT_LIMITS, ScanLimits, check_room_stays
from hotelops.core.scan.model import ParsedGuest, ParsedReservation, ParseError

__all__ = [
    "MEAL_PLAN_BOARDS",
    "OTA_NS",
    "STAY_NOT_SENT",
    "ack_id_for",
    "build_notif_report_rq",
    "build_read_rq",
    "country_alpha3",
    "is_country_code",
    "parse",
    "parse_element",
    "response_errors",
    "split_ack_id",
]

OTA_NS: Final = "http://www.opentravel.org/OTA/2003/05"
_SOAP_NS = {"http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/2003/05/soap-envelope"}

#: check_in and check_out of a cancellation that does not repeat the stay (AlpineBits cancellations
#: carry only the reservation id); ingest keeps the dates of the version it already holds.
STAY_NOT_SENT: Final = date(1, 1, 1)

#: OpenTravel code list MPT (meal plan type) → board code; other codes are kept as sent.
MEAL_PLAN_BOARDS: Final[dict[str, str]] = {
    "1": "AI",  # all inclusive
    "3": "BB",  # bed & breakfast
    "4": "BB",  # buffet breakfast
    "10": "FB",  # full board
    "11": "BB",  # full breakfast
    "12": "HB",  # half board / modified American plan
    "14": "RO",  # room only
    "15": "SC",  # self catering
    "17": "HB",  # dinner, bed and breakfast
    "19": "BB",  # breakfast
}

_STATUS_CONTENT: Final[dict[str, Content]] = {
    "book": Content.NEW,
    "booked": Content.NEW,
    "commit": Content.NEW,
    "reserved": Content.NEW,
    "requested": Content.NEW,
    "initiate": Content.NEW,
    "new": Content.NEW,
    "modify": Content.MODIFICATION,
    "modified": Content.MODIFICATION,
    "cancel": Content.CANCELLATION,
    "cancelled": Content.CANCELLATION,
    "canceled": Content.CANCELLATION,
}

# OpenTravel code list AQC (age qualifying code).
_INFANT_CODES = {"3", "7"}
_CHILD_CODES = {"4", "5", "8", "9", "14", "18", "19"}
_ADULT_CODE = "10"

_RES_ID_PREFERENCE = ("14", "16", "13")
_HOTEL_RES_ID_TYPE = "10"
_PASSPORT_DOC_TYPE = "2"
_TRAVEL_AGENT_PROFILE = "4"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_AMOUNT = re.compile(r"-?\d+(\.\d+)?")
_DURATION = re.compile(r"P(\d+)([NDW])", re.IGNORECASE)
_ACK_PREFIX = re.compile(r"(\d{1,3}):(.+)", re.DOTALL)

# ISO 3166-1 alpha-2 → alpha-3, packed as 5-letter groups ("DEDEU"), plus "UK" and "XK" in use.
_COUNTRIES = (
    "ADAND AEARE AFAFG AGATG AIAIA ALALB AMARM AOAGO AQATA ARARG ASASM ATAUT AUAUS AWABW AXALA "
    "AZAZE BABIH BBBRB BDBGD BEBEL BFBFA BGBGR BHBHR BIBDI BJBEN BLBLM BMBMU BNBRN BOBOL BQBES "
    "BRBRA BSBHS BTBTN BVBVT BWBWA BYBLR BZBLZ CACAN CCCCK CDCOD CFCAF CGCOG CHCHE CICIV CKCOK "
    "CLCHL CMCMR CNCHN COCOL CRCRI CUCUB CVCPV CWCUW CXCXR CYCYP CZCZE DEDEU DJDJI DKDNK DMDMA "
    "DODOM DZDZA ECECU EEEST EGEGY EHESH ERERI ESESP ETETH FIFIN FJFJI FKFLK FMFSM FOFRO FRFRA "
    "GAGAB GBGBR GDGRD GEGEO GFGUF GGGGY GHGHA GIGIB GLGRL GMGMB GNGIN GPGLP GQGNQ GRGRC GSSGS "
    "GTGTM GUGUM GWGNB GYGUY HKHKG HMHMD HNHND HRHRV HTHTI HUHUN IDIDN IEIRL ILISR IMIMN ININD "
    "IOIOT IQIRQ IRIRN ISISL ITITA JEJEY JMJAM JOJOR JPJPN KEKEN KGKGZ KHKHM KIKIR KMCOM KNKNA "
    "KPPRK KRKOR KWKWT KYCYM KZKAZ LALAO LBLBN LCLCA LILIE LKLKA LRLBR LSLSO LTLTU LULUX LVLVA "
    "LYLBY MAMAR MCMCO MDMDA MEMNE MFMAF MGMDG MHMHL MKMKD MLMLI MMMMR MNMNG MOMAC MPMNP MQMTQ "
    "MRMRT MSMSR MTMLT MUMUS MVMDV MWMWI MXMEX MYMYS MZMOZ NANAM NCNCL NENER NFNFK NGNGA NINIC "
    "NLNLD NONOR NPNPL NRNRU NUNIU NZNZL OMOMN PAPAN PEPER PFPYF PGPNG PHPHL PKPAK PLPOL PMSPM "
    "PNPCN PRPRI PSPSE PTPRT PWPLW PYPRY QAQAT REREU ROROU RSSRB RURUS RWRWA SASAU SBSLB SCSYC "
    "SDSDN SESWE SGSGP SHSHN SISVN SJSJM SKSVK SLSLE SMSMR SNSEN SOSOM SRSUR SSSSD STSTP SVSLV "
    "SXSXM SYSYR SZSWZ TCTCA TDTCD TFATF TGTGO THTHA TJTJK TKTKL TLTLS TMTKM TNTUN TOTON TRTUR "
    "TTTTO TVTUV TWTWN TZTZA UAUKR UGUGA UMUMI USUSA UYURY UZUZB VAVAT VCVCT VEVEN VGVGB VIVIR "
    "VNVNM VUVUT WFWLF WSWSM YEYEM YTMYT ZAZAF ZMZMB ZWZWE UKGBR XKXKX"
)
_ALPHA3 = {group[:2]: group[2:] for group in _COUNTRIES.split()}
_ALPHA3_CODES = frozenset(_ALPHA3.values())

_ROOTS = ("OTA_HotelResNotifRQ", "OTA_HotelResModifyNotifRQ", "OTA_ResRetrieveRS")


def country_alpha3(code: str) -> str:
    """ISO 3166 alpha-3 for an alpha-2 or alpha-3 code ("DE" → "DEU"); unknown codes as sent."""
    cleaned = code.strip().upper()
    if len(cleaned) == 2:
        return _ALPHA3.get(cleaned, cleaned)
    return cleaned


def is_country_code(code: str) -> bool:
    """Whether ``code`` is a known ISO 3166 alpha-2 or alpha-3 code."""
    cleaned = code.strip().upper()
    return cleaned in _ALPHA3 or cleaned in _ALPHA3_CODES


def ack_id_for(unique_id_type: str, unique_id: str) -> str:
    """The ack id for an OTA UniqueID: its ID, prefixed ``"<Type>:"`` unless the Type is 14."""
    kind = unique_id_type.strip()
    return unique_id if kind in ("", "14") else f"{kind}:{unique_id}"


def split_ack_id(ack_id: str) -> tuple[str, str]:
    """``(UniqueID Type, ID)`` of an ack id: ``"15:c24e"`` → ``("15", "c24e")``, ``"791"`` → 14."""
    match = _ACK_PREFIX.fullmatch(ack_id)
    if match:
        return match.group(1), match.group(2)
    return "14", ack_id


# ----------------------------------------------------------------------------------------- read


def parse(data: bytes, *, limits: ScanLimits = DEFAULT_LIMITS) -> list[ParsedReservation]:
    """Every reservation (one per room) in an OTA message; ``ParseError`` if it cannot be read,
    ``LimitError`` if it nests too deep or holds too many room stays."""
    return parse_element(parse_xml(data, max_depth=limits.max_depth), limits=limits)


def parse_element(
    root: etree._Element, *, limits: ScanLimits = DEFAULT_LIMITS
) -> list[ParsedReservation]:
    """Like ``parse``, for a document already parsed with ``xmlsafe.parse_xml``."""
    # Counted before anything is built: each stay costs far more as records than as XML.
    check_room_stays(sum(1 for _ in root.iter("{*}RoomStay")), limits)
    root = _unwrap_soap(root)
    name = etree.QName(root).localname
    namespace = etree.QName(root).namespace or ""
    if namespace not in ("", OTA_NS):
        raise ParseError(f"{name}: namespace {namespace!r} is not OpenTravel ({OTA_NS})")
    xml = _Xml(namespace)
    if name not in _ROOTS:
        raise ParseError(f"{name}: not an OTA reservation message (expected {', '.join(_ROOTS)})")
    errors = response_errors(root)
    if errors:
        raise ParseError(f"{name}: the operator answered with errors: {'; '.join(errors)}")
    if name == "OTA_HotelResNotifRQ":
        elements = xml.findall(root, "HotelReservations/HotelReservation")
        element_path = "HotelReservations/HotelReservation"
        default: Content | None = None
    elif name == "OTA_HotelResModifyNotifRQ":
        elements = xml.findall(root, "HotelResModifies/HotelResModify")
        element_path = "HotelResModifies/HotelResModify"
        default = Content.MODIFICATION
    else:
        elements = xml.findall(root, "ReservationsList/HotelReservation")
        element_path = "ReservationsList/HotelReservation"
        default = None
    message = _Message(
        xml=xml,
        root_name=name,
        status=(root.get("ResStatus") or "").strip(),
        default_content=default,
        pos=xml.find(root, "POS"),
    )
    reservations: list[ParsedReservation] = []
    for index, element in enumerate(elements, 1):
        where = f"{name}/{element_path}[{index}]"
        reservations.extend(_hotel_reservation(message, element, where))
    return reservations


def response_errors(root: etree._Element) -> list[str]:
    """The ``Errors/Error`` of an OTA response as "code (type N): text" lines; empty if none."""
    root = _unwrap_soap(root)
    xml = _Xml(etree.QName(root).namespace or "")
    lines = []
    for error in xml.findall(root, "Errors/Error"):
        text = " ".join((error.text or "").split()) or (error.get("ShortText") or "")
        code = error.get("Code") or "?"
        lines.append(f"{code} (type {error.get('Type') or '?'}): {text}".rstrip(": "))
    return lines


@dataclass(frozen=True)
class _Xml:
    """Element lookups in one namespace (or none), so paths read like the standard."""

    namespace: str

    def path(self, path: str) -> str:
        if not self.namespace:
            return path
        return "/".join(f"{{{self.namespace}}}{step}" for step in path.split("/"))

    def find(self, element: etree._Element | None, path: str) -> etree._Element | None:
        if element is None:
            return None
        return element.find(self.path(path))

    def findall(self, element: etree._Element | None, path: str) -> list[etree._Element]:
        if element is None:
            return []
        return list(element.iterfind(self.path(path)))

    def attr(self, element: etree._Element | None, path: str, name: str) -> str:
        found = self.find(element, path) if path else element
        if found is None:
            return ""
        return (found.get(name) or "").strip()

    def text(self, element: etree._Element | None, path: str) -> str:
        found = self.find(element, path)
        if found is None:
            return ""
        return " ".join("".join(found.itertext()).split())

    def texts(self, element: etree._Element | None, path: str) -> list[str]:
        return [
            " ".join("".join(found.itertext()).split()) for found in self.findall(element, path)
        ]


@dataclass(frozen=True)
class _Message:
    xml: _Xml
    root_name: str
    status: str
    default_content: Content | None
    pos: etree._Element | None


def _unwrap_soap(root: etree._Element) -> etree._Element:
    qname = etree.QName(root)
    if qname.localname == "Envelope" and qname.namespace in _SOAP_NS:
        for body in root:
            if isinstance(body.tag, str) and etree.QName(body).localname == "Body":
                for child in body:
                    if isinstance(child.tag, str):
                        return child
        raise ParseError("SOAP Envelope: no message in Body")
    return root


def _hotel_reservation(
    message: _Message, element: etree._Element, where: str
) -> list[ParsedReservation]:
    xml = message.xml
    glob = xml.find(element, "ResGlobalInfo")
    unique_ids = [
        (xml.attr(uid, "", "Type"), xml.attr(uid, "", "ID"))
        for uid in xml.findall(element, "UniqueID")
    ]
    voucher, ack_id = _voucher(xml, unique_ids, glob, where)
    status = (element.get("ResStatus") or "").strip() or message.status
    if not status and any(kind == "15" for kind, _ in unique_ids):
        reservation_content: Content | None = Content.CANCELLATION
    else:
        reservation_content = _STATUS_CONTENT.get(status.lower(), message.default_content)

    own_pos = xml.find(element, "POS")
    pos = own_pos if own_pos is not None else message.pos
    operator_code = _requestor_id(xml, pos)
    agency = (
        _booking_channel(xml, pos)
        or _travel_agent(xml, glob)
        or _extension(element, "Agency", xml.namespace)
    )
    created = _datetime_attr(element, "CreateDateTime", f"{where}/@CreateDateTime")
    modified = _datetime_attr(element, "LastModifyDateTime", f"{where}/@LastModifyDateTime")
    cancelled_on = None
    for res_id in xml.findall(glob, "HotelReservationIDs/HotelReservationID"):
        cancelled = _datetime_attr(res_id, "CancellationDate", f"{where}/HotelReservationID")
        if cancelled is not None:
            cancelled_on = cancelled.date()
            break
    global_notes, global_cancel_notes = _notes(xml, glob)
    glob_hotel = xml.attr(glob, "BasicPropertyInfo", "HotelCode")

    room_stays = xml.findall(element, "RoomStays/RoomStay")
    guests = xml.findall(element, "ResGuests/ResGuest")
    guests_of_room = _assign_guests(xml, room_stays, guests)
    guest_position = {id(guest): index for index, guest in enumerate(guests, 1)}
    several = len(room_stays) > 1

    results: list[ParsedReservation] = []
    stays: Iterable[tuple[int, etree._Element | None]] = (
        enumerate(room_stays, 1) if room_stays else [(1, None)]
    )
    for position, stay in stays:
        stay_where = f"{where}/RoomStays/RoomStay[{position}]" if stay is not None else where
        stay_status = xml.attr(stay, "", "RoomStayStatus")
        content = _STATUS_CONTENT.get(stay_status.lower(), reservation_content)
        room_guests = guests_of_room.get(position, [])
        check_in, check_out = _stay_dates(xml, stay, glob, stay_where, where, content)
        notes, cancel_notes = _notes(xml, stay)
        for guest in room_guests:
            guest_notes, guest_cancel_notes = _notes(xml, guest)
            notes += guest_notes
            cancel_notes += guest_cancel_notes
        parsed_guests = [
            parsed
            for guest in room_guests
            if (
                parsed := _guest(
                    xml, guest, f"{where}/ResGuests/ResGuest[{guest_position[id(guest)]}]"
                )
            )
            is not None
        ]
        reservation = ParsedReservation(
            voucher=voucher,
            check_in=check_in,
            check_out=check_out,
            content=content,
            operator_status=stay_status or status,
            operator_code=operator_code,
            hotel_code=xml.attr(stay, "BasicPropertyInfo", "HotelCode") or glob_hotel,
            operator_res_id=_room_id(xml, stay, position) if several else "",
            operator_agency=agency,
            sale_date=created.date() if created else None,
            agency_note="\n".join(global_notes + notes),
            cancellation_note="\n".join(global_cancel_notes + cancel_notes),
            guests=parsed_guests,
            ack_id=ack_id,
        )
        if content is Content.CANCELLATION and cancelled_on is None:
            stamp = modified or created
            reservation.cancellation_date = stamp.date() if stamp else None
        else:
            reservation.cancellation_date = cancelled_on
        _room_details(xml, reservation, stay, element, stay_where)
        _guest_counts(xml, reservation, stay, glob if position == 1 else None, stay_where, where)
        if not (reservation.adults or reservation.children or reservation.infants):
            _count_guests(reservation)
        _price(xml, reservation, stay, glob if not several else None, stay_where, where)
        reservation.option_date = _option_date(xml, stay, glob, stay_where)
        reservation.nationality = next((g.nationality for g in parsed_guests if g.nationality), "")
        _flights(xml, reservation, room_guests)
        results.append(reservation)
    return results


def _voucher(
    xml: _Xml, unique_ids: list[tuple[str, str]], glob: etree._Element | None, where: str
) -> tuple[str, str]:
    with_id = [(kind, value) for kind, value in unique_ids if value]
    for wanted in ("14", "15"):
        for kind, value in with_id:
            if kind == wanted:
                return value, ack_id_for(kind, value)
    if with_id:
        kind, value = with_id[0]
        return value, ack_id_for(kind, value)
    res_ids = [
        (xml.attr(res_id, "", "ResID_Type"), xml.attr(res_id, "", "ResID_Value"))
        for res_id in xml.findall(glob, "HotelReservationIDs/HotelReservationID")
    ]
    res_ids = [(kind, value) for kind, value in res_ids if value]
    for wanted in _RES_ID_PREFERENCE:
        for kind, value in res_ids:
            if kind == wanted:
                return value, value
    for kind, value in res_ids:
        if kind != _HOTEL_RES_ID_TYPE:
            return value, value
    raise ParseError(
        f"{where}/UniqueID: no reservation id (needs UniqueID/@ID or "
        "ResGlobalInfo/HotelReservationIDs/HotelReservationID/@ResID_Value)"
    )


def _requestor_id(xml: _Xml, pos: etree._Element | None) -> str:
    for source in xml.findall(pos, "Source"):
        value = xml.attr(source, "RequestorID", "ID")
        if value:
            return value
    return ""


def _booking_channel(xml: _Xml, pos: etree._Element | None) -> str:
    for source in xml.findall(pos, "Source"):
        name = xml.find(source, "BookingChannel/CompanyName")
        if name is not None:
            value = " ".join((name.text or "").split()) or (name.get("Code") or "").strip()
            if value:
                return value
    return ""


def _travel_agent(xml: _Xml, glob: etree._Element | None) -> str:
    for profile in xml.findall(glob, "Profiles/ProfileInfo/Profile"):
        if profile.get("ProfileType") == _TRAVEL_AGENT_PROFILE:
            name = xml.find(profile, "CompanyInfo/CompanyName")
            if name is not None:
                value = " ".join((name.text or "").split()) or (name.get("Code") or "").strip()
                if value:
                    return value
    return ""


def _extension(element: etree._Element | None, name: str, namespace: str) -> str:
    """A value the operator put in ``TPA_Extensions`` (any namespace): @Code, @Value or text."""
    if element is None:
        return ""
    tpa = element.find(f"{{{namespace}}}TPA_Extensions" if namespace else "TPA_Extensions")
    if tpa is None:
        return ""
    for found in tpa.iter():
        if isinstance(found.tag, str) and etree.QName(found).localname == name:
            value = found.get("Code") or found.get("Value") or "".join(found.itertext())
            value = " ".join(value.split())
            if value:
                return value
    return ""


def _assign_guests(
    xml: _Xml, room_stays: list[etree._Element], guests: list[etree._Element]
) -> dict[int, list[etree._Element]]:
    by_rph = {guest.get("ResGuestRPH", "").strip(): guest for guest in guests}
    assigned: dict[int, list[etree._Element]] = {}
    linked: set[int] = set()
    for position, stay in enumerate(room_stays, 1):
        # 2015A writes the list as text ("1 2"); older releases as ResGuestRPH/@RPH elements.
        rphs = xml.find(stay, "ResGuestRPHs")
        numbers = (rphs.text or "").split() if rphs is not None else []
        numbers += [rph.get("RPH") or "" for rph in xml.findall(rphs, "ResGuestRPH")]
        for number in numbers:
            guest = by_rph.get(number.strip())
            if guest is not None and id(guest) not in linked:
                assigned.setdefault(position, []).append(guest)
                linked.add(id(guest))
    # Guests no room names belong to the first room: with one room that is all of them, and with
    # several rooms and no links there is no better guess (and no guest is counted twice).
    rest = [guest for guest in guests if id(guest) not in linked]
    if rest:
        assigned.setdefault(1, []).extend(rest)
    return assigned


def _stay_dates(
    xml: _Xml,
    stay: etree._Element | None,
    glob: etree._Element | None,
    stay_where: str,
    where: str,
    content: Content | None,
) -> tuple[date, date]:
    span = xml.find(stay, "TimeSpan")
    span_where = f"{stay_where}/TimeSpan"
    if span is None:
        span = xml.find(glob, "TimeSpan")
        span_where = f"{where}/ResGlobalInfo/TimeSpan"
    if span is None:
        if content is Content.CANCELLATION:
            return STAY_NOT_SENT, STAY_NOT_SENT
        missing = f"{stay_where}/TimeSpan" if stay is not None else f"{where}/RoomStays"
        raise ParseError(f"{missing}: missing (the stay dates are required)")
    start = _date(span.get("Start"), f"{span_where}/@Start")
    end = _date(span.get("End"), f"{span_where}/@End")
    if start is None:
        start = _date(
            xml.attr(span, "StartDateWindow", "EarliestDate"),
            f"{span_where}/StartDateWindow/@EarliestDate",
        )
    duration = span.get("Duration")
    nights = _nights(duration, f"{span_where}/@Duration") if duration else None
    if start is not None and end is None and nights is not None:
        end = start + timedelta(days=nights)
    elif end is not None and start is None and nights is not None:
        start = end - timedelta(days=nights)
    if start is None or end is None:
        raise ParseError(f"{span_where}: needs @Start and @End (or one of them and @Duration)")
    if end <= start:
        raise ParseError(f"{span_where}: @End {end} is not after @Start {start}")
    return start, end


def _date(value: str | None, where: str) -> date | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not _DATE.match(text):
        raise ParseError(f"{where}: {value!r} is not a date")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ParseError(f"{where}: {value!r} is not a date") from None


def _datetime_attr(element: etree._Element | None, name: str, where: str) -> datetime | None:
    if element is None:
        return None
    value = (element.get(name) or "").strip()
    if not value:
        return None
    try:
        # "Z" is valid xs:dateTime; fromisoformat only reads it from Python 3.11 on, so say it.
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ParseError(f"{where}: {value!r} is not a date and time") from None


def _nights(value: str, where: str) -> int:
    match = _DURATION.fullmatch(value.strip())
    if not match:
        raise ParseError(f"{where}: {value!r} is not a duration in nights (e.g. P7N)")
    count = int(match.group(1))
    return count * 7 if match.group(2).upper() == "W" else count


def _room_id(xml: _Xml, stay: etree._Element | None, position: int) -> str:
    return (
        xml.attr(stay, "Reference", "ID")
        or xml.attr(stay, "", "IndexNumber")
        or xml.attr(stay, "", "RoomStayGroupID")
        or str(position)
    )


def _room_details(
    xml: _Xml,
    reservation: ParsedReservation,
    stay: etree._Element | None,
    element: etree._Element,
    where: str,
) -> None:
    room_type = xml.find(stay, "RoomTypes/RoomType")
    room_rate = xml.find(stay, "RoomRates/RoomRate")
    rate_plan = xml.find(stay, "RatePlans/RatePlan")
    reservation.room_type = xml.attr(room_type, "", "RoomTypeCode") or xml.attr(
        room_rate, "", "RoomTypeCode"
    )
    units = xml.attr(room_type, "", "NumberOfUnits") or xml.attr(room_rate, "", "NumberOfUnits")
    if units:
        reservation.room_count = _int(units, f"{where}/RoomTypes/RoomType/@NumberOfUnits")
    reservation.rate_type = xml.attr(rate_plan, "", "RatePlanCode") or xml.attr(
        room_rate, "", "RatePlanCode"
    )
    reservation.board = _extension(stay, "Board", xml.namespace) or _meal_plan(
        xml.find(rate_plan, "MealsIncluded")
    )
    reservation.market = (
        xml.attr(stay, "", "MarketCode")
        or xml.attr(rate_plan, "", "MarketCode")
        or _extension(stay, "Market", xml.namespace)
        or _extension(element, "Market", xml.namespace)
    )


def _meal_plan(meals: etree._Element | None) -> str:
    if meals is None:
        return ""
    codes = (meals.get("MealPlanCodes") or "").split()
    if codes:
        return MEAL_PLAN_BOARDS.get(codes[0], codes[0])
    flags = {name for name in ("Breakfast", "Lunch", "Dinner") if meals.get(name) in ("true", "1")}
    if flags == {"Breakfast", "Lunch", "Dinner"}:
        return "FB"
    if flags == {"Breakfast", "Dinner"}:
        return "HB"
    if flags == {"Breakfast"}:
        return "BB"
    return ""


def _int(value: str, where: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise ParseError(f"{where}: {value!r} is not a whole number") from None
    if number < 0:
        raise ParseError(f"{where}: {value!r} is negative")
    return number


def _guest_counts(
    xml: _Xml,
    reservation: ParsedReservation,
    stay: etree._Element | None,
    glob: etree._Element | None,
    stay_where: str,
    where: str,
) -> None:
    counts = xml.findall(stay, "GuestCounts/GuestCount")
    counts_where = f"{stay_where}/GuestCounts"
    if not counts:
        counts = xml.findall(glob, "GuestCounts/GuestCount")
        counts_where = f"{where}/ResGlobalInfo/GuestCounts"
    for index, count_element in enumerate(counts, 1):
        here = f"{counts_where}/GuestCount[{index}]"
        count = _int(count_element.get("Count") or "1", f"{here}/@Count")
        code = (count_element.get("AgeQualifyingCode") or "").strip()
        age_text = count_element.get("Age")
        age = _int(age_text, f"{here}/@Age") if age_text else None
        if code in _INFANT_CODES:
            reservation.infants += count
        elif code in _CHILD_CODES or (not code and age is not None):
            reservation.children += count
            if age is not None:
                reservation.child_ages.extend([age] * count)
        else:
            reservation.adults += count


def _count_guests(reservation: ParsedReservation) -> None:
    for guest in reservation.guests:
        if guest.kind == "infant":
            reservation.infants += 1
        elif guest.kind == "child":
            reservation.children += 1
            if guest.age is not None:
                reservation.child_ages.append(guest.age)
        else:
            reservation.adults += 1


def _price(
    xml: _Xml,
    reservation: ParsedReservation,
    stay: etree._Element | None,
    glob: etree._Element | None,
    stay_where: str,
    where: str,
) -> None:
    total = xml.find(stay, "Total")
    total_where = f"{stay_where}/Total"
    if total is None:
        # A reservation-wide total only belongs to the room when there is one room.
        total = xml.find(glob, "Total")
        total_where = f"{where}/ResGlobalInfo/Total"
    if total is None:
        return
    name = "AmountAfterTax" if total.get("AmountAfterTax") else "AmountBeforeTax"
    value = total.get(name)
    if not value:
        return
    places = total.get("DecimalPlaces")
    reservation.price = _amount(
        value,
        _int(places, f"{total_where}/@DecimalPlaces") if places else None,
        f"{total_where}/@{name}",
    )
    reservation.currency = (total.get("CurrencyCode") or "").strip().upper()


def _amount(value: str, decimal_places: int | None, where: str) -> Decimal:
    text = value.strip()
    if not _AMOUNT.fullmatch(text):
        raise ParseError(f"{where}: {value!r} is not an amount")
    amount = Decimal(text)
    if decimal_places and "." not in text:
        # OTA may send minor units: AmountAfterTax="189900" DecimalPlaces="2" is 1899.00.
        amount = amount.scaleb(-decimal_places)
    return amount


def _option_date(
    xml: _Xml, stay: etree._Element | None, glob: etree._Element | None, where: str
) -> datetime | None:
    for element, here in ((stay, where), (glob, "ResGlobalInfo")):
        deadline = xml.find(element, "Guarantee/Deadline")
        value = _datetime_attr(deadline, "AbsoluteDeadline", f"{here}/Guarantee/Deadline")
        if value is not None:
            return value
    return None


def _notes(xml: _Xml, element: etree._Element | None) -> tuple[list[str], list[str]]:
    """(agency notes, cancellation notes) from the element's Comments and SpecialRequests."""
    notes: list[str] = []
    cancel_notes: list[str] = []
    paragraphs = xml.findall(element, "Comments/Comment") + xml.findall(
        element, "SpecialRequests/SpecialRequest"
    )
    for paragraph in paragraphs:
        items = xml.texts(paragraph, "ListItem")
        texts = xml.texts(paragraph, "Text")
        body = " ".join([*texts, ", ".join(item for item in items if item)]).strip()
        if not body:
            continue
        label = (paragraph.get("Name") or "").strip()
        line = f"{label}: {body}" if label else body
        (cancel_notes if "cancel" in label.lower() else notes).append(line)
    return notes, cancel_notes


def _guest(xml: _Xml, res_guest: etree._Element, where: str) -> ParsedGuest | None:
    customer = xml.find(res_guest, "Profiles/ProfileInfo/Profile/Customer")
    if customer is None:
        return None
    person = xml.find(customer, "PersonName")
    first = " ".join(xml.texts(person, "GivenName") + xml.texts(person, "MiddleName"))
    last = " ".join(xml.texts(person, "SurnamePrefix") + xml.texts(person, "Surname"))
    if not (first or last):
        return None
    code = (res_guest.get("AgeQualifyingCode") or "").strip()
    kind = "infant" if code in _INFANT_CODES else "child" if code in _CHILD_CODES else "adult"
    age_text = res_guest.get("Age")
    passport = ""
    documents = xml.findall(customer, "Document")
    for document in documents:
        if document.get("DocType") == _PASSPORT_DOC_TYPE and document.get("DocID"):
            passport = document.get("DocID", "")
            break
    else:
        passport = next((d.get("DocID", "") for d in documents if d.get("DocID")), "") or (
            xml.attr(person, "Document", "DocID")
        )
    nationality = xml.attr(customer, "CitizenCountryName", "Code") or next(
        (d.get("DocHolderNationality", "") for d in documents if d.get("DocHolderNationality")),
        "",
    )
    return ParsedGuest(
        first_name=first,
        last_name=last,
        title=(xml.texts(person, "NamePrefix") or xml.texts(person, "NameTitle") or [""])[0],
        age=_int(age_text, f"{where}/@Age") if age_text else None,
        gender={"male": "M", "female": "F"}.get((customer.get("Gender") or "").lower(), ""),
        birth_date=_date(customer.get("BirthDate"), f"{where}/Customer/@BirthDate"),
        passport=passport.strip(),
        nationality=country_alpha3(nationality) if nationality else "",
        kind=kind,
    )


def _flights(xml: _Xml, reservation: ParsedReservation, room_guests: list[etree._Element]) -> None:
    for guest in room_guests:
        arrival = xml.find(guest, "ArrivalTransport/TransportInfo")
        if arrival is not None and not reservation.arrival_flight:
            reservation.arrival_flight = (arrival.get("ID") or "").strip()
            reservation.arrival_route = (arrival.get("LocationCode") or "").strip()
            reservation.arrival_flight_time = _clock(arrival.get("Time"))
        departure = xml.find(guest, "DepartureTransport/TransportInfo")
        if departure is not None and not reservation.departure_flight:
            reservation.departure_flight = (departure.get("ID") or "").strip()
            reservation.departure_route = (departure.get("LocationCode") or "").strip()
            reservation.departure_flight_time = _clock(departure.get("Time"))


def _clock(value: str | None) -> str:
    if not value:
        return ""
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).strftime("%H:%M")
    except ValueError:
        return text[:16]


# ---------------------------------------------------------------------------------------- build


def _timestamp(value: datetime | None) -> str:
    moment = value if value is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.replace(microsecond=0).isoformat()


def _element(tag: str, attributes: dict[str, str] | None = None) -> etree._Element:
    return etree.Element(f"{{{OTA_NS}}}{tag}", attributes or {}, nsmap={None: OTA_NS})


def _child(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{OTA_NS}}}{tag}", attributes)


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def build_read_rq(
    hotel_code: str,
    *,
    requestor_id: str,
    echo_token: str,
    since: date | None = None,
    timestamp: datetime | None = None,
) -> bytes:
    """An ``OTA_ReadRQ`` (2015A) asking for the hotel's reservations.

    Without ``since`` it asks for the undelivered ones (the usual pull, followed by an
    acknowledgement); with it, for every reservation changed since that date (a re-read).
    """
    if not hotel_code or not requestor_id or not echo_token:
        raise ValueError("hotel_code, requestor_id and echo_token are required")
    root = _element(
        "OTA_ReadRQ",
        {"EchoToken": echo_token, "TimeStamp": _timestamp(timestamp), "Version": "5.001"},
    )
    source = _child(_child(root, "POS"), "Source")
    _child(source, "RequestorID", Type="10", ID=requestor_id)  # UIT 10: a hotel asks
    read = _child(_child(root, "ReadRequests"), "HotelReadRequest", HotelCode=hotel_code)
    if since is None:
        _child(read, "SelectionCriteria", SelectionType="Undelivered")
    else:
        _child(
            read,
            "SelectionCriteria",
            Start=since.isoformat(),
            DateType="LastUpdateDate",
            SelectionType="All",
        )
    return _serialize(root)


def build_notif_report_rq(
    ack_ids: list[str], *, echo_token: str, timestamp: datetime | None = None
) -> bytes:
    """An ``OTA_NotifReportRQ`` (2015A) telling the operator these reservations are stored."""
    if not ack_ids:
        raise ValueError("nothing to acknowledge")
    root = _element(
        "OTA_NotifReportRQ",
        {"EchoToken": echo_token, "TimeStamp": _timestamp(timestamp), "Version": "4.000"},
    )
    _child(root, "Success")
    reservations = _child(
        _child(_child(root, "NotifDetails"), "HotelNotifReport"), "HotelReservations"
    )
    for ack_id in ack_ids:
        kind, unique_id = split_ack_id(ack_id)
        if not unique_id:
            raise ValueError("an ack id is empty")
        _child(_child(reservations, "HotelReservation"), "UniqueID", Type=kind, ID=unique_id)
    return _serialize(root)
