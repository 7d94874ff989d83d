"""Yazdır: the confirmation form of an inbox reservation, as plain text and as an HTML page.

Both show the same fields: hotel, operator, voucher, status, stay, room and board, pax, the
guests, flights, notes and the operator's price when it sent one. The HTML page is one
self-contained file (inline CSS, no scripts, no external resources); every value is escaped.
"""

from __future__ import annotations

from html import escape

from hotelops.core.inbox import InboxDetail
from hotelops.core.models import Hotel
from hotelops.core.money import format_money
from hotelops.core.sales import option_date_text

TITLE = "Reservation confirmation"
STATUS_TEXT = {"pending": "pending", "approved": "confirmed", "rejected": "rejected"}


def _fields(detail: InboxDetail, hotel: Hotel) -> list[tuple[str, list[tuple[str, str]]]]:
    """The form's sections: (title, [(label, value)]), shared by both renderings."""
    r = detail.reservation
    pax = f"{r.adults} adult(s), {r.children} child(ren)"
    if r.child_ages:
        pax += f" (ages {', '.join(map(str, r.child_ages))})"
    pax += f", {r.infants} infant(s)"
    booking = [
        ("Operator", f"{detail.operator_name} ({detail.operator_code})"),
        ("Agency", r.operator_agency),
        ("Voucher", r.voucher),
        ("Operator reservation id", r.operator_res_id),
        ("Status", STATUS_TEXT.get(str(r.status), str(r.status))),
        ("Content", str(r.content)),
        ("Version", str(r.version)),
        ("Sale date", f"{r.sale_date:%d.%m.%Y}" if r.sale_date else ""),
        # In the hotel's time zone, as the office typed it (stored in UTC).
        ("Option date", option_date_text(r.option_date, hotel.timezone)),
    ]
    stay = [
        ("Check-in", f"{r.check_in:%d.%m.%Y}"),
        ("Check-out", f"{r.check_out:%d.%m.%Y}"),
        ("Nights", str(r.nights)),
        ("Room type", r.operator_room_type),
        ("Rooms", str(r.room_count)),
        ("Board", r.operator_board),
        ("Market", r.operator_market),
        ("Pax", pax),
        ("Nationality", r.nationality),
    ]
    flights = [
        (
            "Arrival flight",
            " ".join(filter(None, [r.arrival_flight, r.arrival_route, r.arrival_flight_time])),
        ),
        (
            "Departure flight",
            " ".join(
                filter(None, [r.departure_flight, r.departure_route, r.departure_flight_time])
            ),
        ),
    ]
    notes = [
        ("Agency note", r.agency_note),
        ("Hotel note", r.hotel_note),
    ]
    if r.cancellation_date:
        notes.append(
            ("Cancellation", f"{r.cancellation_date:%d.%m.%Y} {r.cancellation_note}".strip())
        )
    sections = [("Booking", booking), ("Stay", stay), ("Flights", flights), ("Notes", notes)]
    if r.operator_price is not None:
        price = format_money(r.operator_price, r.operator_currency or None)
        sections.append(("Price", [("Operator price", price)]))
    return [(title, [(k, v) for k, v in rows if v]) for title, rows in sections]


def _hotel_line(hotel: Hotel) -> str:
    place = ", ".join(filter(None, [hotel.city, hotel.country]))
    return f"{hotel.name} ({hotel.code}){' - ' + place if place else ''}"


def _guest_rows(detail: InboxDetail) -> list[list[str]]:
    return [
        [
            str(index),
            g.title,
            g.first_name,
            g.last_name,
            "" if g.age is None else str(g.age),
            f"{g.birth_date:%d.%m.%Y}" if g.birth_date else "",
            g.nationality,
            g.passport,
        ]
        for index, g in enumerate(detail.guests, start=1)
    ]


GUEST_HEADERS = ["#", "Title", "First name", "Last name", "Age", "Birth date", "Nat.", "Passport"]


def render_text(detail: InboxDetail, hotel: Hotel) -> str:
    """The confirmation form as plain text (for the terminal, a printer, a mail body)."""
    r = detail.reservation
    heading = f"{TITLE} - {_hotel_line(hotel)}"
    lines = [heading, "=" * len(heading), ""]
    lines.append(f"Inbox reservation #{r.id}, voucher {r.voucher}, {detail.operator_name}")
    for title, rows in _fields(detail, hotel):
        if not rows:
            continue
        lines += ["", title, "-" * len(title)]
        width = max(len(label) for label, _ in rows)
        lines += [f"{label.ljust(width)}  {value}" for label, value in rows]
    lines += ["", f"Guests ({len(detail.guests)})", "-" * len(f"Guests ({len(detail.guests)})")]
    guest_rows = _guest_rows(detail)
    if guest_rows:
        table = [GUEST_HEADERS, *guest_rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(GUEST_HEADERS))]
        for row in table:
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    else:
        lines.append(r.guest_names or "(no guest names sent)")
    lines += ["", f"Confirmed by {hotel.name}."]
    return "\n".join(line.rstrip() for line in lines) + "\n"


_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
       margin: 2em auto; max-width: 52em; padding: 0 1em; }
h1 { font-size: 1.4em; margin-bottom: 0.1em; }
.hotel { color: #555; margin-top: 0; }
h2 { font-size: 1.05em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.4em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.25em 0.6em 0.25em 0; vertical-align: top; }
table.fields th { width: 14em; color: #555; font-weight: normal; }
table.guests th { border-bottom: 1px solid #999; }
table.guests td { border-bottom: 1px solid #eee; }
.footer { margin-top: 2em; color: #555; }
@media print { body { margin: 0; } }
""".strip()


def render_html(detail: InboxDetail, hotel: Hotel) -> str:
    """The confirmation form as one self-contained HTML page (inline CSS, values escaped)."""
    r = detail.reservation
    e = escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{e(TITLE)} {e(r.voucher)} - {e(hotel.name)}</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{e(TITLE)}</h1>",
        f'<p class="hotel">{e(_hotel_line(hotel))}</p>',
        f"<p>Inbox reservation #{e(str(r.id))}, voucher <strong>{e(r.voucher)}</strong>, "
        f"{e(detail.operator_name)}</p>",
    ]
    for title, rows in _fields(detail, hotel):
        if not rows:
            continue
        parts.append(f"<h2>{e(title)}</h2>")
        parts.append('<table class="fields">')
        parts += [f"<tr><th>{e(label)}</th><td>{e(value)}</td></tr>" for label, value in rows]
        parts.append("</table>")
    parts.append(f"<h2>Guests ({len(detail.guests)})</h2>")
    guest_rows = _guest_rows(detail)
    if guest_rows:
        parts.append('<table class="guests">')
        parts.append("<tr>" + "".join(f"<th>{e(h)}</th>" for h in GUEST_HEADERS) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in guest_rows]
        parts.append("</table>")
    else:
        parts.append(f"<p>{e(r.guest_names or '(no guest names sent)')}</p>")
    parts += [f'<p class="footer">Confirmed by {e(hotel.name)}.</p>', "</body>", "</html>"]
    return "\n".join(parts) + "\n"
