"""IMAP mailboxes, read-only: mail is never deleted, moved or flagged.

Per folder the source remembers UIDVALIDITY and the highest UID read. Next time it asks only for
newer UIDs (``UID SEARCH UID n:*`` always returns the highest UID even when it is below n, so
the result is filtered). When UIDVALIDITY changes the UIDs mean nothing any more: the folder is
searched again ``search_back_days`` back, and ingest skips what it has by content hash and
Message-ID. Messages are fetched with ``BODY.PEEK[]`` in batches of explicit UIDs, so the server
never sets ``\\Seen``. Sizes are asked first (``RFC822.SIZE``): a batch holds at most
``FETCH_BYTES`` of mail, and of a message over the size limit only the head is fetched
(``BODY.PEEK[]<0.n>``).

At debug level imapclient hands imaplib's protocol trace to the log, and that trace holds every
fetched mail whole (card numbers and all). The trace is filtered here: the commands sent and
the sizes read pass, nothing the server sends does; the source logs each message's size itself.
"""

from __future__ import annotations

import logging
import re
import ssl
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from email.parser import BytesHeaderParser
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from hotelops.core.config import ImapAccount, secret
from hotelops.core.errors import ConfigError
from hotelops.core.scan.limits import DEFAULT_LIMITS, HEAD_BYTES, MB
from hotelops.core.scan.sources.base import RawItem, SourceError, SourceLog

#: Provider presets: host, port, SSL.
PRESETS = {
    "gmail": ("imap.gmail.com", 993, True),
    "outlook": ("outlook.office365.com", 993, True),
    "office365": ("outlook.office365.com", 993, True),
}
BATCH = 100
#: The most mail fetched in one command (a message larger than this comes on its own).
FETCH_BYTES = 8 * MB
#: What to fetch, and the key of the answer: a whole message, or the head of a large one.
_WHOLE = ("BODY.PEEK[]", b"BODY[]")
_HEAD = (f"BODY.PEEK[]<0.{HEAD_BYTES}>", b"BODY[]<0>")

_log = logging.getLogger(__name__)


class _CommandsAndSizes(logging.Filter):
    """imapclient's trace without mail in it: commands out, literal sizes and errors in.

    What passes from imaplib: the commands sent (the login redacted by imapclient), ``read
    literal size N``, and the server's response lines with their quoted strings blanked.
    Dropped: the dumps of untagged responses (``untagged_responses[FETCH] += ...``), where the
    bodies are, and any literal sent.
    """

    _PASSES = re.compile(
        r"(?:> |< |\s*read literal size|\s*write literal size|(?:NO|BAD|BYE) response:"
        r"|imaplib version|new IMAP4 connection|CAPABILITIES)"
    )
    _QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return False
        if message.lstrip().startswith("(literal)"):
            return False  # a literal we send (APPEND): a whole mail
        if record.name != "imapclient.imaplib":
            return True  # imapclient's own lines: connected, logged in, commands
        if not self._PASSES.match(message):
            return False
        if message.startswith("< "):
            record.msg, record.args = self._QUOTED.sub('"…"', message)[:200], ()
        return True


_TRACE_FILTER = _CommandsAndSizes()


def _filter_trace() -> None:
    """Install the filter on imapclient's loggers once (a logger's filter misses its children)."""
    for name in ("imapclient", "imapclient.imaplib"):
        logger = logging.getLogger(name)
        if _TRACE_FILTER not in logger.filters:
            logger.addFilter(_TRACE_FILTER)


class ImapSource:
    """One mailbox folder of one account."""

    def __init__(
        self,
        account: ImapAccount,
        *,
        env: dict[str, str] | None = None,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30,
        max_bytes: int = DEFAULT_LIMITS.max_message_bytes,
    ) -> None:
        """A mail over ``max_bytes`` yields its head only (ingest archives it with the error)."""
        self.account = account
        self.max_bytes = max_bytes
        self.env = env
        self.today = today
        self.ssl_context = ssl_context
        self.timeout = timeout
        self.name = f"imap:{account.name}/{account.folder}"
        self.label = f"imap:{account.name}"
        self.own_operator = ""  # a mailbox receives many operators' mail
        self.state: dict[str, str] = {}
        self._logs: list[SourceLog] = []

    def _connect(self) -> IMAPClient:
        host, port, use_ssl = PRESETS.get(self.account.provider, ("", 993, True))
        host = self.account.host or host
        port = self.account.port if self.account.host else port
        use_ssl = self.account.ssl if self.account.host else use_ssl
        if not host:
            raise SourceError("no IMAP host (set host, or a provider preset)")
        try:
            password = secret(
                self.account.password_env,
                what=f"password of {self.account.user}",
                env=self.env,
            )
        except ConfigError as exc:
            raise SourceError(str(exc)) from None
        _filter_trace()
        try:
            client = IMAPClient(
                host, port=port, ssl=use_ssl, ssl_context=self.ssl_context, timeout=self.timeout
            )
        except (OSError, IMAPClientError) as exc:
            hint = (
                f" (is ssl = {str(use_ssl).lower()} right for port {port}?)"
                if isinstance(exc, ssl.SSLError)
                else ""
            )
            raise SourceError(
                f"cannot connect to {host}:{port}: {_reason(exc, self.timeout)}{hint}"
            ) from None
        try:
            client.login(self.account.user, password)
        except LoginError:
            client.shutdown()
            raise SourceError(
                f"login refused by {host}:{port} for {self.account.user} "
                f"(check ${self.account.password_env})"
            ) from None
        except (OSError, IMAPClientError) as exc:
            client.shutdown()
            raise SourceError(
                f"{host}:{port} failed during login: {_reason(exc, self.timeout)}"
            ) from None
        return client

    def fetch(self) -> Iterator[RawItem]:
        """New messages since the last scan (or the last N days after a UIDVALIDITY change).

        ``SourceError`` when the mailbox cannot be read; what was yielded before stays read,
        and the saved position moves only after a complete read.
        """
        client = self._connect()
        try:
            yield from self._read(client)
        except (OSError, IMAPClientError) as exc:
            raise SourceError(
                f"the connection failed while reading {self.account.folder}: "
                f"{_reason(exc, self.timeout)}"
            ) from None
        finally:
            try:
                client.logout()
            except (IMAPClientError, OSError):
                client.shutdown()

    def _read(self, client: IMAPClient) -> Iterator[RawItem]:
        try:
            info: dict[bytes, Any] = client.select_folder(
                self.account.folder, readonly=self.account.read_only
            )
        except IMAPClientError as exc:
            raise SourceError(f"cannot open folder {self.account.folder}: {exc}") from None
        validity = str(info.get(b"UIDVALIDITY", ""))
        last_uid = int(self.state.get("last_uid", "0") or 0)
        if self.state.get("uidvalidity") and self.state["uidvalidity"] != validity:
            self._logs.append(
                SourceLog(
                    "warning",
                    f"{self.account.folder}: UIDVALIDITY changed ({self.state['uidvalidity']} "
                    f"→ {validity}); searching {self.account.search_back_days} days again, "
                    "known mail is skipped",
                )
            )
            last_uid = 0
        if last_uid:
            uids = [u for u in client.search(["UID", f"{last_uid + 1}:*"]) if u > last_uid]
        else:
            since = self.today() - timedelta(days=self.account.search_back_days)
            uids = client.search(["SINCE", since])
        uids = sorted(uids)
        newest = last_uid
        for start in range(0, len(uids), BATCH):
            chunk = uids[start : start + BATCH]
            answer = client.fetch(chunk, ["RFC822.SIZE"])
            sizes = {uid: int(answer.get(uid, {}).get(b"RFC822.SIZE", 0) or 0) for uid in chunk}
            for group, (ask, key) in self._groups(chunk, sizes):
                fetched = client.fetch(group, [ask, "INTERNALDATE"])
                for uid in group:
                    data = fetched.get(uid, {})
                    body = data.get(key)
                    if not isinstance(body, bytes):
                        continue
                    _log.debug("%s UID %d: %d bytes", self.account.folder, uid, len(body))
                    when = data.get(b"INTERNALDATE")
                    received = (
                        when.astimezone(UTC)
                        if isinstance(when, datetime) and when.tzinfo
                        else datetime.now(UTC)
                    )
                    yield RawItem(
                        data=body,
                        source=self.name,
                        source_ref=f"{validity}:{uid}",
                        received_at=received,
                        format="mail",
                        message_id=_message_id(body),
                        size=sizes[uid] if key == _HEAD[1] else 0,
                    )
                    newest = max(newest, uid)
        self.state = {"uidvalidity": validity, "last_uid": str(newest)}

    def _groups(
        self, uids: list[int], sizes: dict[int, int]
    ) -> Iterator[tuple[list[int], tuple[str, bytes]]]:
        """Runs of UIDs, in order, fetched together: whole messages up to ``FETCH_BYTES`` a run,
        and the heads of messages over the size limit."""
        group: list[int] = []
        kind = _WHOLE
        weight = 0
        for uid in uids:
            size = sizes.get(uid, 0)
            wanted = _HEAD if size > self.max_bytes else _WHOLE
            if group and (wanted != kind or weight + size > FETCH_BYTES):
                yield group, kind
                group, weight = [], 0
            group.append(uid)
            kind = wanted
            weight += min(size, HEAD_BYTES) if wanted == _HEAD else size
        if group:
            yield group, kind

    def acknowledge(self, ack_ids: list[str]) -> None:
        """Mail is read-only: nothing is sent back here."""

    def logs(self) -> list[SourceLog]:
        """Lines collected while reading."""
        lines, self._logs = self._logs, []
        return lines


def _message_id(body: bytes) -> str:
    head = body.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in body else body.split(b"\n\n", 1)[0]
    value = BytesHeaderParser().parsebytes(head + b"\n\n").get("Message-ID", "")
    return str(value).strip()[:300]


def _reason(exc: BaseException, timeout: float) -> str:
    """Why a connection failed, in words: ``connection refused``, ``no answer within 30s``."""
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g}s"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc})"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[:1].lower() + exc.strerror[1:]
    return str(exc) or type(exc).__name__
