"""What `bedflow cluster` generates, checked without building a cluster (no root needed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bedflow.cluster import Cluster, ClusterConfig, ClusterError
from bedflow.cluster._programs import nginx_conf
from bedflow.settings import Settings
from tests.utils.net import free_port


def _conf(tmp_path: Path) -> str:
    return nginx_conf(
        root=tmp_path, listen="127.0.0.1", apis=["10.213.7.11", "10.213.7.12"],
        max_upload_bytes=12345, port=free_port(),
    )  # fmt: skip


def test_nginx_conf_has_the_load_balancer_rules(tmp_path: Path) -> None:
    text = _conf(tmp_path)
    assert "client_max_body_size 12345;" in text  # the API's BEDFLOW_MAX_UPLOAD_BYTES
    assert "max_fails=3 fail_timeout=5s" in text  # passive health checks
    assert "proxy_next_upstream error timeout http_502 http_504;" in text
    assert "non_idempotent" not in text  # a POST that reached a replica is never resent
    assert "proxy_set_header Upgrade $http_upgrade;" in text  # WebSocket
    events = text[text.index("jobs/[^/]+/events") :]
    assert "proxy_buffering off;" in events.split("}")[0]  # server-sent events


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_conf(tmp_path: Path) -> None:
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / "tmp" / sub).mkdir(parents=True)
    conf = tmp_path / "nginx.conf"
    conf.write_text(_conf(tmp_path).replace("user nobody nogroup;\n", ""), encoding="utf-8")
    proc = subprocess.run(
        ["nginx", "-t", "-e", "stderr", "-c", str(conf), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


def test_the_database_url_names_both_servers_and_asks_for_the_writable_one() -> None:
    cluster = Cluster(ClusterConfig(name="bfz", subnet="10.213.77", password="pw"))
    url = make_url(cluster.database_url)
    assert url.query["host"] == ("10.213.77.41:5432", "10.213.77.42:5432")
    assert url.query["target_session_attrs"] == "read-write"
    assert cluster.lb_url == "http://10.213.77.10"


def test_the_apis_read_statistics_from_a_standby_when_one_answers() -> None:
    cluster = Cluster(ClusterConfig(name="bfz", subnet="10.213.77", password="pw"))
    env = cluster.app_env("api1")
    url = make_url(env["BEDFLOW_READ_REPLICA_URL"])
    assert url.query["host"] == ("10.213.77.41:5432", "10.213.77.42:5432")
    assert url.query["target_session_attrs"] == "prefer-standby"
    settings = Settings(**{k[len("BEDFLOW_") :].lower(): v for k, v in env.items()
                           if k.startswith("BEDFLOW_")})  # fmt: skip
    assert settings.read_replica_url == env["BEDFLOW_READ_REPLICA_URL"]


def test_a_cluster_has_one_to_three_workers() -> None:
    with pytest.raises(ClusterError, match="workers"):
        ClusterConfig(workers=4)
    assert Cluster(ClusterConfig(workers=3)).workers == ["worker1", "worker2", "worker3"]


def test_status_of_a_cluster_that_is_not_up(tmp_path: Path) -> None:
    with pytest.raises(ClusterError, match="no cluster"):
        Cluster.load(root=str(tmp_path))
