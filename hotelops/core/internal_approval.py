"""İç Onay Süreci: ask one to five colleagues to approve an inbox reservation before it is booked.

``start`` names the approvers (office users with e-mail addresses) and mails each of them; they
vote with ``hotelops approve vote ID --user U --yes|--no``. One "no" rejects the approval, all
"yes" approve it. The newest approval of a reservation is the one that counts: while it is
started or rejected, ``is_blocking`` gives the reason booking the reservation is refused.

Mails are sent after the approval is committed (never inside the write transaction, which on
SQLite holds the database's only write lock); each mail's outcome is then stored on its vote row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from hotelops.core import auditlog
from hotelops.core.db import Database
from hotelops.core.errors import InputError, NotFound
from hotelops.core.inbox import InboxDetail, inbox_detail
from hotelops.core.mailer import Mailer, MailError, OutgoingMail
from hotelops.core.models import (
    ApprovalState,
    ApprovalVote,
    Hotel,
    InboxReservation,
    InternalApproval,
    User,
)
from hotelops.core.money import format_money
from hotelops.core.sqltypes import utcnow

MAX_APPROVERS = 5
YES = "yes"
NO = "no"


@dataclass(frozen=True)
class VoteInfo:
    """One approver's line: who, their vote ("" while waiting), when, and the mail's fate."""

    seq: int
    username: str
    name: str
    email: str
    vote: str
    note: str
    voted_at: datetime | None
    notified_at: datetime | None
    notify_error: str


@dataclass
class ApprovalStatus:
    """An internal approval as the detail screen shows it (``warnings`` from this call only)."""

    id: int
    inbox_id: int
    status: str
    note: str
    started_by: str
    started_at: datetime
    decided_at: datetime | None
    votes: list[VoteInfo]
    warnings: list[str] = field(default_factory=list)

    @property
    def waiting(self) -> list[str]:
        """Usernames of the approvers who have not voted yet."""
        return [v.username for v in self.votes if not v.vote]

    @property
    def rejected_by(self) -> list[VoteInfo]:
        """The "no" votes."""
        return [v for v in self.votes if v.vote == NO]


def vote_command(inbox_id: int, username: str = "USER") -> str:
    """The command an approver votes with."""
    return f"hotelops approve vote {inbox_id} --user {username} --yes|--no"


def start(
    db: Database,
    hotel_id: int,
    inbox_id: int,
    approvers: list[str],
    note: str = "",
    *,
    user: str,
    mailer: Mailer | None,
    now: Callable[[], datetime] = utcnow,
) -> ApprovalStatus:
    """Start an internal approval and mail every approver (a failed mail is a warning)."""
    names = [a.strip() for a in approvers if a.strip()]
    if not names:
        raise InputError(
            f"name one to {MAX_APPROVERS} approvers (--approver USER, see `hotelops hotel show`)"
        )
    if len(names) > MAX_APPROVERS:
        raise InputError(
            f"at most {MAX_APPROVERS} approvers, {len(names)} named: {', '.join(names)}"
        )
    twice = sorted({n for n in names if [m.lower() for m in names].count(n.lower()) > 1})
    if twice:
        raise InputError(f"approver(s) named more than once: {', '.join(twice)}")
    started_at = now()
    with db.write() as session:
        _lock_inbox(session, hotel_id, inbox_id)
        users = _approver_users(session, hotel_id, names)
        current = _latest(session, hotel_id, inbox_id)
        if current is not None and current.status == ApprovalState.STARTED:
            waiting = _waiting_names(session, current)
            raise InputError(
                f"internal approval #{current.id} of inbox #{inbox_id} is already started and "
                f"waiting for {', '.join(waiting)} (they vote with "
                f"`{vote_command(inbox_id)}`)"
            )
        approval = InternalApproval(
            hotel_id=hotel_id,
            inbox_reservation_id=inbox_id,
            status=ApprovalState.STARTED,
            note=note.strip(),
            started_by=user,
            started_at=started_at,
        )
        session.add(approval)
        session.flush()
        assert approval.id is not None
        for seq, approver in enumerate(users, start=1):
            session.add(
                ApprovalVote(
                    hotel_id=hotel_id,
                    approval_id=approval.id,
                    seq=seq,
                    username=approver.username,
                    email=approver.email,
                )
            )
        auditlog.record(
            session,
            hotel_id=hotel_id,
            user=user,
            action="approval.start",
            entity="inbox_reservation",
            entity_id=inbox_id,
            after={
                "approval_id": approval.id,
                "approvers": [u.username for u in users],
                "note": approval.note,
            },
            note=f"internal approval #{approval.id}",
            at=started_at,
        )
        approval_id = approval.id
        detail = inbox_detail(session, hotel_id, inbox_id)
        hotel = session.get(Hotel, hotel_id)
        hotel_name = hotel.name if hotel else ""
    warnings = _notify(
        db,
        approval_id,
        detail,
        hotel_name,
        [(u.username, u.name, u.email) for u in users],
        note.strip(),
        user,
        mailer,
        now,
    )
    with db.read() as session:
        result = status(session, hotel_id, inbox_id)
    assert result is not None
    result.warnings = warnings
    return result


def _notify(
    db: Database,
    approval_id: int,
    detail: InboxDetail,
    hotel_name: str,
    approvers: list[tuple[str, str, str]],
    note: str,
    user: str,
    mailer: Mailer | None,
    now: Callable[[], datetime],
) -> list[str]:
    """Mail every approver; store when each mail went, or why it did not."""
    outcomes: dict[str, tuple[datetime | None, str]] = {}
    warnings: list[str] = []
    for username, name, email in approvers:
        if mailer is None or not mailer.enabled:
            error = "not mailed: SMTP is not configured (set smtp.host and smtp.from_address)"
            outcomes[username] = (None, error)
            continue
        mail = approval_request_mail(
            detail, hotel_name, approval_id, username, name, email, note, user
        )
        try:
            mailer.send(mail)
        except MailError as exc:
            outcomes[username] = (None, str(exc))
        else:
            outcomes[username] = (now(), "")
    for username, (_, error) in outcomes.items():
        if error:
            warnings.append(f"{username}: {error}")
    with db.write() as session:
        votes = session.exec(
            select(ApprovalVote).where(ApprovalVote.approval_id == approval_id)
        ).all()
        for vote in votes:
            sent_at, error = outcomes.get(vote.username, (None, ""))
            vote.notified_at = sent_at
            vote.notify_error = error
            session.add(vote)
    return warnings


def approval_request_mail(
    detail: InboxDetail,
    hotel_name: str,
    approval_id: int,
    username: str,
    name: str,
    email: str,
    note: str,
    started_by: str,
) -> OutgoingMail:
    """The mail asking one approver to vote."""
    r = detail.reservation
    inbox_id = r.id or 0
    subject = (
        f"Internal approval #{approval_id}: {detail.operator_name} voucher {r.voucher}"
        f" (started by {started_by})"
    )
    lines = [
        f"Dear {name or username},",
        "",
        f"{started_by} asks for your approval of this operator reservation"
        f"{' at ' + hotel_name if hotel_name else ''}:",
        "",
        *_summary_lines(detail),
    ]
    if note:
        lines += ["", f"Note from {started_by}: {note}"]
    lines += [
        "",
        "To vote, run one of:",
        "",
        f"  hotelops approve vote {inbox_id} --user {username} --yes",
        f'  hotelops approve vote {inbox_id} --user {username} --no --note "why"',
        "",
        "One 'no' rejects the reservation; it is approved when every approver says yes.",
        f"See where it stands: hotelops approve status {inbox_id}",
        "",
        f"(internal approval #{approval_id} of inbox reservation #{inbox_id}, sent to {email})",
    ]
    return OutgoingMail(to=[email], subject=subject, text="\n".join(lines) + "\n")


def _summary_lines(detail: InboxDetail) -> list[str]:
    r = detail.reservation
    guests = [" ".join(filter(None, [g.title, g.first_name, g.last_name])) for g in detail.guests]
    pax = f"{r.adults} adult(s), {r.children} child(ren)"
    if r.child_ages:
        pax += f" ({', '.join(map(str, r.child_ages))})"
    pax += f", {r.infants} infant(s)"
    lines = [
        f"  Operator:   {detail.operator_name} ({detail.operator_code})"
        f"{' / ' + r.operator_agency if r.operator_agency else ''}",
        f"  Voucher:    {r.voucher}{' / ' + r.operator_res_id if r.operator_res_id else ''}",
        f"  Content:    {r.content}",
        f"  Guests:     {', '.join(guests) or r.guest_names or '-'}",
        f"  Stay:       {r.check_in:%d.%m.%Y} - {r.check_out:%d.%m.%Y} ({r.nights} nights)",
        f"  Room:       {r.operator_room_type or '-'} x {r.room_count}",
        f"  Board:      {r.operator_board or '-'}",
        f"  Pax:        {pax}",
    ]
    if r.operator_price is not None:
        price = format_money(r.operator_price, r.operator_currency or None)
        lines.append(f"  Price:      {price}")
    return lines


def vote(
    db: Database,
    hotel_id: int,
    inbox_id: int,
    username: str,
    approve: bool,
    *,
    note: str = "",
    user: str,
    now: Callable[[], datetime] = utcnow,
) -> ApprovalStatus:
    """Record one approver's vote: a "no" rejects, the last "yes" approves."""
    voted_at = now()
    with db.write() as session:
        _lock_inbox(session, hotel_id, inbox_id)
        approval = _latest(session, hotel_id, inbox_id)
        if approval is None:
            raise NotFound(
                f"inbox #{inbox_id} has no internal approval (start one with "
                f"`hotelops approve start {inbox_id} --approver USER`)"
            )
        if approval.status != ApprovalState.STARTED:
            raise InputError(
                f"internal approval #{approval.id} of inbox #{inbox_id} is already "
                f"{approval.status}; votes are closed"
            )
        votes = list(
            session.exec(
                select(ApprovalVote)
                .where(ApprovalVote.approval_id == approval.id)
                .order_by(col(ApprovalVote.seq))
            )
        )
        mine = next((v for v in votes if v.username.lower() == username.strip().lower()), None)
        if mine is None:
            raise InputError(
                f"{username} is not an approver of internal approval #{approval.id} "
                f"(approvers: {', '.join(v.username for v in votes)})"
            )
        if mine.vote:
            raise InputError(
                f"{mine.username} already voted {mine.vote} on internal approval "
                f"#{approval.id} at {mine.voted_at:%d.%m.%Y %H:%M} UTC; a vote cannot be changed"
            )
        mine.vote = YES if approve else NO
        mine.note = note.strip()
        mine.voted_at = voted_at
        session.add(mine)
        before = str(approval.status)
        if not approve:
            approval.status = ApprovalState.REJECTED
            approval.decided_at = voted_at
        elif all(v.vote == YES for v in votes):
            approval.status = ApprovalState.APPROVED
            approval.decided_at = voted_at
        session.add(approval)
        auditlog.record(
            session,
            hotel_id=hotel_id,
            user=user,
            action="approval.vote",
            entity="inbox_reservation",
            entity_id=inbox_id,
            before={"approval_id": approval.id, "status": before},
            after={
                "approval_id": approval.id,
                "approver": mine.username,
                "vote": mine.vote,
                "note": mine.note,
                "status": str(approval.status),
            },
            note=f"internal approval #{approval.id}",
            at=voted_at,
        )
        if approval.status != ApprovalState.STARTED:
            auditlog.record(
                session,
                hotel_id=hotel_id,
                user=user,
                action=f"approval.{approval.status}",
                entity="inbox_reservation",
                entity_id=inbox_id,
                after={"approval_id": approval.id, "status": str(approval.status)},
                note=f"internal approval #{approval.id}",
                at=voted_at,
            )
        session.flush()
        result = status(session, hotel_id, inbox_id)
    assert result is not None
    return result


def status(session: Session, hotel_id: int, inbox_id: int) -> ApprovalStatus | None:
    """The newest internal approval of an inbox reservation, or None if none was started."""
    approval = _latest(session, hotel_id, inbox_id)
    if approval is None:
        return None
    assert approval.id is not None
    votes = list(
        session.exec(
            select(ApprovalVote)
            .where(ApprovalVote.approval_id == approval.id)
            .order_by(col(ApprovalVote.seq))
        )
    )
    names = _names(session, hotel_id, [v.username for v in votes])
    return ApprovalStatus(
        id=approval.id,
        inbox_id=inbox_id,
        status=str(approval.status),
        note=approval.note,
        started_by=approval.started_by,
        started_at=approval.started_at,
        decided_at=approval.decided_at,
        votes=[
            VoteInfo(
                seq=v.seq,
                username=v.username,
                name=names.get(v.username, ""),
                email=v.email,
                vote=v.vote,
                note=v.note,
                voted_at=v.voted_at,
                notified_at=v.notified_at,
                notify_error=v.notify_error,
            )
            for v in votes
        ],
    )


def is_blocking(approval: ApprovalStatus | None) -> str | None:
    """Why a reservation may not be booked yet: None when approved or never started."""
    if approval is None or approval.status == ApprovalState.APPROVED:
        return None
    if approval.status == ApprovalState.REJECTED:
        by = ", ".join(
            f"{v.username}{' (' + v.note + ')' if v.note else ''}" for v in approval.rejected_by
        )
        return (
            f"internal approval #{approval.id} was rejected by {by or 'an approver'}: "
            f"start a new one with `hotelops approve start {approval.inbox_id} --approver USER`"
        )
    return (
        f"internal approval #{approval.id} is waiting for {', '.join(approval.waiting)}: "
        f"they vote with `{vote_command(approval.inbox_id)}`"
    )


def confirmation_mail(detail: InboxDetail, hotel_name: str) -> OutgoingMail:
    """The confirmation e-mail to a mail operator (to the address the booking came from)."""
    r = detail.reservation
    what = "cancellation" if r.content == "cancellation" else "booking"
    subject = f"{what.capitalize()} confirmation {r.voucher} - {hotel_name}"
    lines = [
        "Dear colleagues,",
        "",
        f"we confirm the following {what}:",
        "",
        f"  Hotel:      {hotel_name}",
        *_summary_lines(detail),
        "",
        f"This {what} is confirmed by {hotel_name}.",
        "",
        "Kind regards,",
        f"Reservations, {hotel_name}",
    ]
    return OutgoingMail(
        to=[r.sender] if r.sender else [], subject=subject, text="\n".join(lines) + "\n"
    )


def _lock_inbox(session: Session, hotel_id: int, inbox_id: int) -> InboxReservation:
    """The inbox row, locked for the transaction on PostgreSQL (SQLite: BEGIN IMMEDIATE)."""
    row = session.exec(
        select(InboxReservation).where(InboxReservation.id == inbox_id).with_for_update()
    ).first()
    if row is None or row.hotel_id != hotel_id:
        raise NotFound(f"no inbox reservation #{inbox_id} (see `hotelops inbox list`)")
    return row


def _latest(session: Session, hotel_id: int, inbox_id: int) -> InternalApproval | None:
    return session.exec(
        select(InternalApproval)
        .where(
            InternalApproval.hotel_id == hotel_id,
            InternalApproval.inbox_reservation_id == inbox_id,
        )
        .order_by(col(InternalApproval.id).desc())
        .limit(1)
    ).first()


def _approver_users(session: Session, hotel_id: int, names: list[str]) -> list[User]:
    """The users named, in order; unknown, inactive or mail-less ones are refused by name."""
    known = {
        u.username.lower(): u for u in session.exec(select(User).where(User.hotel_id == hotel_id))
    }
    unknown = [n for n in names if n.lower() not in known]
    if unknown:
        listed = ", ".join(sorted(u.username for u in known.values() if u.active)) or "none"
        raise InputError(f"unknown user(s): {', '.join(unknown)} (users: {listed})")
    users = [known[n.lower()] for n in names]
    inactive = [u.username for u in users if not u.active]
    if inactive:
        raise InputError(f"user(s) not active: {', '.join(inactive)}")
    mailless = [u.username for u in users if not u.email.strip()]
    if mailless:
        raise InputError(
            f"user(s) without an e-mail address: {', '.join(mailless)} "
            "(add one in the hotel file's [[users]])"
        )
    return users


def _waiting_names(session: Session, approval: InternalApproval) -> list[str]:
    return [
        v.username
        for v in session.exec(
            select(ApprovalVote)
            .where(ApprovalVote.approval_id == approval.id)
            .order_by(col(ApprovalVote.seq))
        )
        if not v.vote
    ]


def _names(session: Session, hotel_id: int, usernames: list[str]) -> dict[str, str]:
    if not usernames:
        return {}
    rows = session.exec(
        select(User).where(User.hotel_id == hotel_id, col(User.username).in_(usernames))
    )
    return {u.username: u.name for u in rows}
