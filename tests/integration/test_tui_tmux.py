"""The dashboard in a real terminal: ``hotelops tui`` and ``hotelops demo`` run inside tmux.

Each test starts its own tmux server (a private socket, a 120×36 window, TERM=xterm-256color),
runs the installed console script in it, sends keys as a user types them and reads the screen
with ``tmux capture-pane``. The command's exit status is written to a file when it ends.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hotelops.core.demo import build_demo, is_demo_database

pytestmark = pytest.mark.slow

TMUX = shutil.which("tmux") or "/usr/bin/tmux"
HOTELOPS = Path(sys.executable).parent / "hotelops"
WAIT = 15.0
# The newest demo reservation (the grid's first row) is TUK4492271 for the Whitfields; the
# guests column comes before the voucher, so the names are what a 120-column screen shows.
FIRST_GUEST = "Whitfield"
SEARCHED_VOUCHER = "79194577"  # a TUIP reservation for Andre Graeser
SEARCHED_GUEST = "Andre Graeser"


class Terminal:
    """A detached tmux session on a private server, and what its screen shows."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.socket = f"hotelops-test-{uuid.uuid4().hex[:12]}"
        self.cwd = cwd
        self.env = env
        self.status_file = cwd / f"exit-status-{self.socket}"

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            [TMUX, "-L", self.socket, *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 0, f"tmux {' '.join(args)}: {result.stderr}"
        return result.stdout

    def start(self, *command: str) -> None:
        """Run ``command`` in a new 120×36 session; keep the pane open after it ends."""
        line = " ".join(_quote(part) for part in command)
        script = f"{line}; echo $? > {_quote(str(self.status_file))}; sleep 600"
        self.tmux("new-session", "-d", "-s", "main", "-x", "120", "-y", "36", script)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "main")

    def colours(self) -> str:
        """The screen with its colour escape sequences."""
        return self.tmux("capture-pane", "-p", "-e", "-t", "main")

    def wait_for(self, check: Callable[[str], bool], what: str) -> str:
        """Poll the screen until ``check`` holds (at most ``WAIT`` seconds)."""
        deadline = time.monotonic() + WAIT
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if check(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"waited {WAIT:.0f}s for {what}; the screen shows:\n{text}")

    def wait_text(self, *needles: str) -> str:
        return self.wait_for(lambda text: all(n in text for n in needles), " and ".join(needles))

    def keys(self, *keys: str) -> None:
        """Send keys one at a time (an Escape followed at once by a key reads as Alt+key)."""
        for key in keys:
            self.tmux("send-keys", "-t", "main", key)
            time.sleep(0.35)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "main", "-l", text)
        time.sleep(0.35)

    def exit_status(self) -> int:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.status_file.exists() and self.status_file.read_text().strip():
                return int(self.status_file.read_text())
            time.sleep(0.2)
        raise AssertionError(f"the command did not end; the screen shows:\n{self.screen()}")

    def close(self) -> None:
        """Stop this test's tmux server (and whatever still runs in it); remove its socket."""
        subprocess.run(
            [TMUX, "-L", self.socket, "kill-server"],
            env=self.env,
            capture_output=True,
            timeout=30,
        )
        socket_dir = Path(self.env.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
        (socket_dir / self.socket).unlink(missing_ok=True)


def _xterm_brightness(code: int) -> float:
    """The brightness (0 dark to 1 light) of an xterm-256 colour."""
    if code >= 232:  # the grey ramp
        return (8 + (code - 232) * 10) / 255
    if code >= 16:  # the 6×6×6 cube
        r, g, b = ((code - 16) // 36, (code - 16) // 6 % 6, (code - 16) % 6)
        levels = [0 if v == 0 else 55 + v * 40 for v in (r, g, b)]
        return (0.299 * levels[0] + 0.587 * levels[1] + 0.114 * levels[2]) / 255
    return 1.0 if code in (7, 15) else 0.0 if code in (0, 8) else 0.5


def background(coloured: str) -> float:
    """The brightness of the background colour set most often on the screen."""
    found: Counter[float] = Counter()
    for match in re.finditer(r"\x1b\[([0-9;]*)m", coloured):
        params = match.group(1).split(";")
        for index, param in enumerate(params[:-2]):
            if param == "48" and params[index + 1] == "5":
                found[_xterm_brightness(int(params[index + 2]))] += 1
            elif param == "48" and params[index + 1] == "2" and index + 4 < len(params):
                r, g, b = (int(v) for v in params[index + 2 : index + 5])
                found[(0.299 * r + 0.587 * g + 0.114 * b) / 255] += 1
    assert found, "the screen sets background colours"
    return found.most_common(1)[0][0]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    assert Path(TMUX).exists(), "tmux is needed for the terminal smoke test"
    assert HOTELOPS.exists(), "the console script is installed next to the interpreter"
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "COLUMNS": "120",
        "LINES": "36",
    }
    for name in ("HOTELOPS_DATABASE_URL", "HOTELOPS_CONFIG", "NO_COLOR", "TMUX", "TEXTUAL"):
        env.pop(name, None)
    term = Terminal(tmp_path, env)
    try:
        yield term
    finally:
        term.close()


def test_tui_in_a_real_terminal(terminal: Terminal, tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    build_demo(path)
    terminal.start(str(HOTELOPS), "--db", str(path), "tui")

    screen = terminal.wait_text(FIRST_GUEST, "Pending (")
    assert "hotelops" in screen and "review grid" in screen

    terminal.keys("4")  # the All tab
    screen = terminal.wait_for(
        lambda text: re.search(r"All \(\d+\)", text) is not None, "the All tab"
    )

    terminal.keys("/")
    terminal.type(SEARCHED_VOUCHER)
    screen = terminal.wait_for(
        lambda text: SEARCHED_GUEST in text and FIRST_GUEST not in text,
        f"the grid narrowed to {SEARCHED_VOUCHER}",
    )
    assert "TUIP" in screen and "rows 1–1 of 1" in screen

    terminal.keys("Enter", "Enter")  # leave the search box, open the row
    screen = terminal.wait_text(f"voucher {SEARCHED_VOUCHER}", "(TUIP)")
    assert "check-in" in screen and "nights" in screen

    terminal.keys("Escape")
    screen = terminal.wait_for(
        lambda text: "Pending (" in text and f"voucher {SEARCHED_VOUCHER}" not in text,
        "the grid again",
    )

    terminal.keys("F2")
    screen = terminal.wait_text("Operator", "Last scan", "NOVA", "operators scanned")
    assert "timer off" in screen

    terminal.keys("Escape")
    terminal.wait_text("Pending (")
    terminal.keys("q")
    assert terminal.exit_status() == 0


def test_demo_opens_the_dashboard_in_a_terminal(terminal: Terminal, tmp_path: Path) -> None:
    path = tmp_path / "kivima.db"
    terminal.start(str(HOTELOPS), "demo", "--path", str(path))
    terminal.wait_for(lambda text: FIRST_GUEST in text and "Pending (" in text, "the dashboard")
    terminal.keys("q")
    assert terminal.exit_status() == 0
    screen = terminal.wait_text("dashboard closed")
    assert f"hotelops --db {path} tui" in " ".join(screen.split())  # Rich wraps long lines
    # the summary, printed before the dashboard opened, is back on the screen
    assert "scanned the demo operators' messages" in screen
    assert is_demo_database(path)


def test_demo_no_tui_only_prints_the_summary(terminal: Terminal, tmp_path: Path) -> None:
    path = tmp_path / "kivima.db"
    terminal.start(str(HOTELOPS), "demo", "--no-tui", "--path", str(path))
    assert terminal.exit_status() == 0
    screen = terminal.wait_text("demo database")
    assert "scanned the demo operators' messages" in screen
    assert f"the dashboard: hotelops --db {path} tui" in " ".join(screen.split())
    assert "Pending (" not in screen  # no dashboard was opened
    assert is_demo_database(path)


def test_tui_light_theme_and_ctrl_t_in_a_real_terminal(terminal: Terminal, tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    build_demo(path)
    terminal.start(str(HOTELOPS), "--db", str(path), "tui", "--theme", "light")
    terminal.wait_text(FIRST_GUEST, "Pending (")
    assert background(terminal.colours()) > 0.7  # light: dark text on a light background
    terminal.keys("C-t")
    terminal.wait_for(lambda _text: background(terminal.colours()) < 0.3, "the dark theme")
    terminal.keys("F2")
    terminal.wait_text("Last scan", "NOVA")
    assert background(terminal.colours()) < 0.3  # the scanner keeps the chosen theme
    terminal.keys("q")
    assert terminal.exit_status() == 0
