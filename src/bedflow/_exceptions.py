"""The errors bedflow raises.

Our exception hierarchy::

    BedflowError
    ├── BedInputError(ValueError)       the input is wrong: fix the file, the request or the value
    │   ├── BedSyntaxError              the .bed text does not parse (one located diagnostic)
    │   └── BedValidationError          it parses, but keys, units or values are wrong (all of them)
    ├── ConfigError(ValueError)         a setting is malformed or unsafe (a default secret key)
    ├── RequestError(ValueError)        a platform request is wrong (a bad sort key or filter)
    │   ├── ConflictError               it clashes with what is stored (an email already taken)
    │   ├── ObjectKeyError              an object key that could escape the store (.., /, NUL)
    │   └── UploadTooLargeError         an upload past the size limit (nothing is kept)
    ├── NotFoundError(LookupError)      no such row or object, or one this user may not see
    ├── StorageError(OSError)           the object store failed (disk, network, S3 error)
    ├── UsageError(RuntimeError)        the library is called the wrong way
    ├── CfdInputError(ValueError)       a physical or lattice parameter of a solver is out of range
    │   └── LatticeStabilityError       tau, the Mach guard, or a diverged (NaN) run
    ├── EngineUnavailable               a packing engine or solver is not installed here
    ├── EngineError(RuntimeError)       an external engine (Blender, OpenFOAM) failed while running
    └── Cancelled                       a long computation stopped because it was asked to
        ├── PackingCancelled            (bedflow.geometry) a packing engine stopped
        └── SolverCancelled             a flow solver stopped

    BedWarning(UserWarning)             legal but suspicious input (a laminar run at high Re_p)

Errors caused by input carry :class:`Diagnostic` objects: file, line, column, the offending
source line with a caret under the problem, and what was expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "BedInputError",
    "BedSyntaxError",
    "BedValidationError",
    "BedWarning",
    "BedflowError",
    "Cancelled",
    "CfdInputError",
    "ConfigError",
    "ConflictError",
    "Diagnostic",
    "EngineError",
    "EngineUnavailable",
    "LatticeStabilityError",
    "NotFoundError",
    "ObjectKeyError",
    "PackingIncomplete",
    "RequestError",
    "SolverCancelled",
    "StorageError",
    "UploadTooLargeError",
    "UsageError",
]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One located message about a `.bed` input, rendered like a compiler's.

    ``line`` and ``column`` are 1-based; 0 means "no position" (for example a spec built from
    JSON, or a section that is missing altogether). ``width`` is how many characters the caret
    underlines. ``path`` is the spec field the message is about, e.g. ``("bed", "diameter")``.
    """

    message: str
    filename: str = "<string>"
    line: int = 0
    column: int = 0
    width: int = 1
    source_line: str | None = None
    severity: Severity = "error"
    path: tuple[str, ...] = ()
    expected: tuple[str, ...] = field(default=())

    @property
    def location(self) -> str:
        """``file:line:col``, or just the file name when there is no position."""
        if self.line <= 0:
            return self.filename
        return f"{self.filename}:{self.line}:{self.column}"

    def render(self) -> str:
        """The message, the source line and a caret, as plain text."""
        head = f"{self.location}: {self.severity}: {self.message}"
        if self.source_line is None or self.line <= 0:
            return head
        gutter = f"{self.line:>4} | "
        text = self.source_line.rstrip("\n").expandtabs(1)
        caret_at = max(self.column - 1, 0)
        caret = "^" + "~" * max(min(self.width, max(len(text) - caret_at, 1)) - 1, 0)
        return f"{head}\n{gutter}{text}\n{' ' * (len(gutter) - 2)}| {' ' * caret_at}{caret}"

    def __str__(self) -> str:
        return self.render()


class BedflowError(Exception):
    """Base class of every error bedflow raises on purpose."""


class BedInputError(BedflowError, ValueError):
    """The input (a `.bed` file, a spec, a request) is wrong; the message says where and why."""

    diagnostics: tuple[Diagnostic, ...]

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(d.render() for d in self.diagnostics))

    @property
    def line(self) -> int:
        """Line of the first diagnostic (1-based; 0 when unknown)."""
        return self.diagnostics[0].line if self.diagnostics else 0

    @property
    def column(self) -> int:
        """Column of the first diagnostic (1-based; 0 when unknown)."""
        return self.diagnostics[0].column if self.diagnostics else 0


class BedSyntaxError(BedInputError):
    """The `.bed` text does not parse. Carries exactly one diagnostic with what was expected."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__([diagnostic])

    @property
    def expected(self) -> tuple[str, ...]:
        """The tokens that would have been accepted at the error position."""
        return self.diagnostics[0].expected


class BedValidationError(BedInputError):
    """The `.bed` text parses but describes an invalid bed: every problem found is listed."""


class ConfigError(BedflowError, ValueError):
    """A setting is malformed or unsafe, e.g. a well-known default secret key in production."""


class RequestError(BedflowError, ValueError):
    """A platform request is wrong: an unknown sort key, an inverted range, a bad value."""


class ConflictError(RequestError):
    """The request clashes with what is stored: an email already taken, a duplicate name."""


class ObjectKeyError(RequestError):
    """An object key that is malformed or could escape the store (``..``, ``/`` first, NUL)."""


class UploadTooLargeError(RequestError):
    """An upload went past the size limit; the partial object has been removed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"upload larger than the limit of {limit} bytes")


class NotFoundError(BedflowError, LookupError):
    """No such row or object, or one the current user may not see (reported the same way)."""


class StorageError(BedflowError, OSError):
    """The object store failed: a disk error, an unreachable or refusing S3 server."""


class UsageError(BedflowError, RuntimeError):
    """bedflow was called the wrong way (a programming error, not bad input)."""


class EngineUnavailable(BedflowError):
    """A packing engine or solver that is not installed here; the message says how to get it."""


class EngineError(BedflowError, RuntimeError):
    """An external engine (Blender, OpenFOAM) failed while running; the message has its log."""


class PackingIncomplete(EngineError):
    """A pour ended (at ``packing.max_time``) before every particle asked for was in the bed.

    The message names how many were placed of how many and what to change; ``placed`` and
    ``count`` carry the numbers.
    """

    def __init__(self, message: str, *, placed: int, count: int) -> None:
        self.placed = placed
        self.count = count
        super().__init__(message)


class Cancelled(BedflowError):
    """A long computation (packing, solver) stopped because its cancel callback asked it to."""


class CfdInputError(BedflowError, ValueError):
    """A parameter given to a solver or correlation is out of its valid range."""


class LatticeStabilityError(CfdInputError):
    """The lattice parameters make the run unstable or inaccurate (tau, Mach number, NaN).

    Lower the body force (velocity scales linearly with it in creeping flow) or bring tau back
    into range. ``lattice_velocity`` is the peak lattice velocity when the Mach guard stopped
    the run (None for the other causes).
    """

    lattice_velocity: float | None = None


class SolverCancelled(Cancelled):
    """A flow solver stopped because its ``cancel`` callback returned True."""

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration
        super().__init__(f"solver cancelled at iteration {iteration}")


class BedWarning(UserWarning):
    """Legal but suspicious input; the bed is still usable."""
