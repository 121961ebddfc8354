"""The baseline of benchmarks/registration.py: a bare Litestar JSON app.

The same request shapes as a registration cycle (a JSON POST, then a DELETE), answered with
``{"ok": true}`` and nothing else: no middleware, no session, no CSRF, no database. Served by
the same uvicorn with the same worker count, it shows what the HTTP stack alone costs.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, delete, get, post


@get("/ok")
async def ok() -> dict[str, bool]:
    return {"ok": True}


@post("/api/teams/{team_id:int}/entries", status_code=201)
async def enter(team_id: int, data: dict[str, Any]) -> dict[str, bool]:
    return {"ok": True}


@delete("/api/teams/{team_id:int}/entries/{event_id:int}/{person_id:int}", status_code=200)
async def withdraw(team_id: int, event_id: int, person_id: int) -> dict[str, bool]:
    return {"ok": True}


app = Litestar(route_handlers=[ok, enter, withdraw])
