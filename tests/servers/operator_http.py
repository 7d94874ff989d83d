"""A real HTTP server on 127.0.0.1 that plays a tour operator's reservation API.

It speaks the three protocols ``HttpOperatorSource`` uses, each under its own path:

- ``POST /ota``: an ``OTA_ReadRQ`` is answered with the next queued ``OTA_ResRetrieveRS`` (or an
  empty one); an ``OTA_NotifReportRQ`` is recorded as an acknowledgement and answered with an
  ``OTA_NotifReportRS`` Success.
- ``POST /alpinebits``: multipart/form-data with ``action`` and ``request``;
  ``OTA_Read:GuestRequests`` is answered like an OTA pull, ``OTA_NotifReport:GuestRequests`` is
  recorded and answered Success. A request without ``X-AlpineBits-ClientProtocolVersion`` or
  with an unknown action gets AlpineBits' plain-text ``ERROR:...`` with HTTP 400.
- ``GET /json`` answers the next queued feed (or an empty one); ``POST /json/ack`` records the
  ``{"ack": [...]}`` it receives.

Every request is recorded (method, path, query, headers, body, form fields), every
acknowledgement too. A queued answer that holds ``REQUEST_HEADERS`` gets the request's headers
written in its place (``authorization: Basic ...; x-api-key: ...``), as an API that echoes its
requests back does. Credentials are checked (basic, bearer or API key; 401 when wrong), and the
server can be told to fail the next requests with 503, to answer 429 with ``Retry-After``, or to
hang past the client's timeout.

Use it from a test with the ``operator_server`` fixture (``pytest_plugins =
["tests.servers.operator_http"]`` in a conftest, or import the fixture), or directly::

    with run_operator_server(auth="bearer", secret="s3cret") as server:
        server.queue("ota", Path("fixtures/ota/TUIP-04-pull-two-new.xml").read_bytes())
        endpoint = ApiEndpoint(operator="TUIP", base_url=server.url("ota"), ...)
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from lxml import etree

OTA_NS = "http://www.opentravel.org/OTA/2003/05"
PROTOCOLS = ("ota", "alpinebits", "json")

EMPTY_RETRIEVE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<OTA_ResRetrieveRS xmlns="http://www.opentravel.org/OTA/2003/05" Version="7.000">'
    b"<Success/><ReservationsList/></OTA_ResRetrieveRS>\n"
)
NOTIF_REPORT_SUCCESS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<OTA_NotifReportRS xmlns="http://www.opentravel.org/OTA/2003/05" Version="7.000">'
    b"<Success/></OTA_NotifReportRS>\n"
)
#: Placeholder in a queued answer for the headers of the request it answers.
REQUEST_HEADERS = b"@@REQUEST_HEADERS@@"
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass
class RecordedRequest:
    """One request exactly as the server saw it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]  # header names in lower case
    body: bytes
    fields: dict[str, str] = field(default_factory=dict)  # multipart form fields, if any

    def header(self, name: str) -> str:
        """A header's value ("" when absent), by case-insensitive name."""
        return self.headers.get(name.lower(), "")


@dataclass
class Acknowledgement:
    """Ids an acknowledgement named; XML ids of a UniqueID Type other than 14 as "Type:ID"."""

    protocol: str
    ids: list[str]


@dataclass
class _Fault:
    kind: str  # "status" | "throttle" | "hang"
    status: int = 503
    retry_after: str = "1"
    seconds: float = 0.0


class OperatorServer:
    """The operator: what it holds, what it checks, what it answers, and what it received."""

    def __init__(
        self,
        *,
        auth: str = "none",
        user: str = "kivima",
        secret: str = "",
        api_key_header: str = "X-API-Key",
        operator: str = "OTEL",
        hotel: str = "KIV",
    ) -> None:
        self.auth = auth
        self.user = user
        self.secret = secret
        self.api_key_header = api_key_header
        self.operator = operator
        self.hotel = hotel
        self.requests: list[RecordedRequest] = []
        self.acks: list[Acknowledgement] = []
        self._responses: dict[str, deque[bytes]] = {name: deque() for name in PROTOCOLS}
        self._faults: deque[_Fault] = deque()
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------ configuration

    def url(self, protocol: str = "ota") -> str:
        """The base URL to configure for one protocol (``ota``, ``alpinebits`` or ``json``)."""
        if protocol not in PROTOCOLS:
            raise ValueError(protocol)
        assert self._httpd is not None, "the server is not running"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/{protocol}"

    def queue(self, protocol: str, body: bytes) -> None:
        """Answer the next pull of ``protocol`` with ``body`` (in order; then an empty answer)."""
        with self._lock:
            self._responses[protocol].append(body)

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next ``count`` requests with ``status`` (a 5xx by default)."""
        with self._lock:
            self._faults.extend(_Fault("status", status=status) for _ in range(count))

    def throttle_next(self, count: int = 1, retry_after: str = "1") -> None:
        """Answer the next ``count`` requests with 429 and ``Retry-After: retry_after``."""
        with self._lock:
            self._faults.extend(
                _Fault("throttle", status=429, retry_after=retry_after) for _ in range(count)
            )

    def hang_next(self, count: int, seconds: float = 5.0) -> None:
        """Say nothing for ``seconds`` on the next ``count`` requests (past a client timeout)."""
        with self._lock:
            self._faults.extend(_Fault("hang", seconds=seconds) for _ in range(count))

    def acked_ids(self, protocol: str | None = None) -> list[str]:
        """Every id acknowledged so far (of one protocol, or of all), in order."""
        return [
            ack_id
            for ack in self.acks
            if protocol is None or ack.protocol == protocol
            for ack_id in ack.ids
        ]

    # ---------------------------------------------------------------------------- lifecycle

    def start(self) -> OperatorServer:
        """Listen on 127.0.0.1 at a free port, in a background thread."""
        handler = type("Handler", (_Handler,), {"operator_server": self})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False  # a hanging handler must not hold up stop()
        self._httpd = httpd
        # A short poll interval: stop() waits for the serving loop to notice the shutdown.
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="operator-http"
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release any hanging handler."""
        self._release.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # ----------------------------------------------------------------------------- serving

    def _next_fault(self) -> _Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _next_response(self, protocol: str) -> bytes:
        with self._lock:
            queued = self._responses[protocol]
            if queued:
                return queued.popleft()
        if protocol == "json":
            empty = {"version": 1, "operator": self.operator, "hotel": self.hotel}
            return json.dumps({**empty, "reservations": []}).encode()
        return EMPTY_RETRIEVE

    def _authorized(self, request: RecordedRequest) -> bool:
        if self.auth == "none":
            return True
        if self.auth == "basic":
            token = base64.b64encode(f"{self.user}:{self.secret}".encode()).decode()
            return request.header("Authorization") == f"Basic {token}"
        if self.auth == "bearer":
            return request.header("Authorization") == f"Bearer {self.secret}"
        return request.header(self.api_key_header) == self.secret

    def _record_ack(self, protocol: str, ids: list[str]) -> None:
        with self._lock:
            self.acks.append(Acknowledgement(protocol, ids))


class _Handler(BaseHTTPRequestHandler):
    operator_server: OperatorServer
    server_version = "OperatorTest/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads ``requests`` instead."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        server = self.operator_server
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = RecordedRequest(
            method=self.command,
            path=path,
            query=query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            fields=_form_fields(self.headers.get("Content-Type", ""), body),
        )
        with server._lock:
            server.requests.append(request)
        fault = server._next_fault()
        if fault is not None:
            if fault.kind == "hang":
                server._release.wait(fault.seconds)
                return self._quietly(503, b"late", "text/plain")
            if fault.kind == "throttle":
                return self._answer(
                    429, b"slow down", "text/plain", {"Retry-After": fault.retry_after}
                )
            return self._answer(fault.status, b"temporarily unavailable", "text/plain")
        if not server._authorized(request):
            return self._answer(401, b"unauthorized", "text/plain", {"WWW-Authenticate": "Basic"})
        route = (self.command, path.rstrip("/"))
        if route == ("POST", "/ota"):
            return self._ota(request)
        if route == ("POST", "/alpinebits"):
            return self._alpinebits(request)
        if route == ("GET", "/json"):
            body = _echo(server._next_response("json"), request, "json")
            return self._answer(200, body, "application/json")
        if route == ("POST", "/json/ack"):
            return self._json_ack(request)
        return self._answer(404, b"no such path", "text/plain")

    def _ota(self, request: RecordedRequest) -> None:
        root = _xml(request.body)
        name = etree.QName(root).localname if root is not None else ""
        if name == "OTA_ReadRQ":
            body = _echo(self.operator_server._next_response("ota"), request, "ota")
            return self._answer(200, body, "text/xml")
        if name == "OTA_NotifReportRQ" and root is not None:
            self.operator_server._record_ack("ota", _unique_ids(root))
            return self._answer(200, NOTIF_REPORT_SUCCESS, "text/xml")
        return self._answer(400, b"expected OTA_ReadRQ or OTA_NotifReportRQ", "text/plain")

    def _alpinebits(self, request: RecordedRequest) -> None:
        if not request.header("X-AlpineBits-ClientProtocolVersion"):
            return self._answer(
                400, b"ERROR:missing header X-AlpineBits-ClientProtocolVersion", "text/plain"
            )
        if not request.header("Content-Type").startswith("multipart/form-data"):
            return self._answer(400, b"ERROR:expected multipart/form-data", "text/plain")
        action = request.fields.get("action", "")
        root = _xml(request.fields.get("request", "").encode())
        if action == "OTA_Read:GuestRequests" and root is not None:
            body = _echo(self.operator_server._next_response("alpinebits"), request, "alpinebits")
            return self._answer(200, body, "text/xml")
        if action == "OTA_NotifReport:GuestRequests" and root is not None:
            self.operator_server._record_ack("alpinebits", _unique_ids(root))
            return self._answer(200, NOTIF_REPORT_SUCCESS, "text/xml")
        return self._answer(400, f"ERROR:unknown action {action!r}".encode(), "text/plain")

    def _json_ack(self, request: RecordedRequest) -> None:
        try:
            ids = json.loads(request.body)["ack"]
        except (ValueError, KeyError, TypeError):
            return self._answer(
                400, b'{"error": "expected {\\"ack\\": [...]}"}', "application/json"
            )
        self.operator_server._record_ack("json", [str(ack_id) for ack_id in ids])
        return self._answer(200, b'{"ok": true}', "application/json")

    def _answer(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _quietly(self, status: int, body: bytes, content_type: str) -> None:
        # The client gave up waiting, which is the point of hanging.
        with contextlib.suppress(OSError):
            self._answer(status, body, content_type)


def _echo(body: bytes, request: RecordedRequest, protocol: str) -> bytes:
    """``body`` with ``REQUEST_HEADERS`` replaced by the request's headers, escaped for it."""
    if REQUEST_HEADERS not in body:
        return body
    text = "; ".join(f"{name}: {value}" for name, value in request.headers.items())
    escaped = json.dumps(text)[1:-1] if protocol == "json" else html.escape(text)
    return body.replace(REQUEST_HEADERS, escaped.encode())


def _form_fields(content_type: str, body: bytes) -> dict[str, str]:
    if not content_type.startswith("multipart/form-data"):
        return {}
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    fields = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if name:
            fields[str(name)] = payload.decode("utf-8")
    return fields


def _xml(body: bytes) -> Any:
    try:
        return etree.fromstring(body, _SAFE_PARSER)
    except etree.XMLSyntaxError:
        return None


def _unique_ids(root: Any) -> list[str]:
    ids = []
    for unique_id in root.iter(f"{{{OTA_NS}}}UniqueID", "UniqueID"):
        kind, value = unique_id.get("Type", "14"), unique_id.get("ID", "")
        ids.append(value if kind == "14" else f"{kind}:{value}")
    return ids


@contextmanager
def run_operator_server(**settings: Any) -> Iterator[OperatorServer]:
    """A running ``OperatorServer`` (keyword arguments as for ``OperatorServer``), stopped after."""
    server = OperatorServer(**settings).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def operator_server() -> Iterator[OperatorServer]:
    """A running operator server without authentication; set ``auth``/``secret`` to require it."""
    with run_operator_server() as server:
        yield server
