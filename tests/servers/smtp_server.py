"""A real SMTP server on 127.0.0.1 for tests: aiosmtpd's Controller in a background thread.

Every message it accepts is parsed with ``email`` and kept in ``messages`` (with its envelope
in ``envelopes``). Plain SMTP, no TLS; ``users`` turns on AUTH PLAIN/LOGIN over it.
"""

from __future__ import annotations

import email
import email.policy
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Envelope:
    """Who the server was told the mail is from and to (SMTP MAIL FROM / RCPT TO)."""

    mail_from: str
    rcpt_tos: list[str]


@dataclass
class SmtpServer:
    """Where the test server listens and what it received."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """Wait until ``count`` messages arrived (delivery is synchronous; this is a safety)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.server.envelopes.append(Envelope(envelope.mail_from, list(envelope.rcpt_tos)))
        self.server.messages.append(message)
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_server(users: dict[str, str] | None = None) -> Iterator[SmtpServer]:
    """Run an SMTP server on a free port for the block."""
    server = SmtpServer("127.0.0.1", free_port())
    kwargs: dict[str, Any] = {}
    if users is not None:

        def authenticator(
            _server: Any, _session: Any, _envelope: Any, mechanism: str, auth_data: Any
        ) -> AuthResult:
            if isinstance(auth_data, LoginPassword):
                login = auth_data.login.decode()
                if users.get(login) == auth_data.password.decode():
                    server.logins.append(login)
                    return AuthResult(success=True)
            return AuthResult(success=False, handled=False)

        kwargs = {"authenticator": authenticator, "auth_require_tls": False}
    controller = Controller(_Handler(server), hostname=server.host, port=server.port, **kwargs)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
