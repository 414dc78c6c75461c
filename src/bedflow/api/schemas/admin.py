"""The installation's settings (pipeline engines) and credentials for external services."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bedflow.api.schemas.common import Name, Public

__all__ = [
    "CredentialCreate",
    "CredentialPublic",
    "CredentialUpdate",
    "CredentialsPublic",
    "EnginePublic",
    "EngineUpdate",
    "EnginesPublic",
    "OptionValue",
]

OptionKey = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$")
]
OptionValue = (
    Annotated[str, StringConstraints(max_length=1000, pattern=r"^[^\x00]*$")]
    | bool
    | Annotated[int, Field(ge=-(2**53), le=2**53)]
    | Annotated[float, Field(allow_inf_nan=False)]
    | None
)
Secret = Annotated[str, StringConstraints(min_length=1, max_length=10_000, pattern=r"^[^\x00]*$")]


class EnginePublic(BaseModel):
    """A packing engine or solver of the pipeline, whether it is enabled, and its options."""

    name: str = Field(examples=["dem"])
    kind: Literal["packing", "solver"]
    description: str
    enabled: bool
    options: dict[str, OptionValue] = Field(examples=[{"max_particles": 20000}])


class EnginesPublic(BaseModel):
    """Every engine."""

    data: list[EnginePublic]
    count: int


class EngineUpdate(BaseModel):
    """Toggle an engine and/or replace its options."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"enabled": False}]})

    enabled: bool | None = None
    options: dict[OptionKey, OptionValue] | None = Field(None, max_length=50)


class CredentialCreate(BaseModel):
    """A secret for an external service (stored encrypted, never shown again in full)."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(examples=["minio-archive"])
    service: Annotated[
        str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    ] = Field(examples=["s3"])
    secret: Secret = Field(
        description="for service s3: JSON with access_key_id, secret_access_key, optional "
        "region and endpoint_url (one of BEDFLOW_EXPORT_S3_ENDPOINTS)",
        examples=[
            '{"access_key_id": "AKIAIOSFODNN7EXAMPLE", '
            '"secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}'
        ],
    )


class CredentialUpdate(BaseModel):
    """A new secret for a credential."""

    model_config = ConfigDict(extra="forbid")

    secret: Secret = Field(
        examples=[
            '{"access_key_id": "AKIAIOSFODNN7EXAMPLE", '
            '"secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}'
        ]
    )


class CredentialPublic(Public):
    """A credential as listed: the secret masked (dots and at most its last four characters)."""

    id: uuid.UUID
    name: str
    service: str
    masked: str = Field(examples=["••••MPLE"])
    created_at: datetime
    updated_at: datetime


class CredentialsPublic(BaseModel):
    """Every credential, masked."""

    data: list[CredentialPublic]
    count: int
