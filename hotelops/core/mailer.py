"""Outgoing mail over SMTP: internal-approval requests and operator confirmations.

The settings come from ``[smtp]`` in the config; the password is read from the environment
variable ``smtp.password_env`` names, only when a mail is sent. ``smtp.ssl`` connects with TLS
from the start (port 465); otherwise ``smtp.starttls`` (the default) upgrades the connection
and refuses to go on in plain text when the server does not offer it.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from hotelops.core.config import SmtpSettings, secret
from hotelops.core.errors import ConfigError, HotelopsError

DEFAULT_TIMEOUT = 15.0


class MailError(HotelopsError):
    """A mail could not be sent; the message names the server and the reason."""

    exit_code = 1


@dataclass
class OutgoingMail:
    """One mail to send: plain text, optionally with an HTML alternative."""

    to: list[str]
    subject: str
    text: str
    html: str | None = None


class Mailer:
    """Sends mail with the ``[smtp]`` settings."""

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        env: dict[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.settings = settings
        self.env = env
        self.timeout = timeout

    @property
    def enabled(self) -> bool:
        """True when a server and a sender address are configured."""
        return bool(self.settings.host and self.settings.from_address)

    @property
    def where(self) -> str:
        """``host:port`` of the server, for messages."""
        return f"{self.settings.host}:{self.settings.port}"

    def build(self, mail: OutgoingMail) -> EmailMessage:
        """The MIME message for a mail (text, plus HTML as an alternative)."""
        message = EmailMessage()
        message["From"] = self.settings.from_address
        message["To"] = ", ".join(mail.to)
        message["Subject"] = " ".join(mail.subject.split())  # no line breaks in a header
        message["Date"] = formatdate(localtime=False, usegmt=True)
        domain = self.settings.from_address.rpartition("@")[2] or None
        message["Message-ID"] = make_msgid(domain=domain)
        message.set_content(mail.text)
        if mail.html is not None:
            message.add_alternative(mail.html, subtype="html")
        return message

    def send(self, mail: OutgoingMail) -> None:
        """Send one mail; any failure raises ``MailError`` with one clear line."""
        s = self.settings
        if not self.enabled:
            raise MailError("SMTP is not configured (set smtp.host and smtp.from_address)")
        recipients = [address.strip() for address in mail.to if address.strip()]
        if not recipients:
            raise MailError(f"mail {mail.subject!r} has no recipient")
        password = ""
        if s.user:
            try:
                password = secret(s.password_env, what=f"SMTP login {s.user}", env=self.env)
            except ConfigError as exc:
                raise MailError(f"cannot send mail via SMTP {self.where}: {exc}") from None
        message = self.build(OutgoingMail(recipients, mail.subject, mail.text, mail.html))
        try:
            self._deliver(message, recipients, password)
        except MailError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise self._error(f"login as {s.user} refused ({exc.smtp_code})") from None
        except smtplib.SMTPNotSupportedError as exc:
            reason = str(exc) or "not supported"
            if "STARTTLS" in reason.upper():
                reason = "the server does not offer STARTTLS (set smtp.starttls = false only on "
                reason += "a trusted network, or smtp.ssl = true for port 465)"
            raise self._error(reason) from None
        except smtplib.SMTPRecipientsRefused as exc:
            refused = ", ".join(sorted(exc.recipients))
            raise self._error(f"recipient(s) refused: {refused}") from None
        except smtplib.SMTPResponseException as exc:
            text = (
                exc.smtp_error.decode("utf-8", "replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            raise self._error(f"server answered {exc.smtp_code} {_one_line(text)}") from None
        except smtplib.SMTPServerDisconnected as exc:
            raise self._error(f"connection closed ({_one_line(str(exc)) or 'no reason'})") from None
        except smtplib.SMTPException as exc:
            raise self._error(_one_line(str(exc)) or type(exc).__name__) from None
        except ssl.SSLError as exc:
            raise self._error(f"TLS failed: {exc.reason or _one_line(str(exc))}") from None
        except TimeoutError:
            raise self._error(f"no answer within {self.timeout:g} s") from None
        except socket.gaierror as exc:
            raise self._error(f"unknown host ({exc.strerror})") from None
        except OSError as exc:
            raise self._error(exc.strerror or _one_line(str(exc)) or type(exc).__name__) from None

    def _deliver(self, message: EmailMessage, recipients: list[str], password: str) -> None:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.ssl:
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
        with smtp:
            smtp.ehlo()
            if not s.ssl and s.starttls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, password)
            refused = smtp.send_message(message, from_addr=s.from_address, to_addrs=recipients)
        if refused:
            raise self._error(f"recipient(s) refused: {', '.join(sorted(refused))}")

    def _error(self, reason: str) -> MailError:
        return MailError(f"cannot send mail via SMTP {self.where}: {reason}")


def _one_line(text: str) -> str:
    return " ".join(text.split())
