"""What a credential looks like, so it can be refused in a file and masked wherever it shows.

Secrets come from the environment only (PITFALLS.md, "HTTP and secrets"). A credential can still
sneak in: a password in a URL's user info (``postgresql://u:pw@host/db``), a query parameter
named like a key (``?apikey=...``), a setting named like a secret, or an operator's API that
quotes our ``Authorization`` header back in its answer. This module finds them (for the config
check) and masks them (for ``config show``, messages and the raw archive).
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

#: What a masked credential is replaced with.
MASK = "***"

#: Query parameter names that are a credential whole (after lower-casing and dropping ``-``,
#: ``_`` and ``.``): ``?key=``, ``?sig=``, ``?pwd=``.
_CREDENTIAL_PARAMS = frozenset({"key", "sig", "pwd", "pass", "auth", "session", "sessionid"})
#: Parts that make a query parameter a credential wherever they stand: ``access_token``,
#: ``X-Api-Key``, ``client_secret``, ``sslpassword``, ``X-Amz-Signature``.
_CREDENTIAL_PARTS = (
    "token",
    "secret",
    "password",
    "passwd",
    "apikey",
    "accesskey",
    "authkey",
    "privatekey",
    "signature",
    "credential",
    "authorization",
    "hmac",
)
#: Setting names that hold a secret whole (``pass``), or by their ending (``client_secret``,
#: ``access_token``); stricter than for query parameters, so ``auth = "basic"`` and
#: ``api_key_header = "X-API-Key"`` stay settings.
_SECRET_SETTINGS = frozenset({"key", "pass", "pwd", "sig", "credentials"})
_SECRET_SETTING_ENDINGS = (
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "privatekey",
    "signature",
)
#: What ``url_credentials`` says of user info in a URL.
IN_USERINFO = ("a password (user:password@)", "a user name (user@)")
#: A secret shorter than this is not searched for in answers: masking every "ab" would
#: garble the archive, and such a secret protects nothing anyway.
MIN_REDACTED_LENGTH = 4


def _folded(name: str) -> str:
    return re.sub(r"[-_.\s]", "", name.lower())


def is_credential_param(name: str) -> bool:
    """True for a URL query parameter that carries a credential: ``token``, ``api_key``,
    ``X-Amz-Signature``, ``sslpassword``."""
    folded = _folded(name)
    return folded in _CREDENTIAL_PARAMS or any(part in folded for part in _CREDENTIAL_PARTS)


def is_secret_setting(name: str) -> bool:
    """True for a setting named like a secret (``password``, ``api_key``, ``client_secret``).

    Names of environment variables (``password_env``, ``secret_env``) are settings, not secrets.
    """
    folded = _folded(name)
    return folded in _SECRET_SETTINGS or folded.endswith(_SECRET_SETTING_ENDINGS)


def url_credentials(text: str) -> list[str]:
    """What in a URL is a credential, described without its value (empty: nothing).

    A password in the user info is one; in an http(s) URL any user info is (it is Basic
    authentication); so is every query parameter named like a credential.
    """
    url = _parse(text)
    if url is None:
        return []
    found = []
    if url.password:
        found.append(IN_USERINFO[0])
    elif url.user is not None and url.scheme.lower() in _HTTP:
        found.append(IN_USERINFO[1])
    names = [name for _, name, _ in _query_pieces(url.query) if is_credential_param(name)]
    if names:
        listed = ", ".join(dict.fromkeys(names))
        found.append(f"the query parameter{'s' if len(names) > 1 else ''} {listed}")
    return found


def mask_url(text: str) -> str:
    """The URL with its password and credential query values replaced by ``***``; anything
    that is not a URL comes back as it is."""
    url = _parse(text)
    if url is None:
        return text
    userinfo = "" if url.user is None else url.user + (":" + MASK if url.password else "") + "@"
    query = "&".join(
        f"{piece.partition('=')[0]}={MASK}" if is_credential_param(name) and value else piece
        for piece, name, value in _query_pieces(url.query)
    )
    return f"{url.scheme}://{userinfo}{url.before_query}{'?' + query if query else ''}{url.tail}"


def without_credentials(text: str) -> str:
    """The URL as it should be written: no password (no user info at all for http), and no
    credential query parameters. For the hint that shows the fix ("" if it is not a URL)."""
    url = _parse(text)
    if url is None:
        return ""
    keep_user = url.user and url.scheme.lower() not in _HTTP
    query = "&".join(
        piece for piece, name, _ in _query_pieces(url.query) if not is_credential_param(name)
    )
    userinfo = f"{url.user}@" if keep_user else ""
    return f"{url.scheme}://{userinfo}{url.before_query}{'?' + query if query else ''}"


def mask_settings(node: Any) -> Any:
    """Settings (as plain data) with every credential-like value masked: a value under a
    credential-like key, and the password and credential parameters of any URL."""
    if isinstance(node, dict):
        return {
            key: MASK if is_secret_setting(str(key)) and value else mask_settings(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [mask_settings(value) for value in node]
    if isinstance(node, str):
        return mask_url(node)
    return node


def secret_forms(values: Iterable[str]) -> list[str]:
    """Every form in which a sent credential may come back: as it is, in base64 (standard and
    URL-safe, padded or not), percent-encoded, and escaped for JSON and XML. Longest first, so
    that a header value is masked whole before the secret inside it."""
    forms: set[str] = set()
    for value in values:
        if len(value) < MIN_REDACTED_LENGTH:
            continue
        raw = value.encode("utf-8")
        for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            text = encoded.decode("ascii")
            forms.update((text, text.rstrip("=")))
        forms.update(
            (value, quote(value, safe=""), json.dumps(value)[1:-1], html.escape(value, quote=True))
        )
    return sorted(forms, key=lambda form: (-len(form), form))


def redact(data: bytes, forms: Iterable[str]) -> bytes:
    """``data`` with every form (``secret_forms``) replaced by ``***``."""
    for form in forms:
        data = data.replace(form.encode("utf-8"), MASK.encode())
    return data


def redact_text(text: str, forms: Iterable[str]) -> str:
    """``text`` with every form (``secret_forms``) replaced by ``***``."""
    for form in forms:
        text = text.replace(form, MASK)
    return text


_HTTP = ("http", "https")


@dataclass(frozen=True)
class _Url:
    """A URL cut where credentials can be: ``scheme://[user[:password]@]before_query[?query]``."""

    scheme: str
    user: str | None  # None: no user info at all
    password: bool
    before_query: str  # host, port and path
    query: str
    tail: str  # "#fragment", or ""


def _parse(text: str) -> _Url | None:
    """The parts of a URL as the library that will use it reads them; None if not a URL."""
    scheme, sep, after = text.partition("://")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        return None
    user: str | None = None
    password = False
    if scheme.lower() in _HTTP:
        # As httpx reads it (RFC 3986): the user info is in the authority, before / ? #.
        authority = re.split(r"[/?#]", after, maxsplit=1)[0]
        if "@" in authority:
            info = authority.rpartition("@")[0]
            user, colon, _ = info.partition(":")
            password = bool(colon)
            after = after[len(info) + 1 :]
    else:
        # As SQLAlchemy reads a database URL: a password runs to the next "@" whatever it holds
        # ("/", "?", "#"); an "@" still in the host is the rest of the password, so it goes too.
        found = re.match(r"([^:/]*)(:[^@]*)?@", after)
        if found:
            user, password = found.group(1), found.group(2) is not None
            after = after[found.end() :]
            host = re.split(r"[/?]", after, maxsplit=1)[0]
            if "@" in host:
                after = after[host.rindex("@") + 1 :]
    rest, hash_sign, fragment = after.partition("#")
    before_query, _, query = rest.partition("?")
    return _Url(scheme, user, password, before_query, query, hash_sign + fragment)


def _query_pieces(query: str) -> list[tuple[str, str, str]]:
    """``a=1&b`` → ``[("a=1", "a", "1"), ("b", "b", "")]``: each piece as written, its name
    (percent-decoded) and its value."""
    if not query:
        return []
    return [(piece, *_name_value(piece)) for piece in query.split("&")]


def _name_value(piece: str) -> tuple[str, str]:
    name, _, value = piece.partition("=")
    return unquote(name), value
