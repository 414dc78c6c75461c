"""Browser sessions: a revocable token in an httpOnly cookie, and a CSRF token for writes.

Where the browser keeps its sign-in: ``POST /login/session`` makes a personal token (the
same ``bf_`` tokens as ``/tokens``, named "browser session", so a password change, a
deactivation or ``DELETE /login/session`` revokes it) and sets it as the cookie
``bedflow_session``: httpOnly (no script, ours or injected, reads it), ``SameSite=Strict``
(no other site's page sends it), ``Path=/api``, ``Secure`` over https (directly or behind a
trusted proxy that says so). A reload keeps the sign-in; no token is ever in JavaScript.

Writes authenticated by the cookie also need ``X-CSRF-Token``: the value of the script-readable
cookie ``bedflow_csrf``, an HMAC of the session token under the server's key (so it is bound
to the session and needs no storage). A page of another origin can neither read that cookie
nor set the header on a cross-site request. Bearer tokens need none of this and win when a
request carries both.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection
from starlette.responses import Response

from bedflow.api._errors import ApiError

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "check_csrf",
    "clear_session_cookies",
    "csrf_token",
    "same_origin",
    "set_session_cookies",
]

SESSION_COOKIE = "bedflow_session"
CSRF_COOKIE = "bedflow_csrf"
CSRF_HEADER = "X-CSRF-Token"
SESSION_PATH = "/api"

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token(key: bytes, session_token: str) -> str:
    """The CSRF token of a session: HMAC-SHA256 of its token under the server's key."""
    digest = hmac.new(key, b"csrf:" + session_token.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def check_csrf(conn: HTTPConnection, method: str, key: bytes, session_token: str) -> None:
    """403 unless a write authenticated by the session cookie sends the session's CSRF token
    in ``X-CSRF-Token``, equal to the ``bedflow_csrf`` cookie."""
    if method in SAFE_METHODS:
        return
    sent = conn.headers.get(CSRF_HEADER, "")
    cookie = conn.cookies.get(CSRF_COOKIE, "")
    expected = csrf_token(key, session_token)
    if not (sent and hmac.compare_digest(sent, cookie) and hmac.compare_digest(sent, expected)):
        raise ApiError(
            403,
            f"a write signed in by the session cookie needs the header {CSRF_HEADER} equal "
            f"to the {CSRF_COOKIE} cookie (or sign in with Authorization: Bearer)",
            code="csrf_failed",
        )


def _secure(conn: HTTPConnection) -> bool:
    # The scheme is the proxy's X-Forwarded-Proto only for proxies in BEDFLOW_TRUSTED_PROXIES.
    return conn.url.scheme in ("https", "wss")


def set_session_cookies(
    response: Response, conn: HTTPConnection, *, token: str, csrf: str, max_age: int
) -> None:
    """Set the httpOnly session cookie and the script-readable CSRF cookie."""
    secure = _secure(conn)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path=SESSION_PATH,
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    # Path=/: the app's pages (under /) read it to send it back as the header.
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=max_age, path="/", secure=secure, samesite="strict"
    )


def clear_session_cookies(response: Response, conn: HTTPConnection) -> None:
    """Tell the browser to forget both cookies."""
    secure = _secure(conn)
    response.delete_cookie(
        SESSION_COOKIE, path=SESSION_PATH, secure=secure, httponly=True, samesite="strict"
    )
    response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, samesite="strict")


def same_origin(conn: HTTPConnection) -> bool:
    """True when the request's Origin header names the host it was sent to (a WebSocket
    is not bound by the same-origin policy: a page elsewhere could open one with our cookie)."""
    origin = conn.headers.get("origin")
    host = conn.headers.get("host")
    if not origin or not host:
        return False
    return urlsplit(origin).netloc.lower() == host.lower()
