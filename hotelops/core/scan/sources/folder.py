"""The drop folder: ``.eml``, ``.xml`` and ``.json`` files, left where they are.

What was read is remembered by content hash (in the archive), so a file read once is skipped,
and the same file copied in again creates nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from hotelops.core.scan.sources.base import RawItem, SourceError, SourceLog

EXTENSIONS = {".eml": "mail", ".xml": "", ".json": "json"}
_PREFIX = re.compile(r"^([A-Za-z0-9]+)[-_]")


def hints(path: Path) -> tuple[str, ...]:
    """Operator codes a file's place suggests: ``ALLT-01-x.xml`` → ALLT; ``TUIP/x.xml`` → TUIP."""
    found = []
    match = _PREFIX.match(path.name)
    if match:
        found.append(match.group(1).upper())
    found.append(path.parent.name.upper())
    return tuple(found)


class FolderSource:
    """Every message file in one or more folders, in name order (names often carry order)."""

    def __init__(
        self,
        paths: list[Path],
        *,
        operator_code: str = "",
        recursive: bool = False,
        max_bytes: int = 50 * 1024 * 1024,
        fix: str = "check scan.folder",
    ) -> None:
        """``fix`` ends the error when a folder is missing: where the user names the folder."""
        self.paths = paths
        self.operator_code = operator_code
        self.recursive = recursive
        self.max_bytes = max_bytes
        self.fix = fix
        self.name = self.label = "folder:" + ",".join(str(p) for p in paths)
        self.own_operator = ""  # a drop folder holds many operators' files
        self._logs: list[SourceLog] = []

    def files(self) -> list[Path]:
        """The message files, sorted by path; ``SourceError`` when a folder cannot be read."""
        found: list[Path] = []
        for root in self.paths:
            if not root.exists():
                raise SourceError(f"folder {root} does not exist ({self.fix})")
            if not root.is_dir():
                raise SourceError(f"{root} is a file, not a folder ({self.fix})")
            candidates = root.rglob("*") if self.recursive else root.iterdir()
            try:
                found.extend(
                    p
                    for p in candidates
                    if p.suffix.lower() in EXTENSIONS and p.is_file() and not p.name.startswith(".")
                )
            except OSError as exc:
                raise SourceError(f"cannot read folder {root}: {exc.strerror}") from None
        return sorted(found)

    def fetch(self) -> Iterator[RawItem]:
        """One item per file."""
        for path in self.files():
            try:
                stat = path.stat()
                if stat.st_size > self.max_bytes:
                    self._logs.append(
                        SourceLog(
                            "error",
                            f"{path.name}: {stat.st_size} bytes is "
                            f"over the {self.max_bytes} byte limit; skipped",
                            self.operator_code,
                        )
                    )
                    continue
                data = path.read_bytes()
            except OSError as exc:
                self._logs.append(
                    SourceLog("error", f"{path}: cannot read: {exc.strerror}", self.operator_code)
                )
                continue
            yield RawItem(
                data=data,
                source=f"folder:{path.parent}",
                source_ref=path.name,
                received_at=datetime.fromtimestamp(stat.st_mtime, UTC),
                operator_code=self.operator_code,
                format=EXTENSIONS[path.suffix.lower()],
                operator_hints=hints(path),
            )

    def acknowledge(self, ack_ids: list[str]) -> None:
        """Files need no acknowledgement."""

    def logs(self) -> list[SourceLog]:
        """Lines collected while reading."""
        lines, self._logs = self._logs, []
        return lines
