"""`bedflow cluster`: a cluster of separate hosts (network namespaces) on this machine."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bedflow._exceptions import BedflowError
from bedflow.cli._app import app, err, out

if TYPE_CHECKING:
    from bedflow.cluster import Cluster

cluster_app = typer.Typer(
    name="cluster",
    help="A cluster of separate hosts on this machine (root): nginx, two APIs, Celery "
    "workers, Redis, a PostgreSQL primary and replica, s3rver. See docs/cluster.md.",
    no_args_is_help=True,
)
app.add_typer(cluster_app)

Name = Annotated[
    str,
    typer.Option(help="Cluster name: prefix of its namespaces and links (a few letters)."),
]
S3RVER_ENV = "BEDFLOW_CLUSTER_S3RVER"


def _s3rver(given: str | None) -> str:
    found = given or os.environ.get(S3RVER_ENV) or shutil.which("s3rver")
    if not found:
        local = Path("tools/cluster/node_modules/.bin/s3rver")
        found = str(local.resolve()) if local.exists() else ""
    return found


@cluster_app.command()
def up(
    name: Name = "bfc",
    subnet: Annotated[
        str, typer.Option(help="First three bytes of the private /24 the hosts live on.")
    ] = "10.213.7",
    workers: Annotated[int, typer.Option(min=1, max=3, help="Celery worker hosts.")] = 2,
    s3rver: Annotated[
        str | None,
        typer.Option(
            help=f"The s3rver program; default: ${S3RVER_ENV}, PATH, tools/cluster/ "
            "(make cluster-deps)."
        ),
    ] = None,
    stale_seconds: Annotated[
        float, typer.Option(help="BEDFLOW_JOB_STALE_SECONDS of the workers.")
    ] = 15.0,
) -> None:
    """Start every host and wait until the load balancer answers healthy."""
    from bedflow.cluster import Cluster, ClusterConfig

    try:
        config = ClusterConfig(
            name=name, subnet=subnet, workers=workers, s3rver=_s3rver(s3rver),
            job_stale_seconds=stale_seconds,
        )  # fmt: skip
        cluster = Cluster(config)
        cluster.up()
    except BedflowError as exc:
        err.print(f"[bold red]error[/]: {exc}")
        raise typer.Exit(1) from exc
    _print_status(cluster)


@cluster_app.command()
def status(name: Name = "bfc") -> None:
    """Each host, its address and health, and the load balancer's URL."""
    cluster = _load(name)
    healthy = _print_status(cluster)
    raise typer.Exit(0 if healthy else 1)


@cluster_app.command()
def down(name: Name = "bfc") -> None:
    """Stop every process and remove the namespaces, links, bridge and data folders."""
    from bedflow.cluster import Cluster, ClusterConfig, ClusterError

    try:
        cluster = Cluster.load(name)
    except ClusterError:
        cluster = Cluster(ClusterConfig(name=name))  # nothing recorded: remove what is left
    cluster.down()
    out.print(f"cluster {name} removed")


@cluster_app.command()
def rejoin(
    host: Annotated[str, typer.Argument(help="pg1 or pg2, e.g. the fenced old primary.")],
    name: Name = "bfc",
) -> None:
    """Make a PostgreSQL host a fresh replica of the current primary (base backup)."""
    from bedflow.cluster import ClusterError

    try:
        _load(name).rejoin(host)
    except ClusterError as exc:
        err.print(f"[bold red]error[/]: {exc}")
        raise typer.Exit(1) from exc
    out.print(f"{host} streams from the primary again")


@cluster_app.command(hidden=True)
def supervise(root: Annotated[str, typer.Option(help="The cluster's folder.")]) -> None:
    """Run the failover supervisor (started by `up` on the host `mon`)."""
    import logging

    from bedflow.cluster import Cluster, Supervisor

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    Supervisor(Cluster.load(root=root)).run()


def _load(name: str) -> Cluster:
    from bedflow.cluster import Cluster, ClusterError

    try:
        return Cluster.load(name)
    except ClusterError as exc:
        err.print(f"[bold red]error[/]: {exc}")
        raise typer.Exit(1) from exc


def _print_status(cluster: Cluster) -> bool:
    from rich.table import Table

    rows = cluster.status()
    table = Table("host", "address", "role", "health", box=None)
    for row in rows:
        colour = "green" if row.ok else "red"
        table.add_row(row.host, row.address, row.role, f"[{colour}]{row.health}[/]")
    out.print(table)
    out.print(f"load balancer: {cluster.lb_url}")
    return all(row.ok for row in rows)
