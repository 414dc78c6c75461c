"""The dashboard: the built single-page app served at ``/``, next to the API.

The app is found in ``frontend/dist`` of a repository checkout (``make web`` builds it), else
in the package data of an installed wheel (``bedflow/_web``, copied there by ``make web``
and packaged when present). Without either, ``/`` answers a short page saying how to build
it; the API works either way.

It is served by the router's *default* handler, the one Starlette calls when no route
matches the path at all: API paths keep their own 404 and 405 answers, and the app can
never shadow a route. ``/assets/*`` (file names carry a content hash) are cached for a year;
``index.html`` is revalidated on every load (``no-cache``), and any other path that is not a
file of the app answers ``index.html`` (history fallback: the app routes it). HTML and
scripts of the app carry a strict Content-Security-Policy.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

import bedflow

__all__ = ["WebApp", "app_csp", "find_web_dir"]

_PACKAGE = Path(bedflow.__file__).resolve().parent
CHECKOUT_DIST = _PACKAGE.parent.parent / "frontend" / "dist"
"""``frontend/dist`` of the repository this package runs from (an editable install)."""
PACKAGED_DIST = _PACKAGE / "_web"
"""The built app inside an installed wheel."""

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")

NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bedflow</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto;">
<h1>bedflow</h1>
<p>The server runs, but the web dashboard is not built.</p>
<p>Build it from the repository with <code>make web</code> (Node.js 20 or newer), then reload
this page. The API works without it: <a href="/docs">/docs</a>, under <code>/api/v1</code>.</p>
</body></html>
"""


def find_web_dir(explicit: Path | None = None) -> Path | None:
    """The folder of the built app (it holds ``index.html``), or None when none is built."""
    for folder in (explicit,) if explicit is not None else (CHECKOUT_DIST, PACKAGED_DIST):
        if folder is not None and (folder / "index.html").is_file():
            return folder.resolve()
    return None


def app_csp(host: str | None) -> str:
    """The app's policy: scripts and styles of its own origin only (inline styles allowed:
    component kits set them), API calls and the WebSocket to the same origin, images and
    workers of its own or built in the page (3D textures, web workers), never framed."""
    sockets = f" ws://{host} wss://{host}" if host and _HOST.match(host) else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"connect-src 'self'{sockets}; img-src 'self' data: blob:; font-src 'self' data:; "
        "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


def _is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


class WebApp:
    """The router's default handler: the app for GET and HEAD outside ``/api``, else the
    handler it replaces (the JSON 404)."""

    def __init__(self, web_dir: Path | None, fallback: ASGIApp) -> None:
        self.web_dir = web_dir
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = None
        if (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and not _is_api(scope["path"])
        ):
            response = self.response(scope)
        if response is None:
            await self.fallback(scope, receive, send)
        else:
            await response(scope, receive, send)

    def response(self, scope: Scope) -> Response | None:
        """The answer for an app path, or None for a 404."""
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        csp = {"Content-Security-Policy": app_csp(headers.get("host"))}
        if self.web_dir is None:
            if scope["path"] in ("/", "/index.html"):
                return HTMLResponse(NOT_BUILT, headers={**csp, "Cache-Control": REVALIDATE})
            return None
        relative = scope["path"].lstrip("/")
        if relative:
            candidate = (self.web_dir / relative).resolve()
            if candidate.is_relative_to(self.web_dir) and candidate.is_file():
                hashed = relative.startswith("assets/")
                cache = IMMUTABLE if hashed else REVALIDATE
                return FileResponse(candidate, headers={**csp, "Cache-Control": cache})
            if relative.startswith("assets/"):  # a missing script must not answer HTML
                return None
        index = self.web_dir / "index.html"
        return FileResponse(
            index, media_type="text/html", headers={**csp, "Cache-Control": REVALIDATE}
        )
