"""Files and folders that only their owner may read: the database, the data and object folders.

Created with the mode they keep (0700 folders, 0600 files) rather than with the process's
umask (0755 and 0644 under the usual 022) and changed afterwards, so nothing is readable by
others even for a moment.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

__all__ = ["PRIVATE_DIR", "PRIVATE_FILE", "make_private_dirs", "tighten"]

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def make_private_dirs(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` and its missing parents, each 0700 (``Path.mkdir(parents=True)`` gives
    the parents the umask's mode); folders that exist are left as they are.

    >>> make_private_dirs("/var/lib/bedflow/objects/beds/1")  # doctest: +SKIP
    """
    path = Path(path)
    missing = []
    current = path
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:  # made meanwhile by another process or thread
            continue
    if not path.is_dir():
        raise NotADirectoryError(str(path))
    return path


def tighten(path: str | os.PathLike[str], mode: int) -> None:
    """Remove the group's and others' permissions from ``path`` when it exists and has any
    (left by an earlier version); a path owned by someone else is logged and left."""
    try:
        current = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return
    if current & 0o077 == 0:
        return
    try:
        os.chmod(path, current & mode)
    except PermissionError:
        log.warning("cannot make %s private (mode %o): not its owner", path, current)
