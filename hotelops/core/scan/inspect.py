"""``hotelops scan parse FILE``: what hotelops reads from one message, without storing it."""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import select

from hotelops.core.auditlog import jsonable
from hotelops.core.db import Database
from hotelops.core.models import Operator, SenderRule
from hotelops.core.scan.formats.mail import explain_mail, load_templates, read_mail
from hotelops.core.scan.limits import DEFAULT_LIMITS, ScanLimits
from hotelops.core.scan.masking import mask_text
from hotelops.core.scan.model import ParseError
from hotelops.core.scan.parse import detect_format, parse_message
from hotelops.core.scan.senders import SenderRules
from hotelops.core.scan.sources.base import RawItem


@dataclass
class InspectResult:
    """The format, the operator, each template rule's finding, and the reservations read."""

    format: str
    operator_code: str = ""
    sender: str = ""
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    reservations: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def inspect_file(
    data: bytes,
    name: str,
    *,
    operator: str | None = None,
    db: Database | None = None,
    limits: ScanLimits = DEFAULT_LIMITS,
) -> InspectResult:
    """Parse one message as a scan would (sender rules from the database when given), under
    the scan's limits."""
    rules = SenderRules()
    codes: set[str] = set()
    if db is not None:
        with db.read() as session:
            operators = {op.id: op.code for op in session.exec(select(Operator))}
            codes = set(operators.values())
            rules = SenderRules.from_pairs(
                [
                    (rule.pattern, operators[rule.operator_id])
                    for rule in session.exec(select(SenderRule))
                    if rule.operator_id in operators
                ]
            )
    templates = load_templates()
    item = RawItem(
        data=data,
        source="file",
        source_ref=name,
        received_at=datetime.now(UTC),
        operator_code=(operator or "").upper(),
    )
    parsed = parse_message(
        item, rules=rules, templates=templates, operator_codes=codes | set(templates), limits=limits
    )
    result = InspectResult(
        format=parsed.format or detect_format(data, name),
        operator_code=parsed.operator_code,
        sender=parsed.sender,
        error=parsed.error,
    )
    if parsed.format == "mail" and parsed.operator_code in templates and not parsed.over_limit:
        with contextlib.suppress(ParseError):
            message = read_mail(data, limits=limits)
            result.fields = [
                (name, mask_text(value), how)
                for name, value, how in explain_mail(message, templates[parsed.operator_code])
            ]
    for reservation in parsed.reservations:
        data_dict = asdict(reservation)
        data_dict["attachments"] = [
            f"{a.file_name} ({len(a.data)} bytes, {a.content_type})"
            for a in reservation.attachments
        ]
        data_dict["nights"] = reservation.nights
        result.reservations.append(jsonable(data_dict))
    return result
