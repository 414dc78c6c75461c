"""Structured JSON logs (structlog) with the request id bound to every line of a request.

No line carries a token: fields named like secrets are masked, and in every message (ours,
uvicorn's ``"WebSocket /api/v1/ws?token=..."``, libraries') JWTs, personal ``bf_`` tokens,
``token=`` query values, ``Bearer`` credentials and ``bearer.`` subprotocols are replaced by
``***``.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

__all__ = ["RedactTokens", "configure_logging", "install_redaction", "redact", "redact_text"]

SECRET_WORDS = ("password", "secret", "token", "authorization", "cookie", "api_key")

_TOKENS = re.compile(
    r"(?P<keep>(?:[?&;]|\b)(?:access_)?token=|\bbearer[ .]+)[^\s&;,\"']+"  # a named token
    r"|\beyJ[\w-]*\.[\w-]+\.[\w-]*"  # a JWT (its header is base64url JSON: '{"' -> 'eyJ')
    r"|\bbf_[\w-]{8,}",  # a personal token
    re.IGNORECASE,
)


def redact_text(text: str) -> str:
    """``text`` with every token in it replaced by ``***``.

    >>> redact_text('127.0.0.1:5 - "WebSocket /api/v1/ws?token=eyJa.eyJb.c&last_event_id=3"')
    '127.0.0.1:5 - "WebSocket /api/v1/ws?token=***&last_event_id=3"'
    """
    # Every match holds one of these words (lowercased): most lines need no regex at all,
    # which matters for the access line of every request.
    low = text.lower()
    if "token=" in low or "bearer" in low or "eyj" in low or "bf_" in low:
        return _TOKENS.sub(lambda m: (m.group("keep") or "") + "***", text)
    return text


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, tuple | list):
        return type(value)(_scrub(v) for v in value)
    return value


@functools.lru_cache(maxsize=4096)
def _secret_field(key: str) -> bool:
    return any(word in key.lower() for word in SECRET_WORDS)


def redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A structlog processor that masks any field whose name says it holds a secret, and
    any token inside the other fields' text."""
    for key, value in event.items():
        if _secret_field(key):
            event[key] = "***"
        elif isinstance(value, str):
            event[key] = redact_text(value)
        elif isinstance(value, tuple | list) and not key.startswith("_"):
            event[key] = _scrub(value)
    return event


class RedactTokens(logging.Filter):
    """A logging filter that removes tokens from a record's message (its arguments merged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, dict):  # a structlog event: ``redact`` has masked it
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken record: logging reports it when it formats the record
            return True
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_FILTER = RedactTokens()
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "websockets", "httpx")


def install_redaction() -> None:
    """Filter the loggers of the server (uvicorn, websockets) and the root's handlers, with
    whatever logging setup the host chose (idempotent). Records of these loggers pass the
    filter before any handler, theirs or the root's, formats them."""
    for name in _SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    redact,
]


def configure_structlog() -> None:
    """Send structlog events through the standard logging module (idempotent)."""
    if structlog.is_configured():
        return
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    """Every log line of the process (ours, uvicorn's, libraries') as one JSON object.

    Called by ``bedflow serve``; the app alone leaves the handlers of its host untouched.
    """
    configure_structlog()
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(_FILTER)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # The middleware logs each request with its id; uvicorn's own access log would repeat it.
    logging.getLogger("uvicorn.access").disabled = True
    install_redaction()
