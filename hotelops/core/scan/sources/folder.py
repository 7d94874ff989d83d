"""The drop folder: ``.eml``, ``.xml`` and ``.json`` files, left where they are.

What was read is remembered by content hash (in the archive), so a file read once is skipped,
and the same file copied in again creates nothing. A file larger than the size limit is not
read into memory: its head is, and the whole file is hashed as it streams by.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from hotelops.core.scan.limits import DEFAULT_LIMITS, HEAD_BYTES
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


def read_head(path: Path) -> tuple[bytes, int, str]:
    """A large file's first ``HEAD_BYTES``, its size and its SHA-256, holding no more than a
    megabyte of it at a time."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    with path.open("rb") as handle:
        while chunk := handle.read(HEAD_BYTES):
            head = head or chunk
            size += len(chunk)
            digest.update(chunk)
    return head, size, digest.hexdigest()


class FolderSource:
    """Every message file in one or more folders, in name order (names often carry order)."""

    def __init__(
        self,
        paths: list[Path],
        *,
        operator_code: str = "",
        recursive: bool = False,
        max_bytes: int = DEFAULT_LIMITS.max_message_bytes,
        fix: str = "check scan.folder",
    ) -> None:
        """``fix`` ends the error when a folder is missing: where the user names the folder;
        a file over ``max_bytes`` yields its head only (ingest archives it with the error)."""
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
                    data, size, digest = read_head(path)
                else:
                    data, size, digest = path.read_bytes(), 0, ""
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
                size=size,
                sha256=digest,
            )

    def acknowledge(self, ack_ids: list[str]) -> None:
        """Files need no acknowledgement."""

    def logs(self) -> list[SourceLog]:
        """Lines collected while reading."""
        lines, self._logs = self._logs, []
        return lines
