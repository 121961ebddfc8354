"""Marks hold under concurrency: a real server, referees' tablets firing at the same lines.

Against a real ``zhijia serve`` subprocess (SQLite with two workers, and PostgreSQL), the
organiser enters eight sprinters and publishes a final; then the organiser and the referee
fire, all at once, several different marks at every line, all made from the same version, and
the same submission three times over (a tablet retrying). Every line must end with exactly one
new version; every other submission is refused as stale (409) or answered as the repeat it is;
no server error, no "database is locked". Each round corrects the previous one (new version).

The control server runs with ZHIJIA_UNSAFE_DISABLE_LOCKS=1 and must show a violation (two
versions for one line, a server error or a lock error) within a few rounds: so this test can fail.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter, defaultdict
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

# The servers are the registration race test's fixtures: one locked and one unlocked per backend.
from tests.test_registration_race import Outcome, Running, User, locked_server, open_user, unlocked_server  # noqa: F401

pytestmark = pytest.mark.server

ROUNDS = 3
CONTROL_MAX_ROUNDS = 8
DISTINCT_PER_LINE = 6  # different marks from two tablets, all made from the same version
REPEATS_PER_LINE = 3  # one submission sent three times


async def _json(user: User, method: str, url: str, body: Any = None) -> Any:
    response = await user.http.request(method, url, json=body, headers=user.csrf)
    assert response.status_code in (200, 201), f"{method} {url}: {response.status_code} {response.text[:300]}"
    return response.json()


async def publish_final(organiser: User) -> tuple[int, int]:
    """Eight men of 一车间 in the women-free 男子1500米, drawn as one final and published."""
    meet_id = (await _json(organiser, "GET", "/api/meets"))[0]["id"]
    events = {e["code"]: e for e in await _json(organiser, "GET", f"/api/meets/{meet_id}/events")}
    event_id = events["ATH-1500M-M"]["id"]
    rounds = await _json(organiser, "GET", f"/api/meets/{meet_id}/events/{event_id}/rounds")
    if not rounds:
        teams = await _json(organiser, "GET", f"/api/meets/{meet_id}/teams")
        for team in teams[:4]:
            members = await _json(organiser, "GET", f"/api/teams/{team['id']}/members")
            for person in [m for m in members if m["gender"] == "M"][:2]:
                await _json(organiser, "POST", f"/api/teams/{team['id']}/entries", {"event_id": event_id, "person_id": person["person_id"]})
        await _json(organiser, "POST", f"/api/meets/{meet_id}/events/{event_id}/rounds", {"is_final": True, "seed": 1})
        await _json(organiser, "POST", f"/api/meets/{meet_id}/events/{event_id}/rounds/publish")
    return meet_id, event_id


async def lines(user: User, meet_id: int, event_id: int) -> list[dict[str, Any]]:
    rounds = await _json(user, "GET", f"/api/meets/{meet_id}/events/{event_id}/rounds")
    return rounds[-1]["lines"]


async def send_mark(user: User, what: str, line_id: int, body: dict[str, Any]) -> tuple[Outcome, bool]:
    try:
        response = await user.http.post(f"/api/start-entries/{line_id}/mark", json=body, headers=user.csrf)
    except httpx.HTTPError as exc:
        return Outcome(what, 0, f"{type(exc).__name__}: {exc}"), False
    created = response.status_code == 200 and bool(response.json().get("created"))
    message = "" if response.status_code == 200 else response.text[:300]
    return Outcome(what, response.status_code, message), created


async def attack(tablets: list[User], current: list[dict[str, Any]], round_no: int) -> dict[int, list[tuple[Outcome, bool]]]:
    chance = random.Random(round_no)
    requests = []
    for line in current:
        base = {"version": line["version"], "reason": "" if line["version"] == 0 else f"第{round_no}轮复核"}
        for n in range(DISTINCT_PER_LINE):
            body = base | {"idempotency_key": uuid.uuid4().hex, "mark": f"5:{10 + n:02d}.{round_no:02d}"}
            requests.append((line["id"], send_mark(tablets[n % 2], "distinct", line["id"], body)))
        repeated = base | {"idempotency_key": uuid.uuid4().hex, "mark": f"5:30.{round_no:02d}"}
        requests += [(line["id"], send_mark(tablets[n % 2], "repeat", line["id"], repeated)) for n in range(REPEATS_PER_LINE)]
    chance.shuffle(requests)
    answers = await asyncio.wait_for(asyncio.gather(*(r for _, r in requests)), 120)
    by_line: dict[int, list[tuple[Outcome, bool]]] = defaultdict(list)
    for (line_id, _), answer in zip(requests, answers, strict=True):
        by_line[line_id].append(answer)
    return by_line


async def query(db_url: str, statement: str, params: dict[str, Any] | None = None) -> list[Any]:
    """Rows read straight from the server's database, on a connection of their own."""
    engine = create_async_engine(db_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return list(await conn.execute(text(statement), params or {}))
    finally:
        await engine.dispose()


async def versions_per_line(db_url: str, event_id: int) -> dict[int, Counter[int]]:
    rows = await query(
        db_url,
        "SELECT r.start_entry_id, r.version FROM mark_result r JOIN start_entry s ON s.id = r.start_entry_id WHERE s.event_id = :event",
        {"event": event_id},
    )
    out: dict[int, Counter[int]] = defaultdict(Counter)
    for line_id, version in rows:
        out[line_id][version] += 1
    return out


def violations(by_line: dict[int, list[tuple[Outcome, bool]]], stored: dict[int, Counter[int]], round_no: int) -> list[str]:
    found = []
    for line_id, answers in by_line.items():
        created = sum(1 for _, c in answers if c)
        if created != 1:
            found.append(f"line {line_id}: {created} submissions stored in round {round_no}")
        for outcome, _ in answers:
            if outcome.status == 0 or outcome.status >= 500 or "locked" in outcome.message:
                found.append(f"line {line_id}: {outcome.status} {outcome.message[:120]}")
            elif outcome.status not in (200, 409):
                found.append(f"line {line_id}: unexpected {outcome.status} {outcome.message[:120]}")
        doubled = [v for v, n in stored.get(line_id, Counter()).items() if n > 1]
        if doubled or round_no not in stored.get(line_id, Counter()):
            found.append(f"line {line_id}: versions stored {dict(stored.get(line_id, {}))}")
    return found


async def _rounds(run: Running, rounds: int, stop_at_first_violation: bool) -> list[str]:
    stack: list[httpx.AsyncClient] = []
    try:
        organiser = await open_user(stack, run.base_url, "zuweihui")
        referee = await open_user(stack, run.base_url, "caipan1")
        meet_id, event_id = await publish_final(organiser)
        found: list[str] = []
        for round_no in range(1, rounds + 1):
            current = await lines(organiser, meet_id, event_id)
            assert len(current) == 8 and all(line["version"] == round_no - 1 for line in current) or found
            by_line = await attack([organiser, referee], current, round_no)
            found += violations(by_line, await versions_per_line(run.db_url, event_id), round_no)
            if found and stop_at_first_violation:
                break
        return found
    finally:
        for http in stack:
            await http.aclose()


async def test_every_line_takes_exactly_one_mark_per_version_under_concurrent_tablets(locked_server: Running) -> None:
    found = await _rounds(locked_server, ROUNDS, stop_at_first_violation=False)
    assert not found, "\n".join(found[:20])


async def test_control_without_locks_shows_what_the_locks_prevent(unlocked_server: Running) -> None:
    found = await _rounds(unlocked_server, CONTROL_MAX_ROUNDS, stop_at_first_violation=True)
    print("control found:", *found[:5], sep="\n  ")
    assert found, "with the locks off, concurrent tablets should have broken a line — the test cannot fail otherwise"
