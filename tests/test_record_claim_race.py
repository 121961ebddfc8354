"""Record claims hold under concurrency: a result entered while the claim it is judged against
is being rejected is still claimed.

Against a real ``zhijia serve`` subprocess (SQLite with two workers, and PostgreSQL), each
round the athletics referee enters a mark that beats the record (a pending claim X); then, at the same
moment, the chief referee rejects X and the organiser enters three other athletes' marks, a few
milliseconds apart, each worse than X but better than every mark that still counts. Whatever
the order of commits, the end must read as if X had never been: in the order the marks were
set, each one better than all before it carries a claim and no other does — judged after the
rejection, or brought forward by the rejection's re-judging (records.reclaim). Without the
event code's lock on PostgreSQL an entry is judged against X while the rejection cannot yet see
it (the record is lost), or two entries are judged without seeing each other (a mark is
claimed though a better one was set before it) — the control server
(ZHIJIA_UNSAFE_DISABLE_LOCKS=1) must show one of them.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.test_marks_race import _json, query
from tests.test_registration_race import Running, User, locked_server, open_user, unlocked_server  # noqa: F401

pytestmark = pytest.mark.server

# event code → (gender, the demo's standing record in hundredths): 6:48.50 and 5:05.36
EVENTS = {"ATH-1500M-W": ("F", 6 * 60_00 + 48_50), "ATH-1500M-M": ("M", 5 * 60_00 + 5_36)}
RIVALS = 3  # marks entered while X is rejected: more chances for the two to cross
STAGGER = 0.002  # seconds between the rivals' sends


def _typed(hundredths: int) -> str:
    minutes, rest = divmod(hundredths, 60_00)
    return f"{minutes}:{rest // 100:02d}.{rest % 100:02d}"


async def _final(organiser: User, code: str, gender: str) -> list[int]:
    """The event drawn as one final and published: its line ids, unscored."""
    meet_id = (await _json(organiser, "GET", "/api/meets"))[0]["id"]
    event_id = next(e["id"] for e in await _json(organiser, "GET", f"/api/meets/{meet_id}/events") if e["code"] == code)
    rounds = await _json(organiser, "GET", f"/api/meets/{meet_id}/events/{event_id}/rounds")
    if not rounds:
        for team in await _json(organiser, "GET", f"/api/meets/{meet_id}/teams"):
            members = await _json(organiser, "GET", f"/api/teams/{team['id']}/members")
            for person in [m for m in members if m["gender"] == gender][:3]:
                # already entered, or the team's quota is full: either way the field is what it is
                await organiser.http.post(f"/api/teams/{team['id']}/entries", json={"event_id": event_id, "person_id": person["person_id"]}, headers=organiser.csrf)
        await _json(organiser, "POST", f"/api/meets/{meet_id}/events/{event_id}/rounds", {"is_final": True, "seed": 1})
        await _json(organiser, "POST", f"/api/meets/{meet_id}/events/{event_id}/rounds/publish")
        rounds = await _json(organiser, "GET", f"/api/meets/{meet_id}/events/{event_id}/rounds")
    return [line["id"] for line in rounds[-1]["lines"] if line["version"] == 0]


async def _post(user: User, url: str, body: dict[str, Any]) -> tuple[int, str]:
    try:
        response = await user.http.post(url, json=body, headers=user.csrf)
    except httpx.HTTPError as exc:
        return 0, f"{type(exc).__name__}: {exc}"
    return response.status_code, response.text[:200]


def _mark(user: User, line_id: int, value: int) -> Any:
    body = {"version": 0, "idempotency_key": uuid.uuid4().hex, "mark": _typed(value), "reason": ""}
    return _post(user, f"/api/start-entries/{line_id}/mark", body)


async def _claims(db_url: str, line_id: int) -> list[int]:
    """The record claims made for this line's results."""
    statement = "SELECT m.id FROM record_mark m JOIN mark_result r ON r.id = m.mark_result_id WHERE r.start_entry_id = :line ORDER BY m.id"
    return [row[0] for row in await query(db_url, statement, {"line": line_id})]


async def _results(db_url: str, line_ids: list[int]) -> list[tuple[int, int, bool]]:
    """(line, mark in hundredths, claimed) for these lines' results, in the order they were set."""
    rows = await query(
        db_url,
        "SELECT r.start_entry_id, r.value, EXISTS (SELECT 1 FROM record_mark m WHERE m.mark_result_id = r.id) "
        f"FROM mark_result r WHERE r.start_entry_id IN ({', '.join(str(int(i)) for i in line_ids)}) ORDER BY r.submitted_at, r.id",
    )
    return [(line, value // 10, bool(claimed)) for line, value, claimed in rows]  # stored in thousandths


def _misjudged(results: list[tuple[int, int, bool]], record: int) -> list[str]:
    """Against the rule, as if every rejected claim had never been: in the order the marks were
    set, a mark better than every earlier one (and the record) carries a claim, and no other does."""
    best, wrong = record, []
    for line, value, claimed in results:
        record = value < best
        if record != claimed:
            wrong.append(f"{_typed(value)} (line {line}) {'is' if record else 'is not'} a record when set, yet {'carries no' if record else 'carries a'} claim")
        best = min(best, value)
    return wrong


async def _rounds(run: Running, stop_at_first_violation: bool) -> tuple[list[str], int]:
    stack: list[httpx.AsyncClient] = []
    try:
        organiser = await open_user(stack, run.base_url, "zuweihui")
        chief = await open_user(stack, run.base_url, "caipan1")
        found: list[str] = []
        played = 0
        for code, (gender, record) in EVENTS.items():
            lines = await _final(organiser, code, gender)
            assert len(lines) >= 3 * (1 + RIVALS), lines
            best, all_rivals = record, []
            while len(lines) >= 1 + RIVALS and not (found and stop_at_first_violation):
                (a, *rivals), lines = lines[: 1 + RIVALS], lines[1 + RIVALS :]
                all_rivals += rivals
                played += 1
                status, body = await _mark(chief, a, best - 200)  # the athletics chief referee enters it too
                assert status == 200, body
                (claim,) = await _claims(run.db_url, a)  # X: 2 s under the best that counts
                marks = [best - 100 - 10 * n for n in range(RIVALS)]  # each under the best, none under X
                answers = await asyncio.gather(
                    _post(chief, f"/api/records/marks/{claim}/reject", {"reason": "计时器故障,成绩无效"}),
                    *(_rival(organiser, line, mark, STAGGER * n) for n, (line, mark) in enumerate(zip(rivals, marks, strict=True))),
                )
                for status, body in answers:
                    if status != 200:
                        found.append(f"{code} round {played}: answered {status} {body}")
                found += [f"{code} round {played}: {w}" for w in _misjudged(await _results(run.db_url, all_rivals), record)]
                best = min(marks)
        return found, played
    finally:
        for http in stack:
            await http.aclose()


async def _rival(organiser: User, line: int, mark: int, after: float) -> tuple[int, str]:
    await asyncio.sleep(after)  # staggered by a few milliseconds: one of them meets the rejection
    return await _mark(organiser, line, mark)


async def test_a_result_entered_while_the_claim_before_it_is_rejected_is_still_claimed(locked_server: Running) -> None:
    found, played = await _rounds(locked_server, stop_at_first_violation=False)
    assert played >= 6 and not found, "\n".join(found)


async def test_control_without_locks_loses_the_record(unlocked_server: Running) -> None:
    if unlocked_server.backend == "sqlite":
        pytest.skip("SQLite takes one writer at a time with or without the code's lock; the race is PostgreSQL's")
    found, played = await _rounds(unlocked_server, stop_at_first_violation=True)
    print("control found:", *found[:5], sep="\n  ")
    assert found, f"with the locks off, a rejection and an entry should have crossed in {played} rounds — the test cannot fail otherwise"
