"""A real IMAP server on 127.0.0.1 for tests: pymap's in-memory backend in a subprocess.

pymap gives the mailbox a new UIDVALIDITY on every start, which is how the tests reach the
UIDVALIDITY-reset path: stop the server, start a new one, append the same mail.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

USER = "reservations@kivimahotel.example"
PASSWORD = "imap-test-password"


@dataclass
class ImapServer:
    """Where the server listens and how to log in."""

    host: str
    port: int
    user: str
    password: str
    process: subprocess.Popen[bytes]

    def client(self) -> IMAPClient:
        """A logged-in client (the test's own, not the scanner's)."""
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client

    def append(self, messages: Iterable[bytes], folder: str = "INBOX") -> list[int]:
        """Deliver messages into a folder; returns their UIDs."""
        uids = []
        client = self.client()
        try:
            for message in messages:
                answer = client.append(folder, message)
                # b"[APPENDUID <validity> <uid>] APPEND completed."
                uids.append(int(answer.split(b"]")[0].split()[-1]))
        finally:
            client.logout()
        return uids

    def flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        """Every message's flags (to prove the scanner set none)."""
        client = self.client()
        try:
            client.select_folder(folder, readonly=True)
            return {
                uid: data[b"FLAGS"]
                for uid, data in client.fetch(client.search(["ALL"]), ["FLAGS"]).items()
            }
        finally:
            client.logout()

    def stop(self) -> None:
        """Stop the server (its mail is gone: it is in memory)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_imap_server(log: Path | None = None) -> ImapServer:
    """Start pymap and wait until it answers."""
    port = _free_port()
    exe = Path(sys.executable).parent / "pymap"
    command = [
        str(exe) if exe.exists() else "pymap",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-tls",
        "dict",
        "--demo-user",
        USER,
        "--demo-password",
        PASSWORD,
    ]
    output = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pymap exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                if sock.recv(64).startswith(b"* OK"):
                    return ImapServer("127.0.0.1", port, USER, PASSWORD, process)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("pymap did not start within 20 s")


@contextmanager
def imap_server(log: Path | None = None) -> Iterator[ImapServer]:
    """A running IMAP server for the duration of the block."""
    server = start_imap_server(log)
    try:
        yield server
    finally:
        server.stop()
