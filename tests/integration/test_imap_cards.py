"""Card data in mail read from a real IMAP server (pymap on 127.0.0.1) is never kept or logged.

The mail cases of the card corpus (``tests/core/scan/card_corpus.py``) are delivered to the
mailbox and scanned; then every cell, document, log line and ``inbox show`` is searched as in the
folder test. A scan at ``-vv`` (the debug log, in a real process) shows the IMAP commands and
the sizes of the mails, never a mail's text.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import tomli_w

from hotelops.core.db import Database, open_database
from hotelops.core.demo import DEMO_FILE, fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.scan.runner import ScanRequest, run_scan
from tests.core.scan import card_corpus
from tests.core.scan.card_corpus import at_rest_leaks, leaks, shown_leaks
from tests.integration.test_imap_scan import ENV, config_for
from tests.servers.imap_server import imap_server


def mail_cases() -> list[card_corpus.Case]:
    return [case for case in card_corpus.cases() if case.mail]


def test_card_data_in_mail_read_over_imap_is_masked_before_it_is_stored(
    db: Database, db_url: str, demo_file: Path, tmp_path: Path
) -> None:
    import_hotel(db, demo_file, user="tester")
    corpus = mail_cases()
    with imap_server() as server:
        server.append([case.data for case in corpus])
        report = run_scan(db, config_for(server, tmp_path), ScanRequest(kinds={"imap"}), env=ENV)

    assert report.errors == 0 and report.unmatched == 0
    assert report.totals().new == len(corpus)
    assert at_rest_leaks(db, tmp_path / "docs", corpus) == []
    assert [line.message for line in report.log if leaks(line.message, corpus)] == []
    assert shown_leaks(db_url, db, corpus) == []


def test_a_debug_scan_shows_imap_commands_and_sizes_but_no_mail(tmp_path: Path) -> None:
    corpus = mail_cases()
    database = tmp_path / "hotelops.db"
    db = open_database(str(database))
    import_hotel(db, fixtures_dir() / DEMO_FILE, user="tester")
    db.dispose()
    exe = shutil.which("hotelops", path=str(Path(sys.executable).parent))
    assert exe, "the console script is installed with the package"
    with imap_server() as server:
        uids = server.append([case.data for case in corpus])
        config = tmp_path / "hotelops.toml"
        imap = {
            "name": "reservations",
            "host": server.host,
            "port": server.port,
            "ssl": False,
            "user": server.user,
            "password_env": "HOTELOPS_IMAP_PASSWORD",
            "search_back_days": 2,
        }
        config.write_text(
            tomli_w.dumps({"scan": {"folder": "", "documents_dir": "docs", "imap": [imap]}})
        )
        result = subprocess.run(
            [exe, "--config", str(config), "--db", str(database), "-vv", "scan"],
            env={**os.environ, **ENV, "NO_COLOR": "1", "COLUMNS": "120"},
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert result.returncode == 0, result.stderr
    log = result.stderr
    # Never what the mails say: no guest name from a body, no card data, no subject line.
    assert card_corpus.GUEST_IN_BODY not in log
    assert "HOTEL RESERVATION" not in log and "Booking reference" not in log
    assert leaks(log, corpus) == []
    assert "imap-test-password" not in log
    # What a debug log is for: the commands sent, and how big each mail was.
    assert re.search(r"UID FETCH [0-9,:]+ \(BODY\.PEEK\[\] INTERNALDATE\)", log), log
    sizes = re.findall(r"INBOX UID (\d+): (\d+) bytes", log)
    assert sorted(int(uid) for uid, _ in sizes) == sorted(uids)
    # (the server stores each mail with CRLF line ends)
    assert {int(size) for _, size in sizes} == {
        len(case.data.replace(b"\n", b"\r\n")) for case in corpus
    }
