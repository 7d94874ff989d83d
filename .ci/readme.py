"""The README's shell blocks, for CI and the tests: the two fresh-machine commands and the tour.

    python3 .ci/readme.py demo     # the command that runs the demo
    python3 .ci/readme.py tests    # the command that runs the tests
    python3 .ci/readme.py tour     # the tour, one command per line

CI runs what this prints, so the README and CI cannot drift apart.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
FRESH_MACHINE = "## Two commands on a fresh machine"
TOUR = "## A short tour"


def section(text: str, heading: str) -> str:
    """The text under ``heading`` up to the next ``## `` heading."""
    start = text.index(heading) + len(heading)
    following = text.find("\n## ", start)
    return text[start : following if following >= 0 else len(text)]


def sh_blocks(text: str) -> list[str]:
    """The ```sh fenced blocks of ``text``, in order."""
    return [m.group(1).strip() for m in re.finditer(r"```sh\n(.*?)```", text, re.S)]


def commands(readme: str | None = None) -> dict[str, str]:
    """``demo``, ``tests`` and ``tour``: what a new user copies from the README."""
    text = README.read_text(encoding="utf-8") if readme is None else readme
    fresh = sh_blocks(section(text, FRESH_MACHINE))
    if len(fresh) != 2:
        raise SystemExit(f"{README}: {FRESH_MACHINE!r} must hold two sh blocks, not {len(fresh)}")
    tour = sh_blocks(section(text, TOUR))
    return {"demo": fresh[0], "tests": fresh[1], "tour": "\n".join(tour)}


if __name__ == "__main__":
    print(commands()[sys.argv[1]])
