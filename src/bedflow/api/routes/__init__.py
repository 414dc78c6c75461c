"""The routers, one per resource, gathered under ``/api/v1``."""

import fastapi

from bedflow.api.routes import (
    beds,
    credentials,
    files,
    health,
    invitations,
    jobs,
    login,
    packings,
    projects,
    results,
    settings,
    simulations,
    stats,
    studies,
    tokens,
    users,
    web,
    ws,
)

__all__ = ["api_router"]

api_router = fastapi.APIRouter()
for _module in (
    web,  # before beds: POST /beds/check
    login,
    credentials,  # before users: /users/me/credentials
    users,
    tokens,
    beds,
    packings,
    files,
    projects,
    invitations,
    simulations,
    results,
    jobs,
    studies,
    stats,
    settings,
    health,
    ws,
):
    api_router.include_router(_module.router)
