"""The platform's configuration: one typed settings object read from the environment.

Every variable is ``BEDFLOW_<FIELD>`` (``DATABASE_URL`` is accepted too); ``.env.example``
documents each one. With nothing set, bedflow runs embedded: a SQLite file and a local folder
in the data directory, and a secret key generated once and kept there.

>>> settings = get_settings()  # doctest: +SKIP
>>> settings.database_url  # doctest: +SKIP
'sqlite:////home/me/.local/share/bedflow/bedflow.db'
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from bedflow._exceptions import ConfigError
from bedflow._private import make_private_dirs

__all__ = [
    "KNOWN_DEFAULT_SECRETS",
    "Settings",
    "default_data_dir",
    "get_settings",
    "read_setting",
]

log = logging.getLogger(__name__)

KNOWN_DEFAULT_SECRETS = frozenset(
    {"", "changeme", "change-me", "changethis", "secret", "password", "default", "insecure"}
)
"""Secret keys copied from examples and tutorials; refused outside development."""

MIN_SECRET_LENGTH = 32
DEFAULT_EMBEDDED_WORKERS = 2
SECRET_FILE = "secret_key"


def default_data_dir() -> Path:
    """The user's data directory for bedflow (platformdirs), e.g. ``~/.local/share/bedflow``."""
    try:
        import platformdirs
    except ImportError:  # pragma: no cover - platformdirs is a dependency; fall back anyway
        return Path.home() / ".local" / "share" / "bedflow"
    return Path(platformdirs.user_data_dir("bedflow", appauthor=False))


class _SettingsBase(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BEDFLOW_", env_file=".env", extra="ignore", validate_default=True
    )


class Settings(_SettingsBase):
    """Configuration of the bedflow platform (database, object store, secrets, limits)."""

    environment: Literal["development", "production"] = Field(
        "development", description="`production` refuses default secrets and needs a secret key."
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Folder for the embedded database, local objects and the generated secret key.",
    )
    database_url: str = Field(
        "",
        validation_alias=AliasChoices("BEDFLOW_DATABASE_URL", "DATABASE_URL", "database_url"),
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user:pass@host/db; "
        "default: a SQLite file in data_dir.",
    )
    read_replica_url: str = Field(
        "",
        description="SQLAlchemy URL of a read-only replica of the PostgreSQL database (a "
        "streaming standby) for the reads that tolerate lag: the usage statistics (/stats) and "
        "the activity history (/activity). Every other read and every write goes to "
        "database_url. Empty (the default): the database serves those too. A replica that does "
        "not answer (in 2 s, unless the URL sets connect_timeout) is left alone for 30 s, its "
        "reads served by the database meanwhile.",
    )
    storage_backend: Literal["local", "s3"] = Field(
        "local", description="Object store: `local` (a folder in data_dir) or `s3`."
    )
    storage_dir: Path | None = Field(
        None, description="Folder of the local object store; default: data_dir/objects."
    )
    s3_endpoint_url: str | None = Field(
        None, description="S3 endpoint (MinIO, compatibles); empty for AWS."
    )
    s3_bucket: str = Field("bedflow", description="S3 bucket holding the objects.")
    s3_region: str = Field("us-east-1", description="S3 region.")
    s3_access_key_id: SecretStr | None = Field(None, description="S3 access key id.")
    s3_secret_access_key: SecretStr | None = Field(None, description="S3 secret access key.")
    max_upload_bytes: int = Field(
        1024**3, gt=0, description="Largest file accepted by an upload, bytes."
    )
    secret_key: SecretStr = Field(
        SecretStr(""),
        description="Signs tokens and encrypts stored credentials; generated in data_dir "
        "when unset in development, required in production.",
    )
    broker_url: str | None = Field(
        None, description="Task broker (e.g. redis://localhost:6379/0); unset: embedded workers."
    )
    queue_prefix: str = Field(
        "",
        max_length=64,
        description="Prefix of the jobs' Redis keys and channels: Celery's queues, remote "
        "control and unacknowledged tasks, the job events (installations sharing a Redis).",
    )
    db_sessions: int = Field(
        2,
        ge=1,
        le=1000,
        description="Requests of one server process that may use the database at once; the "
        "others wait their turn (the connection pool is sized to match). Few is fast: a "
        "process runs Python on one thread at a time, and more requests in flight only make "
        "each one wait longer; raise it when the database is remote and slow to answer.",
    )
    auth_cache_seconds: float = Field(
        2.0,
        ge=0,
        le=300,
        description="How long a server process remembers whom a token belongs to (0: never); "
        "a revoked token or a deactivated user is refused by the other processes within it.",
    )
    count_cache_seconds: float = Field(
        2.0,
        ge=0,
        le=300,
        description="How long a server process remembers how many beds match a listing's "
        "filters, so that later pages skip counting (0: never); writes through the same "
        "process show at once, writes through others within it.",
    )
    trusted_proxies: str = Field(
        "",
        description="Addresses or networks (comma-separated, e.g. 10.0.0.5,172.18.0.0/16) of "
        "the reverse proxies in front of the API: only from them are X-Forwarded-For and "
        "X-Forwarded-Proto believed. Empty (the default): none; the peer is the client.",
    )
    export_s3_endpoints: str = Field(
        "",
        description="S3 endpoints (comma-separated URLs, e.g. https://minio.example.org) that "
        "users' stored credentials may name as `endpoint_url` for their exports. Empty (the "
        "default): AWS only, and a credential with an `endpoint_url` is refused; the server "
        "is never pointed at an address nobody listed.",
    )
    job_stale_seconds: float = Field(
        120.0,
        gt=0,
        description="A running job whose heartbeat is older lost its worker: another worker "
        "takes it back and requeues it, and a cancel ends it at once.",
    )
    celery_visibility_timeout: int = Field(
        3600,
        gt=0,
        description="Seconds before Redis gives an unacknowledged task to another worker.",
    )
    embedded_workers: int | None = Field(
        None,
        ge=0,
        le=64,
        description="Worker processes each server process starts itself when no broker is "
        "set (never with one). Unset: 2 in development; in production a server without a "
        "broker refuses to start unless this is set (to 1 or more) explicitly.",
    )
    cache_dir: Path | None = Field(
        None,
        description="Folder of the pipeline's stage cache on this host; default: the user "
        "cache directory (~/.cache/bedflow) for the CLI, data_dir/cache for the server's "
        "workers (a local copy of the shared cache in the object store with a broker).",
    )
    stage_cache_max_bytes: int = Field(
        10 * 1024**3,
        gt=0,
        description="Largest total size of the stage cache that workers share in the object "
        "store, bytes; past it the least recently used entries are removed.",
    )
    stage_cache_max_age_days: float = Field(
        30.0,
        gt=0,
        description="Entries of the shared stage cache unused for this many days are removed.",
    )
    signup_open: bool = Field(
        True,
        description="Whether anyone may create an account (admins can always create users).",
    )
    signin_queue: int = Field(
        8,
        ge=0,
        le=1000,
        description="Sign-ins and sign-ups that may wait for their password hash per hashing "
        "slot of a server process (one slot per two cores; a hash takes about 0.25 s); the "
        "next is refused at once with 429 and Retry-After (the seconds the queue takes to "
        "drain), its client's connection not held until the proxy times out. 8: a wait of "
        "about 2 s, 4 s on a busy machine, well inside a proxy's read timeout (15 s in "
        "`bedflow cluster`).",
    )
    access_token_minutes: int = Field(
        8 * 60, gt=0, le=30 * 24 * 60, description="Lifetime of a login's access token, minutes."
    )
    admin_email: str = Field(
        "admin@localhost", description="Email of the admin created on the first start."
    )
    admin_password: SecretStr | None = Field(
        None,
        description="Password of the admin created on the first start; unset: one is "
        "generated and written to data_dir/admin_password.",
    )
    log_level: Annotated[
        Literal["debug", "info", "warning", "error", "critical"],
        BeforeValidator(lambda v: v.lower() if isinstance(v, str) else v),
    ] = Field("info", description="Least severe log level written (`bedflow serve --log-level`).")
    log_format: Literal["json", "text"] = Field(
        "json",
        description="Log lines as JSON objects or as text for people (`bedflow serve "
        "--log-format`; in a terminal serve picks text).",
    )

    @property
    def embedded_worker_count(self) -> int:
        """Worker processes a server process starts itself: none with a broker."""
        if self.broker_url:
            return 0
        return DEFAULT_EMBEDDED_WORKERS if self.embedded_workers is None else self.embedded_workers

    def serving_problem(self) -> str | None:
        """Why a server must not start with these settings, or None: in production without a
        broker, queued jobs would wait for workers nobody asked for."""
        if self.environment == "production" and not self.broker_url and not self.embedded_workers:
            return (
                "production without BEDFLOW_BROKER_URL: no worker would run the jobs; set "
                "BEDFLOW_BROKER_URL, or BEDFLOW_EMBEDDED_WORKERS=N (N >= 1) to run them in "
                "the server's own processes"
            )
        return None

    @property
    def trusted_proxy_list(self) -> list[str]:
        """``trusted_proxies`` as a list of addresses and networks (checked when read)."""
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def export_s3_endpoint_list(self) -> list[str]:
        """``export_s3_endpoints`` as a list of URLs, each without a trailing slash."""
        return [e.strip().rstrip("/") for e in self.export_s3_endpoints.split(",") if e.strip()]

    @model_validator(mode="after")
    def _fill_and_check(self) -> Settings:
        for endpoint in self.export_s3_endpoint_list:
            parsed = urlsplit(endpoint)
            if parsed.scheme not in ("http", "https") or not parsed.hostname:
                raise ValueError(f"BEDFLOW_EXPORT_S3_ENDPOINTS: {endpoint!r} is not an http(s) URL")
        for proxy in self.trusted_proxy_list:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(
                    f"BEDFLOW_TRUSTED_PROXIES: {proxy!r} is not an IP address or network"
                ) from None
        if self.read_replica_url and not self.read_replica_url.startswith("postgresql"):
            raise ValueError("BEDFLOW_READ_REPLICA_URL: a replica is a PostgreSQL database")
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'bedflow.db'}"
        if self.storage_dir is None:
            self.storage_dir = self.data_dir / "objects"
        key = self.secret_key.get_secret_value()
        if self.environment == "production":
            if key.strip().lower() in KNOWN_DEFAULT_SECRETS:
                raise ValueError(
                    "BEDFLOW_SECRET_KEY is unset or a well-known default; set a random value "
                    'in production, e.g. python -c "import secrets; print(secrets.token_urlsafe())"'
                )
            if len(key) < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"BEDFLOW_SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters"
                )
        elif not key:
            self.secret_key = SecretStr(_persisted_secret(self.data_dir))
        elif key.strip().lower() in KNOWN_DEFAULT_SECRETS:
            log.warning("BEDFLOW_SECRET_KEY is a well-known default: fine for development only")
        return self


def _persisted_secret(data_dir: Path) -> str:
    """The secret key kept in ``data_dir``, created (readable by the owner only) on first use."""
    path = data_dir / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    make_private_dirs(data_dir)
    value = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once must not both write (and disagree on) the key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value + "\n")
    log.info("generated a secret key in %s", path)
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings from the environment (and ``.env``), read once; bad values: ConfigError."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(str(exc)) from exc


def read_setting(name: str) -> Any:
    """One setting alone, as :class:`Settings` reads it, for commands that need no other (the
    CLI's stage cache): the others are neither checked nor is a secret key generated.

    >>> read_setting("cache_dir")  # doctest: +SKIP
    PosixPath('/scratch/bedflow-cache')
    """
    field = Settings.model_fields[name]
    one = create_model(  # type: ignore[call-overload]
        "OneSetting",
        __base__=_SettingsBase,
        **{name: (field.annotation, field)},
    )
    try:
        return getattr(one(), name)
    except ValidationError as exc:
        raise ConfigError(str(exc)) from exc
