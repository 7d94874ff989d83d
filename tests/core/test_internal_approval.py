"""Internal approval (İç Onay) on both engines, with a real SMTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from hotelops.core import internal_approval as ia
from hotelops.core.auditlog import entries
from hotelops.core.config import LoadedConfig, ScanSettings, Settings, SmtpSettings
from hotelops.core.db import Database
from hotelops.core.demo import fixtures_dir
from hotelops.core.errors import InputError, NotFound
from hotelops.core.hotelfile import import_hotel
from hotelops.core.inbox import InboxFilter, inbox_detail, list_inbox
from hotelops.core.mailer import Mailer, MailError, OutgoingMail
from hotelops.core.models import ApprovalVote, InternalApproval, User
from hotelops.core.scan.runner import ScanRequest, run_scan
from tests.servers.smtp_server import SmtpServer, free_port, smtp_server

APPROVERS = ["emre.cakir", "selin.aydin", "murat.ozturk", "gulsen.yilmaz", "ahmet.sahin"]
FROM = "reservations@kivimahotel.example"


@dataclass
class Office:
    db: Database
    hotel_id: int
    inbox_id: int
    voucher: str


@pytest.fixture
def office(db: Database, demo_file: Path, tmp_path: Path) -> Office:
    imported = import_hotel(db, demo_file, user="test")
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "docs"))), None)
    run_scan(
        db,
        config,
        ScanRequest(hotel_code=imported.hotel_code, folders=[fixtures_dir() / "ota"]),
    )
    with db.read() as session:
        page = list_inbox(session, imported.hotel_id, InboxFilter(search="79194577"))
    assert page.rows, "the worked example TUI reservation is in fixtures/ota"
    row = page.rows[0]
    return Office(db, imported.hotel_id, row.id, row.voucher)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


def mailer_for(server: SmtpServer) -> Mailer:
    return Mailer(
        SmtpSettings(host=server.host, port=server.port, starttls=False, from_address=FROM)
    )


class Clock:
    """A clock that moves a minute on every reading."""

    def __init__(self) -> None:
        self.at = datetime(2026, 2, 15, 22, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.at += timedelta(minutes=1)
        return self.at


def start(
    office: Office, approvers: list[str], mailer: Mailer | None, **kw: object
) -> ia.ApprovalStatus:
    return ia.start(
        office.db,
        office.hotel_id,
        office.inbox_id,
        approvers,
        kw.pop("note", "please check the price"),  # type: ignore[arg-type]
        user="emre.cakir",
        mailer=mailer,
        **kw,  # type: ignore[arg-type]
    )


def vote(office: Office, username: str, yes: bool, note: str = "") -> ia.ApprovalStatus:
    return ia.vote(
        office.db, office.hotel_id, office.inbox_id, username, yes, note=note, user="clerk"
    )


def test_start_with_one_approver_mails_the_vote_command(office: Office, smtp: SmtpServer) -> None:
    clock = Clock()
    result = start(office, ["selin.aydin"], mailer_for(smtp), now=clock)
    assert result.status == "started" and result.warnings == []
    assert result.started_by == "emre.cakir" and result.note == "please check the price"
    assert [(v.seq, v.username, v.name, v.vote) for v in result.votes] == [
        (1, "selin.aydin", "Selin Aydın", "")
    ]
    assert result.votes[0].notified_at is not None and result.votes[0].notify_error == ""
    messages = smtp.wait_for(1)
    assert len(messages) == 1
    mail = messages[0]
    assert mail["To"] == "selin.aydin@kivimahotel.example" and mail["From"] == FROM
    assert office.voucher in mail["Subject"] and "emre.cakir" in mail["Subject"]
    body = mail.get_content()
    assert f"hotelops approve vote {office.inbox_id} --user selin.aydin --yes" in body
    assert f"hotelops approve vote {office.inbox_id} --user selin.aydin --no" in body
    assert office.voucher in body and "please check the price" in body
    assert smtp.envelopes[0].rcpt_tos == ["selin.aydin@kivimahotel.example"]


def test_five_approvers_each_get_a_mail_and_all_yes_approves(
    office: Office, smtp: SmtpServer
) -> None:
    clock = Clock()
    result = start(office, APPROVERS, mailer_for(smtp), now=clock)
    assert [v.seq for v in result.votes] == [1, 2, 3, 4, 5]
    messages = smtp.wait_for(5)
    assert sorted(m["To"] for m in messages) == sorted(
        f"{name}@kivimahotel.example" for name in APPROVERS
    )
    for message in messages:
        user = message["To"].split("@")[0]
        assert f"--user {user} --yes" in message.get_content()
    for name in APPROVERS[:-1]:
        partial = ia.vote(
            office.db, office.hotel_id, office.inbox_id, name, True, user="clerk", now=clock
        )
        assert partial.status == "started" and partial.decided_at is None
    assert ia.is_blocking(partial) is not None and "ahmet.sahin" in (ia.is_blocking(partial) or "")
    final = ia.vote(
        office.db, office.hotel_id, office.inbox_id, "ahmet.sahin", True, user="clerk", now=clock
    )
    assert final.status == "approved" and final.decided_at == final.votes[-1].voted_at
    assert all(v.vote == "yes" and v.voted_at for v in final.votes)
    times = [v.voted_at for v in final.votes if v.voted_at is not None]
    assert times == sorted(times) and len(set(times)) == 5
    assert ia.is_blocking(final) is None
    with office.db.read() as session:
        again = ia.status(session, office.hotel_id, office.inbox_id)
    assert again is not None and again.status == "approved"
    assert [v.vote for v in again.votes] == ["yes"] * 5


def test_one_no_rejects_and_closes_the_votes(office: Office, smtp: SmtpServer) -> None:
    start(office, ["emre.cakir", "selin.aydin", "murat.ozturk"], mailer_for(smtp))
    vote(office, "emre.cakir", True)
    rejected = vote(office, "selin.aydin", False, note="price too low")
    assert rejected.status == "rejected" and rejected.decided_at is not None
    assert [(v.username, v.vote) for v in rejected.votes] == [
        ("emre.cakir", "yes"),
        ("selin.aydin", "no"),
        ("murat.ozturk", ""),
    ]
    assert rejected.votes[1].note == "price too low"
    message = ia.is_blocking(rejected)
    assert message and "rejected by selin.aydin (price too low)" in message
    with pytest.raises(InputError, match="already rejected"):
        vote(office, "murat.ozturk", True)
    # A new round may start after a rejection; the newest round counts.
    second = start(office, ["murat.ozturk"], mailer_for(smtp))
    assert second.id != rejected.id and second.status == "started"
    assert vote(office, "murat.ozturk", True).status == "approved"


@pytest.mark.parametrize(
    ("approvers", "match"),
    [
        ([], "one to 5 approvers"),
        ([*APPROVERS, "emre.cakir"], "at most 5 approvers, 6 named"),
        (["emre.cakir", "nobody.here"], r"unknown user\(s\): nobody.here"),
        (["emre.cakir", "Emre.Cakir"], "more than once: "),
        (["no.mail"], r"without an e-mail address: no.mail"),
    ],
)
def test_start_refuses_bad_approver_lists(
    office: Office, smtp: SmtpServer, approvers: list[str], match: str
) -> None:
    with office.db.write() as session:
        session.add(User(hotel_id=office.hotel_id, username="no.mail", name="No Mail", email=""))
    with pytest.raises(InputError, match=match):
        start(office, approvers, mailer_for(smtp))
    with office.db.read() as session:
        assert session.exec(select(InternalApproval)).all() == []
    assert smtp.messages == []


def test_start_refuses_while_one_is_waiting_and_unknown_inbox(
    office: Office, smtp: SmtpServer
) -> None:
    start(office, ["emre.cakir", "selin.aydin"], mailer_for(smtp))
    with pytest.raises(InputError, match=r"already started and waiting for emre.cakir, selin"):
        start(office, ["murat.ozturk"], mailer_for(smtp))
    with pytest.raises(NotFound, match="no inbox reservation #999999"):
        ia.start(office.db, office.hotel_id, 999_999, ["emre.cakir"], user="x", mailer=None)


def test_vote_twice_or_by_a_stranger_is_refused(office: Office, smtp: SmtpServer) -> None:
    with pytest.raises(NotFound, match="has no internal approval"):
        vote(office, "emre.cakir", True)
    start(office, ["emre.cakir", "selin.aydin"], mailer_for(smtp))
    vote(office, "emre.cakir", True)
    with pytest.raises(InputError, match=r"emre.cakir already voted yes"):
        vote(office, "emre.cakir", False)
    with pytest.raises(InputError, match=r"murat.ozturk is not an approver .*emre.cakir, selin"):
        vote(office, "murat.ozturk", True)
    with office.db.read() as session:
        current = ia.status(session, office.hotel_id, office.inbox_id)
    assert current is not None and current.status == "started"
    assert [v.vote for v in current.votes] == ["yes", ""]


def test_is_blocking_messages(office: Office, smtp: SmtpServer) -> None:
    assert ia.is_blocking(None) is None
    started = start(office, ["emre.cakir", "selin.aydin"], mailer_for(smtp))
    assert ia.is_blocking(started) == (
        f"internal approval #{started.id} is waiting for emre.cakir, selin.aydin: they vote "
        f"with `hotelops approve vote {office.inbox_id} --user USER --yes|--no`"
    )
    after_one = vote(office, "emre.cakir", True)
    assert "waiting for selin.aydin:" in (ia.is_blocking(after_one) or "")
    approved = vote(office, "selin.aydin", True)
    assert ia.is_blocking(approved) is None


def test_smtp_down_is_a_recorded_warning_and_the_approval_starts(office: Office) -> None:
    port = free_port()  # nobody listens here
    down = Mailer(SmtpSettings(host="127.0.0.1", port=port, starttls=False, from_address=FROM))
    result = start(office, ["emre.cakir", "selin.aydin"], down)
    assert result.status == "started"
    assert len(result.warnings) == 2
    assert result.warnings[0].startswith(f"emre.cakir: cannot send mail via SMTP 127.0.0.1:{port}")
    with office.db.read() as session:
        votes = session.exec(select(ApprovalVote).order_by(col(ApprovalVote.seq))).all()
    assert [v.notified_at for v in votes] == [None, None]
    assert all(f"127.0.0.1:{port}" in v.notify_error for v in votes)
    # No SMTP configured at all: the same, with a clear reason.
    vote(office, "emre.cakir", False)
    unconfigured = start(office, ["murat.ozturk"], Mailer(SmtpSettings()))
    assert unconfigured.warnings == [
        "murat.ozturk: not mailed: SMTP is not configured (set smtp.host and smtp.from_address)"
    ]


def test_every_step_is_in_the_audit_log(office: Office, smtp: SmtpServer) -> None:
    result = start(office, ["emre.cakir", "selin.aydin"], mailer_for(smtp))
    vote(office, "emre.cakir", True)
    vote(office, "selin.aydin", True, note="ok")
    with office.db.read() as session:
        log = entries(
            session, office.hotel_id, entity="inbox_reservation", entity_id=office.inbox_id
        )
    actions = [e.action for e in reversed(log) if e.action.startswith("approval.")]
    assert actions == ["approval.start", "approval.vote", "approval.vote", "approval.approved"]
    started = next(e for e in log if e.action == "approval.start")
    assert started.user == "emre.cakir"
    assert started.after == {
        "approval_id": result.id,
        "approvers": ["emre.cakir", "selin.aydin"],
        "note": "please check the price",
    }
    last_vote = next(e for e in log if e.action == "approval.vote")
    assert last_vote.user == "clerk"
    assert last_vote.after is not None and last_vote.after["approver"] == "selin.aydin"
    assert last_vote.after["status"] == "approved"


def test_mailer_logs_in_and_never_shows_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    with smtp_server(users={"office": "pw-Secret-123"}) as server:
        settings = SmtpSettings(
            host=server.host,
            port=server.port,
            starttls=False,
            user="office",
            password_env="TEST_SMTP_PW",
            from_address=FROM,
        )
        Mailer(settings, env={"TEST_SMTP_PW": "pw-Secret-123"}).send(
            OutgoingMail(["a@example.com"], "hello", "text", "<p>html</p>")
        )
        assert server.logins == ["office"] and len(server.messages) == 1
        assert server.messages[0].get_body(("html",)) is not None
        with pytest.raises(MailError) as refused:
            Mailer(settings, env={"TEST_SMTP_PW": "wrong-pw-Secret"}).send(
                OutgoingMail(["a@example.com"], "hello", "text")
            )
        assert "login as office refused" in str(refused.value)
        assert "Secret" not in str(refused.value)
        with pytest.raises(MailError, match=r"\$TEST_SMTP_PW is not set"):
            Mailer(settings, env={}).send(OutgoingMail(["a@example.com"], "hello", "text"))
        # The default (STARTTLS) refuses a server that cannot encrypt.
        tls = SmtpSettings(host=server.host, port=server.port, from_address=FROM)
        with pytest.raises(MailError, match="does not offer STARTTLS"):
            Mailer(tls).send(OutgoingMail(["a@example.com"], "hello", "text"))


def test_confirmation_mail_for_a_mail_operator(office: Office, smtp: SmtpServer) -> None:
    with office.db.read() as session:
        detail = inbox_detail(session, office.hotel_id, office.inbox_id)
    detail.reservation.sender = "res@operator.example"
    mail = ia.confirmation_mail(detail, "Kivima Hotel")
    assert mail.to == ["res@operator.example"]
    assert office.voucher in mail.subject and "booking is confirmed by Kivima Hotel." in mail.text
    assert f"{detail.reservation.check_in:%d.%m.%Y}" in mail.text
    assert detail.guests[0].last_name in mail.text
    mailer_for(smtp).send(mail)
    assert smtp.wait_for(1)[0]["To"] == "res@operator.example"
