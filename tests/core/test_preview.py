"""The bulk preview (``approval.preview``) the CLI's ``approve --pending`` and the grid share."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from hotelops.core.approval import SAVE, Outcome, decide, preview
from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database
from hotelops.core.demo import demo_folders, fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel
from hotelops.core.models import InboxReservation
from hotelops.core.pricing.contracts import import_contract
from hotelops.core.pricing.promotions import import_promotions
from hotelops.core.scan.runner import ScanRequest, run_scan

FIX = fixtures_dir()


def _ids(db: Database, *vouchers: str) -> list[int]:
    with db.read() as s:
        rows = {
            r.voucher: r.id
            for r in s.exec(
                select(InboxReservation).where(InboxReservation.voucher.in_(vouchers))  # type: ignore[attr-defined]
            )
        }
    return [rows[v] or 0 for v in vouchers]


def test_preview_says_ready_blocked_and_already_decided(
    db: Database, demo_file: Path, tmp_path: Path
) -> None:
    import_hotel(db, demo_file, user="t")
    import_contract(db, "KIV", FIX / "pricing" / "tui-gasp-26.toml", user="t")
    import_promotions(db, "KIV", FIX / "pricing" / "promotions.toml", user="t")
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "d"))), None)
    run_scan(db, config, ScanRequest(folders=demo_folders()))
    worked, jet2 = _ids(db, "79194577", "J2H8852390")
    with db.read() as s:
        hotel = get_hotel(s)
        before = preview(s, hotel, config, [worked, jet2], SAVE)
    assert [(i.inbox_id, i.voucher, i.ready) for i in before] == [
        (worked, "79194577", True),
        (jet2, "J2H8852390", False),
    ]
    assert any("Family Room" in p for p in before[1].problems)
    assert before[1].reasons == before[1].problems
    decide(db, hotel, config, worked, confirm=True, save=True, user="t")
    with db.read() as s:
        after = preview(s, hotel, config, [worked], SAVE)
    assert (after[0].ready, after[0].problems) == (False, ["already approved"])


def test_outcome_summary_reads_like_the_cli_line() -> None:
    outcome = Outcome(7, "V1", "confirm+save", "approved", 12, "ota", "ok", "created")
    assert outcome.summary() == (
        "#7 V1: confirm+save created → hotel reservation #12; operator: ota (ok)"
    )
    assert outcome.summary(status=True) == (
        "#7 V1: confirm+save created → hotel reservation #12 → approved; operator: ota (ok)"
    )
    assert Outcome(3, "V", "reject", "rejected").summary() == "#3 V: reject"
