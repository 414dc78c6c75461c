"""Settings: embedded defaults, environment variables, refused default secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bedflow._exceptions import ConfigError
from bedflow.settings import Settings, get_settings, read_setting
from bedflow.storage import LocalStorage, S3Storage, get_storage


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATABASE_URL", "BEDFLOW_DATABASE_URL", "BEDFLOW_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BEDFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no stray .env
    get_settings.cache_clear()


def test_embedded_defaults(tmp_path: Path) -> None:
    s = Settings()
    assert s.environment == "development" and s.data_dir == tmp_path
    assert s.database_url == f"sqlite:///{tmp_path / 'bedflow.db'}"
    assert s.storage_dir == tmp_path / "objects"
    assert isinstance(get_storage(s), LocalStorage)


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings().secret_key.get_secret_value()
    assert len(first) >= 32
    assert Settings().secret_key.get_secret_value() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert Settings().database_url == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("BEDFLOW_DATABASE_URL", "sqlite:///x.db")
    assert Settings().database_url == "sqlite:///x.db"


@pytest.mark.parametrize("key", ["", "changeme", "CHANGEME", "secret", "short-but-random"])
def test_production_refuses_default_or_short_secrets(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("BEDFLOW_ENVIRONMENT", "production")
    monkeypatch.setenv("BEDFLOW_SECRET_KEY", key)
    with pytest.raises(ValidationError, match="BEDFLOW_SECRET_KEY"):
        Settings()
    with pytest.raises(ConfigError):
        get_settings()


def test_production_with_a_real_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BEDFLOW_ENVIRONMENT", "production")
    monkeypatch.setenv("BEDFLOW_SECRET_KEY", "x" * 40)
    assert get_settings() is get_settings()
    assert not (tmp_path / "secret_key").exists()


def test_development_accepts_a_default_secret_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("BEDFLOW_SECRET_KEY", "changeme")
    assert Settings().secret_key.get_secret_value() == "changeme"
    assert "well-known default" in caplog.text


def test_s3_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEDFLOW_STORAGE_BACKEND", "s3")
    monkeypatch.setenv("BEDFLOW_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("BEDFLOW_S3_ACCESS_KEY_ID", "id")
    monkeypatch.setenv("BEDFLOW_S3_SECRET_ACCESS_KEY", "s3-secret-value")
    store = get_storage(Settings())
    assert isinstance(store, S3Storage) and store.bucket == "bedflow"
    assert "s3-secret-value" not in repr(Settings())


def test_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BEDFLOW_MAX_UPLOAD_BYTES=1234\n")
    assert Settings().max_upload_bytes == 1234


def test_read_setting_reads_one_without_checking_the_others(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The CLI's cache folder: no secret key generated, a bad unrelated setting ignored."""
    monkeypatch.setenv("BEDFLOW_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("BEDFLOW_ENVIRONMENT", "production")  # no secret key: Settings refuses
    monkeypatch.setenv("BEDFLOW_LOG_LEVEL", "WARNING")
    assert read_setting("cache_dir") == tmp_path / "c"
    assert read_setting("log_level") == "warning"
    assert not (tmp_path / "secret_key").exists()
    monkeypatch.setenv("BEDFLOW_LOG_LEVEL", "loud")
    with pytest.raises(ConfigError, match="log_level"):
        read_setting("log_level")


def test_platform_options_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEDFLOW_SIGNUP_OPEN", "false")
    monkeypatch.setenv("BEDFLOW_ADMIN_PASSWORD", "a long admin passphrase")
    monkeypatch.setenv("BEDFLOW_EMBEDDED_WORKERS", "0")
    s = Settings()
    assert s.signup_open is False and s.embedded_worker_count == 0
    assert s.admin_password is not None
    assert "a long admin passphrase" not in repr(s)  # a secret, never printed
