"""Pull reservations from an operator's HTTP API: OpenTravel, AlpineBits or the JSON feed.

One ``HttpOperatorSource`` per configured ``[[scan.api]]`` endpoint. Each pull yields at most one
``RawItem`` (the response body, exactly as received); an answer with no reservations yields
nothing, so the archive is not filled with empty polls. After ingest has stored what it read, it
calls ``acknowledge`` with the ack ids, and the operator stops sending those reservations.

Credentials come from the environment variable named by ``secret_env`` and travel in headers only
(never in the URL, where httpx and proxies would log them); log lines and errors never carry them.
An operator that echoes the request back must not get them into the raw archive either: every
answer is stripped of the credentials sent (the header value, the secret, and their base64,
percent-encoded and escaped forms) before anything reads it.
Retries: 5xx answers, timeouts and connection errors are retried ``endpoint.retries`` times with
exponential backoff (0.5 s, 1 s, 2 s ...); a 429 waits for ``Retry-After`` (capped at 60 s). Every
call retried here is safe to repeat: a pull is a read, and acknowledging twice changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from hotelops.core.config import ApiEndpoint, secret
from hotelops.core.credentials import redact, redact_text, secret_forms, url_credentials
from hotelops.core.errors import ConfigError
from hotelops.core.scan.formats import alpinebits, jsonfeed, ota
from hotelops.core.scan.formats.xmlsafe import parse_xml
from hotelops.core.scan.limits import DEFAULT_LIMITS, MB, ScanLimits, megabytes
from hotelops.core.scan.model import ParseError
from hotelops.core.scan.sources.base import RawItem, SourceError, SourceLog

if TYPE_CHECKING:
    # Imported where it is used: ``import httpx`` also imports its command-line client (click,
    # rich, pygments) whenever those are installed, and importing ``hotelops.core`` must load no
    # UI library (tests/test_architecture.py).
    import httpx

__all__ = ["HttpOperatorSource"]

#: Longest wait a ``Retry-After`` may impose, in seconds.
MAX_RETRY_AFTER: Final = 60.0
#: First backoff delay; it doubles on each retry.
BACKOFF_START: Final = 0.5

_XML_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "Accept": "text/xml, application/xml"}


def _utc_now() -> datetime:
    return datetime.now(UTC)


class HttpOperatorSource:
    """One operator's reservation API, read over HTTP(S) (implements the ``Source`` protocol)."""

    def __init__(
        self,
        endpoint: ApiEndpoint,
        hotel_code: str,
        *,
        env: dict[str, str] | None = None,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = _utc_now,
        hotel_name: str = "",
        requestor_id: str = "",
        alpinebits_version: str = alpinebits.DEFAULT_VERSION,
        client_id: str = "hotelops",
        limits: ScanLimits = DEFAULT_LIMITS,
    ) -> None:
        """``hotel_code`` is the hotel as the operator knows it; ``requestor_id`` (default: the
        endpoint user, else the hotel code) identifies us in an OTA_ReadRQ. An answer larger
        than ``limits.max_message_bytes`` is refused (announced by Content-Length, or as it
        streams in): the operator keeps what it sent, unacknowledged."""
        self.endpoint = endpoint
        self.limits = limits
        self.max_bytes = limits.max_message_bytes
        self.operator = self.own_operator = endpoint.operator
        self.name = self.label = f"http:{endpoint.operator}"
        self.hotel_code = hotel_code
        self.hotel_name = hotel_name
        self.requestor_id = requestor_id or endpoint.user or hotel_code
        self.alpinebits_version = alpinebits.check_version(alpinebits_version)
        self.client_id = client_id
        self._env = env
        self._sleep = sleep
        self._now = now
        self._logs: list[SourceLog] = []
        self._secret: str | None = None
        #: Every form of the credentials sent, to strip from answers (``secret_forms``).
        self._sent_forms: list[str] = []
        self._echo_logged = False
        self._url = self._checked_url(endpoint.base_url)
        self._owns_client = client is None
        if client is None:
            import httpx

            # Redirects are not followed: a redirect to another host would take the credentials.
            client = httpx.Client(follow_redirects=False)
        self._client = client

    # ---------------------------------------------------------------------------- protocol

    def fetch(self) -> Iterator[RawItem]:
        """The operator's pending reservations: at most one item, the body of the answer."""
        if self.endpoint.format == "ota":
            item = self._fetch_ota()
        elif self.endpoint.format == "alpinebits":
            item = self._fetch_alpinebits()
        else:
            item = self._fetch_json()
        if item is not None:
            yield item

    def acknowledge(self, ack_ids: list[str]) -> None:
        """Tell the operator these reservations are stored, so it stops sending them."""
        ids = [ack_id for ack_id in dict.fromkeys(ack_ids) if ack_id]
        if not ids:
            return
        if self.endpoint.format == "ota":
            body = ota.build_notif_report_rq(
                ids, echo_token=uuid.uuid4().hex, timestamp=self._now()
            )
            response = self._request("POST", self._url, content=body, headers=_XML_HEADERS)
            self._raise_xml_errors(response.content, "acknowledgement")
        elif self.endpoint.format == "alpinebits":
            body = alpinebits.build_notif_report(
                ids, timestamp=self._now(), version=self.alpinebits_version
            )
            response = self._alpinebits_post(alpinebits.ACTION_ACKNOWLEDGE, body)
            self._raise_xml_errors(response.content, "acknowledgement")
        else:
            ack_url = self._url.copy_with(path=self._url.path.rstrip("/") + "/ack")
            self._request(
                "POST",
                ack_url,
                content=json.dumps({"ack": ids}).encode(),
                headers={"Content-Type": "application/json", "Accept": "application/json"},
            )
        shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        self._log("info", f"{self.operator}: acknowledged {len(ids)} reservation(s): {shown}")

    def logs(self) -> list[SourceLog]:
        """Retries, empty pulls and acknowledgements, in order."""
        return list(self._logs)

    def close(self) -> None:
        """Close the HTTP client if this source created it."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> HttpOperatorSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------------------- pulls

    def _fetch_ota(self) -> RawItem | None:
        echo = uuid.uuid4().hex
        body = ota.build_read_rq(
            self.hotel_code, requestor_id=self.requestor_id, echo_token=echo, timestamp=self._now()
        )
        response = self._request("POST", self._url, content=body, headers=_XML_HEADERS)
        return self._xml_item(response.content, echo, "ota")

    def _fetch_alpinebits(self) -> RawItem | None:
        body = alpinebits.build_read_rq(
            self.hotel_code,
            self.hotel_name,
            timestamp=self._now(),
            version=self.alpinebits_version,
        )
        response = self._alpinebits_post(alpinebits.ACTION_READ, body)
        return self._xml_item(response.content, "", "alpinebits")

    def _fetch_json(self) -> RawItem | None:
        response = self._request("GET", self._url, headers={"Accept": "application/json"})
        data = response.content
        if len(data) > self.limits.max_xml_json_bytes:
            return self._item(data, self._digest(data), "json")  # ingest records why not read
        try:
            document = jsonfeed.load(data, limits=self.limits)  # depth checked: ``json`` recurses
        except ParseError:
            document = None  # not JSON, or too deep: kept, and ingest records why
        if isinstance(document, dict) and document.get("reservations") == []:
            self._log("info", f"{self.operator}: no new reservations")
            return None
        return self._item(data, self._digest(data), "json")

    def _xml_item(self, data: bytes, echo: str, fmt: str) -> RawItem | None:
        if len(data) > self.limits.max_xml_json_bytes:
            return self._item(data, echo or self._digest(data), fmt)  # ingest records why
        root = self._raise_xml_errors(data, "pull")
        if root is not None:
            if not any(_localname(element) == "HotelReservation" for element in root.iter()):
                self._log("info", f"{self.operator}: no new reservations")
                return None
            echo = root.get("EchoToken") or echo
        return self._item(data, echo or self._digest(data), fmt)

    def _item(self, data: bytes, source_ref: str, fmt: str) -> RawItem:
        return RawItem(
            data=data,
            source=self.name,
            source_ref=source_ref,
            received_at=self._now(),
            operator_code=self.operator,
            format=fmt,
        )

    def _raise_xml_errors(self, data: bytes, what: str) -> etree._Element | None:
        """The parsed answer, or None if it is not XML; ``SourceError`` for an error answer."""
        problem = alpinebits.protocol_error(data)
        if problem:
            raise SourceError(
                f"{self.operator}: the operator refused the {what}: {self._scrub(problem)}"
            )
        try:
            root = parse_xml(data, max_depth=self.limits.max_depth)
        except ParseError:
            if what == "acknowledgement":
                raise SourceError(
                    f"{self.operator}: the acknowledgement was answered with something that is "
                    "not XML"
                ) from None
            return None
        errors = ota.response_errors(root)
        if errors:
            raise SourceError(
                f"{self.operator}: the operator answered the {what} with errors: "
                + self._scrub("; ".join(errors))
            )
        return root

    def _alpinebits_post(self, action: str, body: bytes) -> httpx.Response:
        # ``files`` with no file name makes httpx send multipart/form-data, as AlpineBits requires,
        # while ``request`` stays an ordinary form field.
        return self._request(
            "POST",
            self._url,
            data={"action": action},
            files={"request": (None, body)},
            headers=alpinebits.request_headers(self.client_id, version=self.alpinebits_version),
        )

    # ------------------------------------------------------------------------- transport

    def _checked_url(self, base_url: str) -> httpx.URL:
        import httpx

        try:
            url = httpx.URL(base_url)
        except (httpx.InvalidURL, TypeError):
            raise SourceError(f"{self.operator}: base_url is not a valid URL") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise SourceError(f"{self.operator}: base_url must be an http(s) URL")
        if url.userinfo or url_credentials(base_url):
            raise SourceError(
                f"{self.operator}: base_url must not hold credentials; set auth, user and "
                "secret_env"
            )
        return url

    def _safe_url(self, url: httpx.URL) -> str:
        """The URL as shown in logs and errors: no user info, no query string."""
        return str(url.copy_with(query=None, fragment=None, userinfo=b""))

    def _auth_headers(self) -> dict[str, str]:
        auth = self.endpoint.auth
        if auth == "none":
            return {}
        if self._secret is None:
            try:
                self._secret = secret(
                    self.endpoint.secret_env, what=f"operator {self.operator}", env=self._env
                )
            except ConfigError as exc:
                raise SourceError(f"{self.operator}: {exc}") from None
        if auth == "basic":
            pair = f"{self.endpoint.user}:{self._secret}"
            headers = {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode("ascii")}
        elif auth == "bearer":
            headers = {"Authorization": f"Bearer {self._secret}"}
        else:
            headers = {self.endpoint.api_key_header: self._secret}
        if not self._sent_forms:
            # The header value, the secret, and for Basic the user:secret pair its base64 is of.
            sent = [*headers.values(), self._secret, f"{self.endpoint.user}:{self._secret}"]
            self._sent_forms = secret_forms(sent)
        return headers

    def _request(
        self,
        method: str,
        url: httpx.URL,
        *,
        headers: dict[str, str],
        **kwargs: Any,
    ) -> httpx.Response:
        """Send with retries; the response is 2xx with its body read, else ``SourceError``."""
        import httpx

        headers = {**headers, **self._auth_headers()}
        retries = self.endpoint.retries
        timeout = self.endpoint.timeout_seconds
        shown = f"{method} {self._safe_url(url)}"
        problem = ""
        for attempt in range(retries + 1):
            try:
                response = self._send(method, url, headers, timeout, kwargs)
            except httpx.TimeoutException:
                problem = f"no answer within {timeout:g}s"
                delay = self._backoff(attempt)
            except httpx.TransportError as exc:
                problem = f"connection failed ({type(exc).__name__})"
                delay = self._backoff(attempt)
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return response
                if status == 429:
                    problem = "HTTP 429 (too many requests)"
                    delay = self._retry_after(response) or self._backoff(attempt)
                elif status >= 500:
                    problem = f"HTTP {status}"
                    delay = self._backoff(attempt)
                elif status in (401, 403):
                    raise SourceError(self._login_refused(status, shown))
                else:
                    raise SourceError(
                        f"{self.operator}: HTTP {status} from {shown}: {self._snippet(response)}"
                    )
            if attempt == retries:
                break
            self._log(
                "warning",
                f"{self.operator}: {problem} from {shown}; retry {attempt + 1}/{retries} "
                f"in {delay:g}s",
            )
            self._sleep(delay)
        raise SourceError(f"{self.operator}: {problem} after {retries} retries ({shown})")

    def _send(
        self,
        method: str,
        url: httpx.URL,
        headers: dict[str, str],
        timeout: float,
        kwargs: dict[str, Any],
    ) -> httpx.Response:
        import httpx

        with self._client.stream(method, url, headers=headers, timeout=timeout, **kwargs) as answer:
            announced = answer.headers.get("Content-Length", "")
            if announced.isdigit() and int(announced) > self.max_bytes:
                raise SourceError(self._too_large(f"{megabytes(int(announced))}, larger than"))
            chunks: list[bytes] = []
            size = 0
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise SourceError(self._too_large("larger than"))
                chunks.append(chunk)
        content = b"".join(chunks)
        received = answer.headers.multi_items()
        if self._sent_forms:
            clean = redact(content, self._sent_forms)
            clean_headers = [(name, redact_text(v, self._sent_forms)) for name, v in received]
            if clean != content or clean_headers != received:
                self._echoed_credentials()
            content, received = clean, clean_headers
        return httpx.Response(
            answer.status_code, headers=received, content=content, request=answer.request
        )

    def _echoed_credentials(self) -> None:
        if not self._echo_logged:
            self._echo_logged = True
            self._log(
                "warning",
                f"{self.operator}: the answer quoted our credentials back; they were removed "
                "before it was archived (ask the operator to stop echoing request headers)",
            )

    def _too_large(self, how: str) -> str:
        return (
            f"{self.operator}: the answer is {how} the {self.max_bytes // MB} MB limit "
            "(scan.max_message_mb); refused, and nothing is acknowledged"
        )

    def _backoff(self, attempt: int) -> float:
        return float(BACKOFF_START * (2**attempt))

    def _retry_after(self, response: httpx.Response) -> float | None:
        value = response.headers.get("Retry-After", "").strip()
        if not value:
            return None
        if value.isdigit():
            return min(float(value), MAX_RETRY_AFTER)
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return min(max((moment - self._now()).total_seconds(), 0.0), MAX_RETRY_AFTER)

    def _login_refused(self, status: int, shown: str) -> str:
        if self.endpoint.auth == "none":
            hint = "the endpoint sends no credentials (set auth, user and secret_env)"
        else:
            hint = f"check ${self.endpoint.secret_env}"
            if self.endpoint.auth == "basic":
                hint += f" and user {self.endpoint.user!r}"
        return f"{self.operator}: login refused: {hint} (HTTP {status} from {shown})"

    def _snippet(self, response: httpx.Response) -> str:
        text = " ".join(response.content[:300].decode("utf-8", "replace").split())
        return self._scrub(text) or "(empty answer)"

    def _scrub(self, text: str) -> str:
        """Never echo the credentials, even if a server quotes them back."""
        return redact_text(text, self._sent_forms)

    def _digest(self, data: bytes) -> str:
        return "sha256:" + hashlib.sha256(data).hexdigest()[:32]

    def _log(self, level: str, message: str) -> None:
        self._logs.append(SourceLog(level, self._scrub(message), self.operator))


def _localname(element: Any) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]
