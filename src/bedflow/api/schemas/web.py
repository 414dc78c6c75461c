"""Schemas of what the web dashboard asks: the public configuration, `.bed` checks, browser
sessions, and a bed's particles, porosity profiles and correlation curves."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from bedflow.api.schemas.accounts import UserPublic

__all__ = [
    "AxialProfile",
    "BedCheck",
    "BedCheckPublic",
    "BrowserSession",
    "ColumnPublic",
    "ConfigPublic",
    "CorrelationPoint",
    "CorrelationsPublic",
    "DiagnosticPublic",
    "EngineChoice",
    "EngineChoices",
    "ParticlesPublic",
    "ProfilesPublic",
    "RadialProfile",
]


class ConfigPublic(BaseModel):
    """What the app needs to know before anyone signs in."""

    version: str
    signup_open: bool
    """Whether ``POST /users/signup`` accepts new accounts (admins can always create users)."""
    max_upload_bytes: int
    """Largest file upload accepted (bytes)."""
    session_cookie: Literal[True] = True
    """The browser signs in with ``POST /login/session`` (an httpOnly cookie and a CSRF token)."""


class EngineChoice(BaseModel):
    """A packing engine or solver of this installation, and whether jobs may use it."""

    name: str = Field(examples=["lbm"])
    kind: Literal["packing", "solver"]
    description: str
    enabled: bool
    """False: an admin turned it off, and a job that names it is refused (409)."""


class EngineChoices(BaseModel):
    """Every packing engine and solver (plugins included)."""

    data: list[EngineChoice]
    count: int


class BedCheck(BaseModel):
    """`.bed` source to check; ``filename`` only names it in the messages."""

    text: str = Field(max_length=1_000_000)
    filename: str | None = Field(default=None, max_length=255, pattern=r"^[^\x00-\x1f\x7f]*$")


class DiagnosticPublic(BaseModel):
    """One problem of the text, 1-based; ``line`` 0 when it has no position (a missing
    section). ``end_column`` is exclusive: the underlined span is ``[column, end_column)``."""

    line: int
    column: int
    end_line: int
    end_column: int
    severity: Literal["error", "warning", "note"]
    message: str
    hint: str | None


class BedCheckPublic(BaseModel):
    """Every diagnostic ``bedflow check`` would print for the text, and the normalized spec
    (SI units, defaults filled in) when nothing stops it."""

    ok: bool
    diagnostics: list[DiagnosticPublic]
    spec: dict[str, Any] | None


class BrowserSession(BaseModel):
    """A browser's sign-in: the session itself is the httpOnly ``bedflow_session`` cookie;
    send ``csrf_token`` (also in the ``bedflow_csrf`` cookie) as ``X-CSRF-Token`` on writes."""

    csrf_token: str
    user: UserPublic


class ColumnPublic(BaseModel):
    """The inside of the column, m; its floor is z = 0 and its axis x = y = 0."""

    shape: str
    diameter: float | None
    width: float | None
    depth: float | None
    height: float


class ParticlesPublic(BaseModel):
    """A packed bed as arrays for an instanced 3D view (base64 of little-endian float32)."""

    count: int
    shape: str
    """The particle kind: ``sphere``, ``cylinder``, ``cube`` ..."""
    dimensions: dict[str, float | None]
    """``diameter`` and ``length`` (None for shapes without one), m."""
    column: ColumnPublic
    positions: str
    """count x 3 centres (x, y, z), m."""
    orientations: str
    """count x 4 unit quaternions (x, y, z, w), as three.js takes them."""
    sizes: str
    """count diameters, m: a sphere's own; for other shapes ``dimensions["diameter"]`` scaled
    like the particle's circumscribed sphere (equal to it for particles of one size)."""


class CorrelationPoint(BaseModel):
    """The published correlations at one superficial velocity."""

    superficial_velocity: float
    """m/s"""
    particle_reynolds: float
    ergun: float
    """Pa/m"""
    carman_kozeny: float
    """Pa/m"""
    eisfeld_schnitzlein: float
    """Pa/m"""


class CorrelationsPublic(BaseModel):
    """Pressure drop per length of the correlations over a range of velocities, for a bed."""

    porosity: float
    porosity_from: Literal["result", "packing", "spec", "expected"]
    """Where the porosity comes from: the bed's latest result, its newest packing's bulk
    porosity, the spec's target porosity, or (none of those) what a random pour of the spec is
    expected to reach (Dixon 1988 for spheres in a cylinder, a typical value otherwise)."""
    points: list[CorrelationPoint]


class RadialProfile(BaseModel):
    """Porosity of coaxial shells against their mid radius from the axis, m."""

    r: list[float]
    porosity: list[float | None]


class AxialProfile(BaseModel):
    """Porosity of horizontal slabs against their mid height above the floor, m."""

    z: list[float]
    porosity: list[float | None]


class ProfilesPublic(BaseModel):
    """The porosity profiles of the bed's latest packing (None where it has none)."""

    radial: RadialProfile | None
    axial: AxialProfile | None
