"""Headers every response carries, and the answer to ``OPTIONS``: two small raw ASGI middlewares.

``SecurityHeaders`` wraps everything (it is the outermost middleware), so API answers,
errors, 404s, the 413 and 500 answered by ``RequestMiddleware``, downloads and the docs page
all carry ``X-Content-Type-Options``, ``X-Frame-Options``, ``Referrer-Policy`` and a
``Content-Security-Policy``. A response that sets one of them itself keeps its own value.
"""

from __future__ import annotations

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["API_CSP", "DOCS_CSP", "AnswerOptions", "SecurityHeaders"]

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""JSON and downloads: nothing to load, never framed; a downloaded HTML file runs nothing."""

DOCS_CSP = (
    "default-src 'none'; "
    # FastAPI's Swagger UI page: its bundle and style from jsDelivr, one inline script that
    # starts it, inline styles, the favicon from fastapi.tiangolo.com, and calls to this API.
    "script-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'; "
    "style-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'; "
    "img-src 'self' data: https://fastapi.tiangolo.com; "
    "connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
"""The interactive docs (``/docs`` and its OAuth2 redirect page) only."""

DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect"})

_COMMON = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


class SecurityHeaders:
    """Adds the security headers to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"] in DOCS_PATHS else API_CSP
        extra = (*_COMMON, (b"content-security-policy", csp.encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in extra if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AnswerOptions:
    """``OPTIONS`` on a path answers 204 with ``Allow``: every method of the routes of that
    path, not a 405 naming one of them. A path no route matches goes on to its 404."""

    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app = app
        self.router = router

    def allowed(self, scope: Scope) -> tuple[set[str], BaseRoute | None]:
        """The methods the routes matching ``scope``'s path take, and the first such route."""
        methods: set[str] = set()
        first = None
        # FastAPI keeps included routers nested; iter_route_contexts walks them with prefixes.
        for context in iter_route_contexts(self.router.routes):
            route_methods = context.methods
            if not route_methods:  # a WebSocket route
                continue
            match, _ = context.matches(scope)
            if match is not Match.NONE:
                methods |= set(route_methods)
                first = first or context.original_route
        return methods, first

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "OPTIONS":
            await self.app(scope, receive, send)
            return
        methods, route = self.allowed(scope)
        if not methods:
            await self.app(scope, receive, send)
            return
        scope["route"] = route  # the access log and metrics label it with its template
        allow = ", ".join(sorted(methods | {"OPTIONS"}))
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [(b"allow", allow.encode())],
            }
        )
        await send({"type": "http.response.body", "body": b""})
