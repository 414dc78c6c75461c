"""The `bedflow` command line (typer): thin commands over the library.

Run ``bedflow --help`` for the commands; ``docs/cli.md`` is generated from that help.
"""

from bedflow.cli import _db as _db  # registers `bedflow db` on the app
from bedflow.cli import _new as _new  # registers `bedflow new` on the app
from bedflow.cli import _openapi as _openapi  # registers `bedflow openapi`
from bedflow.cli import _pack as _pack  # registers `bedflow pack`
from bedflow.cli import _remote as _remote  # registers `bedflow submit`, `jobs`, `cancel`
from bedflow.cli import _run as _run  # registers `bedflow run`
from bedflow.cli import _serve as _serve  # registers `bedflow serve`
from bedflow.cli import _simulate as _simulate  # registers `bedflow simulate`
from bedflow.cli import _warmup as _warmup  # registers `bedflow warm-up`
from bedflow.cli import _worker as _worker  # registers `bedflow worker`
from bedflow.cli._app import app, main

__all__ = ["app", "main"]
