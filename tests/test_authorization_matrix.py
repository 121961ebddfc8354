"""Who may call which route: every route of the app against a policy table.

The table below states, for each (method, path template), who may use it:

- ``public``     everybody, signed in or not
- ``signed_in``  any signed-in account
- ``organiser``  organisers (组委会/会务组) only
- ``team``       organisers and the leader of the team in the URL — not another team's leader
- ``referee``    organisers and referees

``test_every_route_has_a_policy`` fails for a route missing from the table (so a new route
needs a stated policy) and for a table entry no route answers. ``test_route_policy`` sends
each route's request as five actors — anonymous, organiser, the team's own leader, another
team's leader, a referee — with real ids from the demo meet, a valid CSRF token and a minimal
body that gets past parsing to the authorization decision, on a fresh copy of the demo meet:

- a refused actor gets 401 (API) or a 303 to /login (pages) when anonymous, else 403;
- an allowed actor gets neither 401 nor 403 nor a redirect to /login, and never a 5xx.

It is about routing and guards, not the database: SQLite only.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from sqlalchemy import select

from events import draws, registration, timetable
from events.models import Match
from events.db import Database
from tests.support import CSRF_COOKIE, LEADER, ORGANISER, OTHER_LEADER, REFEREE, TEST_SECRET, Client, DemoMeet
from web.app import create_app
from web.settings import Settings

# Litestar's own routes, outside the policy: static files are public by design, the OpenAPI
# schema documents the API without data. OPTIONS is Litestar's automatic CORS answer.
NOT_COVERED = {
    "/static/{file_path:path}": "static files (CSS, JS, icons) are public",
    "/api/schema": "OpenAPI schema UI, no data",
    "/api/schema/scalar": "OpenAPI schema UI, no data",
    "/api/schema/openapi.json": "OpenAPI document, no data",
    "/api/schema/{path:str}": "OpenAPI schema UI assets",
}
AUTOMATIC_METHODS = {"OPTIONS"}

ANONYMOUS, OWN_LEADER, FOREIGN_LEADER = "anonymous", "own leader", "foreign leader"
ACTORS: dict[str, str | None] = {
    ANONYMOUS: None,
    REFEREE: REFEREE,
    FOREIGN_LEADER: OTHER_LEADER,  # lingdui2 (二车间) acting on 一车间's URLs
    OWN_LEADER: LEADER,  # lingdui1 (一车间)
    ORGANISER: ORGANISER,
}
ALLOWED: dict[str, set[str]] = {
    "public": set(ACTORS),
    "signed_in": set(ACTORS) - {ANONYMOUS},
    "organiser": {ORGANISER},
    "team": {ORGANISER, OWN_LEADER},
    "referee": {ORGANISER, REFEREE},
}

Body = Callable[["Ids"], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    policy: str
    body: Body | None = None  # form fields (pages) or JSON (/api) that reach the decision


@dataclass
class Ids:
    """Real ids for path parameters and bodies; team routes name 一车间 (lingdui1's team)."""

    demo: DemoMeet
    entry_id: int
    values: dict[str, int] = field(default_factory=dict)

    @property
    def team_id(self) -> int:
        return self.demo.team_of(LEADER)

    @property
    def person_id(self) -> int:
        return self.demo.person_ids[self.team_id][0]  # a man: the demo lists men first

    @property
    def event_id(self) -> int:
        return self.demo.event_ids["ATH-100M-M"]


def meet_json(ids: Ids) -> dict[str, Any]:
    return {
        "name": "第七届职工运动会", "edition": 7, "starts_on": "2027-11-20", "ends_on": "2027-11-21",
        "registration_opens": "2027-11-01", "registration_closes": "2027-11-10",
    }


def venue_json(ids: Ids) -> dict[str, Any]:
    return {"name": "新场地", "kind": "hall"}


def event_json(ids: Ids) -> dict[str, Any]:
    return {"code": "NEW-EVENT", "name": "新项目", "sport": "fun", "division": "open",
            "kind": "individual_timed", "format": "timed_final"}


def team_json(ids: Ids) -> dict[str, Any]:
    return {"name": "新代表队", "number": 9}


def person_json(ids: Ids) -> dict[str, Any]:
    return {"name": "新职工", "gender": "M", "employee_no": "NEW-001"}


def entry_body(ids: Ids) -> dict[str, Any]:
    return {"event_id": ids.event_id, "person_id": ids.person_id}


P, S, O, T, R = "public", "signed_in", "organiser", "team", "referee"

POLICY: dict[tuple[str, str], Rule] = {
    # Public pages, sign-in, health
    ("GET", "/"): Rule(P),
    ("GET", "/meets/{meet_id:int}"): Rule(P),
    ("GET", "/login"): Rule(P),
    ("POST", "/login"): Rule(P),
    ("POST", "/logout"): Rule(P),
    ("GET", "/me"): Rule(S),  # anonymous: sent to sign in
    ("GET", "/healthz"): Rule(P),
    # Organiser pages
    ("GET", "/org"): Rule(O),
    ("GET", "/org/meets/new"): Rule(O),
    ("POST", "/org/meets"): Rule(O),
    ("GET", "/org/meets/{meet_id:int}"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}"): Rule(O),
    ("GET", "/org/meets/{meet_id:int}/edit"): Rule(O),
    ("GET", "/org/meets/{meet_id:int}/venues/new"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}/venues"): Rule(O),
    ("GET", "/org/meets/{meet_id:int}/venues/{item_id:int}/edit"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}/venues/{item_id:int}"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}/venues/{item_id:int}/delete"): Rule(O),
    ("GET", "/org/meets/{meet_id:int}/events/new"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}/events"): Rule(O),
    ("GET", "/org/meets/{meet_id:int}/events/{item_id:int}/edit"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}/events/{item_id:int}"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}/events/{item_id:int}/delete"): Rule(O),
    ("GET", "/org/meets/{meet_id:int}/teams/new"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}/teams"): Rule(O),
    ("GET", "/org/meets/{meet_id:int}/teams/{item_id:int}/edit"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}/teams/{item_id:int}"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}/teams/{item_id:int}/delete"): Rule(O),
    ("GET", "/org/accounts"): Rule(O),
    ("POST", "/org/accounts"): Rule(O),
    ("GET", "/org/accounts/new"): Rule(O),
    ("GET", "/org/accounts/{user_id:int}/edit"): Rule(O),
    ("POST", "/org/accounts/{user_id:int}"): Rule(O),
    ("GET", "/org/people"): Rule(O),
    ("POST", "/org/people"): Rule(O),
    ("GET", "/org/people/new"): Rule(O),
    ("GET", "/org/people/{person_id:int}/edit"): Rule(O),
    ("POST", "/org/people/{person_id:int}"): Rule(O),
    ("GET", "/org/audit"): Rule(O),
    ("GET", "/org/meets/{meet_id:int}/entries"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}/bibs"): Rule(O, lambda ids: {"mode": "team_ranges"}),
    ("GET", "/org/meets/{meet_id:int}/entries.xlsx"): Rule(O),
    # A team's pages: its own leader and organisers
    ("GET", "/teams/{team_id:int}"): Rule(T),
    ("POST", "/teams/{team_id:int}/members"): Rule(T, person_json),
    ("POST", "/teams/{team_id:int}/members/{member_id:int}/delete"): Rule(T),
    ("GET", "/teams/{team_id:int}/entries"): Rule(T),
    ("POST", "/teams/{team_id:int}/entries"): Rule(T, entry_body),
    ("GET", "/teams/{team_id:int}/entries/print"): Rule(T),
    ("GET", "/teams/{team_id:int}/entry-form"): Rule(T),
    ("GET", "/teams/{team_id:int}/entry-form.xlsx"): Rule(T),
    ("POST", "/teams/{team_id:int}/entry-form/preview"): Rule(T),
    ("POST", "/teams/{team_id:int}/entry-form/commit"): Rule(T),
    ("GET", "/teams/{team_id:int}/entries.xlsx"): Rule(T),
    # Referees (and organisers)
    ("GET", "/referee"): Rule(R),
    ("GET", "/meets/{meet_id:int}/review"): Rule(R),
    ("POST", "/entries/{entry_id:int}/review"): Rule(R, lambda ids: {"verdict": "approve"}),
    # JSON API
    ("POST", "/api/session"): Rule(P, lambda ids: {"username": "nobody", "password": "not-the-password"}),
    ("DELETE", "/api/session"): Rule(P),
    ("GET", "/api/me"): Rule(P),
    ("GET", "/api/meets"): Rule(P),
    ("POST", "/api/meets"): Rule(O, meet_json),
    ("GET", "/api/meets/{meet_id:int}"): Rule(P),
    ("PUT", "/api/meets/{meet_id:int}"): Rule(O, meet_json),
    ("GET", "/api/meets/{meet_id:int}/venues"): Rule(P),
    ("POST", "/api/meets/{meet_id:int}/venues"): Rule(O, venue_json),
    ("PUT", "/api/meets/{meet_id:int}/venues/{item_id:int}"): Rule(O, venue_json),
    ("DELETE", "/api/meets/{meet_id:int}/venues/{item_id:int}"): Rule(O),
    ("GET", "/api/meets/{meet_id:int}/events"): Rule(P),
    ("POST", "/api/meets/{meet_id:int}/events"): Rule(O, event_json),
    ("PUT", "/api/meets/{meet_id:int}/events/{item_id:int}"): Rule(O, event_json),
    ("DELETE", "/api/meets/{meet_id:int}/events/{item_id:int}"): Rule(O),
    ("GET", "/api/meets/{meet_id:int}/teams"): Rule(P),
    ("POST", "/api/meets/{meet_id:int}/teams"): Rule(O, team_json),
    ("PUT", "/api/meets/{meet_id:int}/teams/{item_id:int}"): Rule(O, team_json),
    ("DELETE", "/api/meets/{meet_id:int}/teams/{item_id:int}"): Rule(O),
    ("GET", "/api/teams/{team_id:int}/members"): Rule(T),
    ("POST", "/api/teams/{team_id:int}/members"): Rule(T, person_json),
    ("DELETE", "/api/teams/{team_id:int}/members/{member_id:int}"): Rule(T),
    ("GET", "/api/accounts"): Rule(O),
    ("POST", "/api/accounts"): Rule(
        O, lambda ids: {"username": "jishi1", "display_name": "记时员", "password": "jishi-2026", "role": "referee"}
    ),
    ("PUT", "/api/accounts/{user_id:int}"): Rule(O, lambda ids: {"display_name": "裁判", "role": "referee"}),
    ("GET", "/api/teams/{team_id:int}/entries"): Rule(T),
    ("POST", "/api/teams/{team_id:int}/entries"): Rule(T, entry_body),
    ("PUT", "/api/teams/{team_id:int}/entries"): Rule(T, lambda ids: {"entries": {}, "dry_run": True}),
    ("DELETE", "/api/teams/{team_id:int}/entries/{event_id:int}/{person_id:int}"): Rule(T),
    ("POST", "/api/entries/{entry_id:int}/review"): Rule(R, lambda ids: {"approve": True}),
    ("POST", "/api/meets/{meet_id:int}/bibs"): Rule(O, lambda ids: {"mode": "team_ranges"}),
    # Draws (抽签与对阵): organisers draw and publish; the event page and its JSON are public
    # (drafts hidden from all but organisers). The matrix's event is athletics, so an allowed
    # organiser's draw is refused by the service (422), which is past authorization.
    ("GET", "/org/meets/{meet_id:int}/draws"): Rule(O),
    ("GET", "/org/meets/{meet_id:int}/events/{event_id:int}/draw"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}/events/{event_id:int}/draw"): Rule(O, lambda ids: {"format": "round_robin"}),
    ("POST", "/org/meets/{meet_id:int}/events/{event_id:int}/draw/publish"): Rule(O),
    ("GET", "/meets/{meet_id:int}/events/{event_id:int}"): Rule(P),
    ("GET", "/api/meets/{meet_id:int}/events/{event_id:int}/draw"): Rule(P),
    ("POST", "/api/meets/{meet_id:int}/events/{event_id:int}/draw"): Rule(O, lambda ids: {"format": "round_robin"}),
    ("POST", "/api/meets/{meet_id:int}/events/{event_id:int}/draw/publish"): Rule(O),
    # Score sheets: organisers and the match's own referees. The matrix's referee (caipan1)
    # referees track events only, so for these chess matches it is refused like a stranger.
    ("GET", "/matches/{match_id:int}/score"): Rule(O),
    ("POST", "/matches/{match_id:int}/result"): Rule(O, lambda ids: {"outcome": "played", "tally_a": "2", "tally_b": "0", "version": "0", "idempotency_key": "matrix"}),
    ("POST", "/api/matches/{match_id:int}/result"): Rule(O, lambda ids: {"idempotency_key": "matrix-api", "version": 0, "tally": [2, 0]}),
    ("GET", "/matches/{match_id:int}"): Rule(S),
    # Heats and marks of timed and measured events (web/track.py): organisers draw and publish;
    # the event's referees (caipan1 referees athletics) and organisers enter marks.
    ("GET", "/org/meets/{meet_id:int}/heats"): Rule(O),
    ("GET", "/org/meets/{meet_id:int}/events/{event_id:int}/heats"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}/events/{event_id:int}/heats"): Rule(O, lambda ids: {"stage": "final", "layout": "lanes"}),
    ("POST", "/org/meets/{meet_id:int}/events/{event_id:int}/heats/publish"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}/events/{event_id:int}/heats/discard"): Rule(O),
    ("GET", "/heats/{heat_id:int}/score"): Rule(R),
    ("POST", "/start-entries/{line_id:int}/mark"): Rule(R, lambda ids: {"mark": "12.5", "version": "0", "idempotency_key": "matrix"}),
    ("GET", "/start-entries/{line_id:int}/marks"): Rule(S),
    ("GET", "/api/meets/{meet_id:int}/events/{event_id:int}/rounds"): Rule(P),
    ("POST", "/api/meets/{meet_id:int}/events/{event_id:int}/rounds"): Rule(O, lambda ids: {"is_final": True}),
    ("POST", "/api/meets/{meet_id:int}/events/{event_id:int}/rounds/publish"): Rule(O),
    ("POST", "/api/start-entries/{line_id:int}/mark"): Rule(R, lambda ids: {"idempotency_key": "matrix-api", "version": 0, "mark": "12.5"}),
    # Records archive (web/records.py): public pages and JSON; the chief referee (caipan1 is one)
    # and organisers decide on pending records — the matrix's mark is an imported, already
    # ratified one, so an allowed decision is refused by the service (409), past authorization;
    # organisers import historical records.
    ("GET", "/records"): Rule(P),
    ("GET", "/records/{sport:str}"): Rule(P),
    ("GET", "/records/events/{code:str}"): Rule(P),
    ("GET", "/records/archive.xlsx"): Rule(P),
    ("GET", "/records/pending"): Rule(R),
    ("POST", "/records/marks/{mark_id:int}/ratify"): Rule(R),
    ("POST", "/records/marks/{mark_id:int}/reject"): Rule(R, lambda ids: {"reason": "矩阵测试"}),
    ("GET", "/records/import"): Rule(O),
    ("GET", "/records/import/template.xlsx"): Rule(O),
    ("POST", "/records/import/preview"): Rule(O),
    ("POST", "/records/import/commit"): Rule(O),
    ("GET", "/api/records"): Rule(P),
    ("GET", "/api/records/events/{code:str}"): Rule(P),
    ("GET", "/api/records/pending"): Rule(R),
    ("POST", "/api/records/marks/{mark_id:int}/ratify"): Rule(R),
    ("POST", "/api/records/marks/{mark_id:int}/reject"): Rule(R, lambda ids: {"reason": "矩阵测试"}),
    # Team points, medal table and award lists (web/awards.py) are public, with xlsx and JSON;
    # certificates (奖状) are printed by organisers only.
    ("GET", "/meets/{meet_id:int}/points"): Rule(P),
    ("GET", "/meets/{meet_id:int}/medals"): Rule(P),
    ("GET", "/meets/{meet_id:int}/awards"): Rule(P),
    ("GET", "/meets/{meet_id:int}/events/{event_id:int}/awards"): Rule(P),
    ("GET", "/meets/{meet_id:int}/awards.xlsx"): Rule(P),
    ("GET", "/meets/{meet_id:int}/events/{event_id:int}/awards.xlsx"): Rule(P),
    ("GET", "/org/meets/{meet_id:int}/certificates"): Rule(O),
    ("GET", "/org/meets/{meet_id:int}/events/{event_id:int}/certificates"): Rule(O),
    # The printed programme (秩序册) is the organisers' draft; the daily schedule, start lists and
    # result books show only what is published, to everybody (web/programme.py).
    ("GET", "/org/meets/{meet_id:int}/programme"): Rule(O),
    ("GET", "/org/meets/{meet_id:int}/programme.xlsx"): Rule(O),
    ("GET", "/meets/{meet_id:int}/schedule"): Rule(P),
    ("GET", "/meets/{meet_id:int}/schedule.xlsx"): Rule(P),
    ("GET", "/meets/{meet_id:int}/start-lists"): Rule(P),
    ("GET", "/meets/{meet_id:int}/start-lists.xlsx"): Rule(P),
    ("GET", "/meets/{meet_id:int}/results-book"): Rule(P),
    ("GET", "/meets/{meet_id:int}/events/{event_id:int}/results-book"): Rule(P),
    ("GET", "/meets/{meet_id:int}/results-book.xlsx"): Rule(P),
    ("GET", "/meets/{meet_id:int}/events/{event_id:int}/results-book.xlsx"): Rule(P),
    ("GET", "/api/meets/{meet_id:int}/points"): Rule(P),
    ("GET", "/api/meets/{meet_id:int}/medals"): Rule(P),
    ("GET", "/api/meets/{meet_id:int}/awards"): Rule(P),
    # Festival condolence visits (web/campaigns.py): organisers only — households' details are
    # private; the matrix's ids are the demo campaign's (2027年春节慰问).
    ("GET", "/org/campaigns"): Rule(O),
    ("POST", "/org/campaigns"): Rule(O, lambda ids: {"name": "矩阵慰问", "festival": "春节", "starts_on": "2027-01-01", "ends_on": "2027-01-31"}),
    ("GET", "/org/campaigns/{campaign_id:int}"): Rule(O),
    ("POST", "/org/campaigns/{campaign_id:int}"): Rule(O),
    ("POST", "/org/campaigns/{campaign_id:int}/amounts"): Rule(O),
    ("POST", "/org/campaigns/{campaign_id:int}/households"): Rule(O, lambda ids: {"name": "矩阵户", "category": "退休"}),
    ("POST", "/org/campaigns/{campaign_id:int}/draw"): Rule(O, lambda ids: {"tag": "劳模", "category": "困难劳模"}),
    ("GET", "/org/campaigns/{campaign_id:int}/households/{household_id:int}"): Rule(O),
    ("POST", "/org/campaigns/{campaign_id:int}/households/{household_id:int}"): Rule(O),
    ("POST", "/org/campaigns/{campaign_id:int}/households/{household_id:int}/review"): Rule(O, lambda ids: {"verdict": "approve"}),
    ("POST", "/org/campaigns/{campaign_id:int}/households/{household_id:int}/amount"): Rule(O),
    ("POST", "/org/campaigns/{campaign_id:int}/households/{household_id:int}/group"): Rule(O),
    ("POST", "/org/campaigns/{campaign_id:int}/households/{household_id:int}/visit"): Rule(O),
    ("POST", "/org/campaigns/{campaign_id:int}/households/{household_id:int}/delete"): Rule(O),
    ("POST", "/org/campaigns/{campaign_id:int}/groups"): Rule(O),
    ("POST", "/org/campaigns/{campaign_id:int}/groups/{group_id:int}"): Rule(O),
    ("POST", "/org/campaigns/{campaign_id:int}/groups/{group_id:int}/cancel"): Rule(O),
    ("POST", "/org/campaigns/{campaign_id:int}/groups/{group_id:int}/members"): Rule(O, lambda ids: {"name": "矩阵组员"}),
    ("POST", "/org/campaigns/{campaign_id:int}/groups/{group_id:int}/members/{visitor_id:int}/delete"): Rule(O),
    ("GET", "/org/campaigns/{campaign_id:int}/arrangement"): Rule(O),
    ("GET", "/org/campaigns/{campaign_id:int}/arrangement.xlsx"): Rule(O),
    ("GET", "/org/campaigns/{campaign_id:int}/notice"): Rule(O),
    ("GET", "/org/campaigns/{campaign_id:int}/summary"): Rule(O),
    ("GET", "/org/campaigns/{campaign_id:int}/summary.xlsx"): Rule(O),
    ("GET", "/org/campaigns/tags"): Rule(O),
    ("POST", "/org/campaigns/tags"): Rule(O, lambda ids: {"tag": "矩阵", "employee_nos": "ZJ01001"}),
    ("GET", "/org/campaigns/living-lines"): Rule(O),
    ("POST", "/org/campaigns/living-lines"): Rule(O, lambda ids: {"region": "矩阵市", "year": "2027", "line": "800"}),
    # The shared calendar (web/calendar.py): everybody sees what their role may see (the public
    # only the meets); the week list and feed management need an account; a feed URL needs no
    # session — its secret token is the key (an unknown one is 404).
    ("GET", "/calendar"): Rule(P),
    ("GET", "/api/calendar"): Rule(P),
    ("GET", "/calendar/this-week"): Rule(S),
    ("GET", "/calendar/subscribe"): Rule(S),
    ("POST", "/calendar/feeds"): Rule(S, lambda ids: {"label": "矩阵手机"}),
    ("POST", "/calendar/feeds/{feed_id:int}/revoke"): Rule(S),
    ("GET", "/calendar/feed/{name:str}"): Rule(P),
    # 联手兴家 pairings and meetings, member occasions (web/activities.py): organisers only.
    ("GET", "/org/pairings"): Rule(O),
    ("POST", "/org/pairings"): Rule(O, lambda ids: {"name": "矩阵结对", "model_unit": "二车间", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}),
    ("GET", "/org/pairings/report"): Rule(O),
    ("GET", "/org/pairings/report.xlsx"): Rule(O),
    ("GET", "/org/pairings/{pairing_id:int}"): Rule(O),
    ("POST", "/org/pairings/{pairing_id:int}"): Rule(O),
    ("POST", "/org/pairings/{pairing_id:int}/partners"): Rule(O, lambda ids: {"unit": "矩阵单位", "level": "合格"}),
    ("POST", "/org/pairings/{pairing_id:int}/partners/{partner_id:int}"): Rule(O, lambda ids: {"unit": "三车间"}),
    ("POST", "/org/pairings/{pairing_id:int}/partners/{partner_id:int}/level"): Rule(O, lambda ids: {"level": "模范", "changed_on": "2027-01-01"}),
    ("POST", "/org/pairings/{pairing_id:int}/series"): Rule(O),
    ("GET", "/org/pairings/{pairing_id:int}/series/{series_id:int}"): Rule(O),
    ("POST", "/org/pairings/{pairing_id:int}/series/{series_id:int}"): Rule(O),
    ("GET", "/org/pairings/{pairing_id:int}/series/{series_id:int}/occurrences/{key:str}"): Rule(O),
    ("POST", "/org/pairings/{pairing_id:int}/series/{series_id:int}/occurrences/{key:str}/record"): Rule(O),
    ("POST", "/org/pairings/{pairing_id:int}/series/{series_id:int}/occurrences/{key:str}/move"): Rule(O),
    ("POST", "/org/pairings/{pairing_id:int}/series/{series_id:int}/occurrences/{key:str}/cancel"): Rule(O),
    ("POST", "/org/pairings/{pairing_id:int}/series/{series_id:int}/occurrences/{key:str}/restore"): Rule(O),
    ("GET", "/org/occasions"): Rule(O),
    ("POST", "/org/occasions"): Rule(O, lambda ids: {"kind": "other", "title": "矩阵活动", "occurs_on": "2027-05-01"}),
    ("POST", "/org/occasions/lunar"): Rule(O, lambda ids: {"person_id": str(ids.person_id), "month": "8", "day": "15"}),
    ("GET", "/org/occasions/{occasion_id:int}"): Rule(O),
    ("POST", "/org/occasions/{occasion_id:int}"): Rule(O),
    ("POST", "/org/occasions/{occasion_id:int}/cancel"): Rule(O),
    ("GET", "/api/pairings"): Rule(O),
    ("GET", "/api/pairings/report"): Rule(O),
    ("POST", "/api/pairings/{pairing_id:int}/series/{series_id:int}/occurrences/{key:str}/record"): Rule(O, lambda ids: {"minutes": "", "held": ""}),
    ("GET", "/api/occasions/reminders"): Rule(O),
    # The meet timetable (web/timetable.py): organisers build, improve, pin, move and publish it;
    # everybody reads the published one; a team's and an athlete's own schedule (page and .ics)
    # are for that team's leader and organisers.
    ("GET", "/org/meets/{meet_id:int}/timetable"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}/timetable/settings"): Rule(O, lambda ids: {"min_rest": "15", "improve_seconds": "1", "ceremony_minutes": "30"}),
    ("POST", "/org/meets/{meet_id:int}/timetable/generate"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}/timetable/{timetable_id:int}/resolve"): Rule(O),
    ("GET", "/org/meets/{meet_id:int}/timetable/{timetable_id:int}/progress"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}/timetable/{timetable_id:int}/publish"): Rule(O),
    ("POST", "/org/meets/{meet_id:int}/timetable/{timetable_id:int}/pin"): Rule(O, lambda ids: {"item_key": "none", "pinned": "1"}),
    ("POST", "/org/meets/{meet_id:int}/timetable/{timetable_id:int}/move"): Rule(O, lambda ids: {"item_key": "none", "day": "2000-01-01", "at": "09:00"}),
    ("GET", "/meets/{meet_id:int}/timetable"): Rule(P),
    ("GET", "/meets/{meet_id:int}/timetable/teams/{team_id:int}"): Rule(T),
    ("GET", "/meets/{meet_id:int}/timetable/teams/{team_id:int}/calendar.ics"): Rule(T),
    ("GET", "/meets/{meet_id:int}/timetable/people/{person_id:int}"): Rule(T),
    ("GET", "/meets/{meet_id:int}/timetable/people/{person_id:int}/calendar.ics"): Rule(T),
    ("GET", "/api/meets/{meet_id:int}/timetable"): Rule(P),
    ("POST", "/api/meets/{meet_id:int}/timetable/generate"): Rule(O),
    ("GET", "/api/meets/{meet_id:int}/timetable/{timetable_id:int}/progress"): Rule(O),
    ("POST", "/api/meets/{meet_id:int}/timetable/{timetable_id:int}/publish"): Rule(O),
}

assert all(rule.policy in ALLOWED for rule in POLICY.values())


@pytest.fixture(scope="module")
def shared_app() -> Litestar:
    """One app for the module (building it costs more than a test's requests); each test
    points it at its own fresh copy of the demo database."""
    url = "sqlite+aiosqlite:///:memory:"  # never connected: every test sets its own database
    return create_app(Settings(database_url=url, secret=TEST_SECRET), Database(url))


@pytest.fixture
def app(shared_app: Litestar, demo_db: Database) -> Litestar:
    shared_app.state.db = demo_db
    return shared_app


def app_routes(app: Litestar) -> set[tuple[str, str]]:
    """(method, path template) of every route the app answers, Litestar's own excluded."""
    return {
        (method, route.path)
        for route in app.routes
        if isinstance(route, HTTPRoute) and route.path not in NOT_COVERED
        for method in route.route_handler_map
        if method not in AUTOMATIC_METHODS
    }


def test_every_route_has_a_policy(shared_app: Litestar) -> None:
    routes = app_routes(shared_app)
    missing = sorted(routes - set(POLICY))
    stale = sorted(set(POLICY) - routes)
    assert not missing, "routes without a policy in tests/test_authorization_matrix.py POLICY: " + ", ".join(
        f"{m} {p}" for m, p in missing
    )
    assert not stale, "POLICY entries no route answers: " + ", ".join(f"{m} {p}" for m, p in stale)


def _param_value(name: str, path: str, ids: Ids) -> int:
    if name == "meet_id":
        return ids.demo.meet_id
    if name == "team_id":
        return ids.team_id
    if name == "member_id":
        return ids.demo.member_ids[ids.team_id][0]
    if name == "person_id":
        return ids.person_id
    if name == "event_id":
        return ids.event_id
    if name == "entry_id":
        return ids.entry_id
    if name == "match_id":
        return ids.values["match_id"]
    if name in ("heat_id", "line_id"):
        return ids.values[name]
    if name == "user_id":
        return ids.demo.user_ids["caipan2"]
    if name == "mark_id":
        return ids.values["mark_id"]
    if name == "feed_id":
        return 999_999  # nobody's feed: allowed actors get 404, never 401/403
    if name == "name":
        return "not-a-feed-token.ics"  # type: ignore[return-value]
    if name in ("campaign_id", "household_id", "group_id", "visitor_id"):
        return ids.values[name]
    if name == "timetable_id":
        return ids.values[name]
    if name in ("pairing_id", "partner_id", "series_id", "key", "occasion_id"):
        return ids.values[name]
    if name == "sport":
        return "athletics"  # type: ignore[return-value]
    if name == "code":
        return "ATH-100M-M"  # type: ignore[return-value]
    if name == "item_id":
        kind = path.split("/{item_id")[0].rsplit("/", 1)[1]
        if kind == "venues":
            return ids.demo.venue_ids["田径场"]
        if kind == "events":
            return ids.event_id
        if kind == "teams":
            return ids.demo.team_ids["财务部"]
    raise AssertionError(f"no demo id for {{{name}}} in {path}: teach _param_value")


async def _a_record_mark(db: Database) -> int:
    """A mark of the demo's records archive (imported, so already ratified)."""
    from events.models import RecordMark

    async with db.read() as session:
        mark_id = await session.scalar(select(RecordMark.id).order_by(RecordMark.id).limit(1))
    assert mark_id is not None
    return mark_id


async def _demo_campaign_ids(db: Database) -> dict[str, int]:
    """The demo campaign (2027年春节慰问), its first household, group and group member."""
    from events.models import Beneficiary, Campaign, VisitGroup, VisitGroupMember

    async with db.read() as session:
        campaign_id = await session.scalar(select(Campaign.id).order_by(Campaign.id).limit(1))
        household_id = await session.scalar(select(Beneficiary.id).where(Beneficiary.campaign_id == campaign_id).order_by(Beneficiary.id).limit(1))
        group_id = await session.scalar(select(VisitGroup.id).where(VisitGroup.campaign_id == campaign_id).order_by(VisitGroup.id).limit(1))
        visitor_id = await session.scalar(select(VisitGroupMember.id).where(VisitGroupMember.group_id == group_id).order_by(VisitGroupMember.id).limit(1))
    assert None not in (campaign_id, household_id, group_id, visitor_id)
    return {"campaign_id": campaign_id, "household_id": household_id, "group_id": group_id, "visitor_id": visitor_id}  # type: ignore[dict-item]


async def _demo_activity_ids(db: Database, demo: DemoMeet) -> dict[str, Any]:
    """The demo pairing, its first partner, its 月会办 series and next planned meeting, the first occasion."""
    from events import pairings
    from events.activity_models import MeetingSeries, MemberOccasion, Pairing, PairingPartner

    async with db.read() as session:
        pairing_id = await session.scalar(select(Pairing.id).order_by(Pairing.id).limit(1))
        partner_id = await session.scalar(select(PairingPartner.id).where(PairingPartner.pairing_id == pairing_id).order_by(PairingPartner.id).limit(1))
        series_id = await session.scalar(select(MeetingSeries.id).where(MeetingSeries.pairing_id == pairing_id).order_by(MeetingSeries.id).limit(1))
        occasion_id = await session.scalar(select(MemberOccasion.id).order_by(MemberOccasion.id).limit(1))
    assert None not in (pairing_id, partner_id, series_id, occasion_id)
    _, _, views = await pairings.series_schedule(db, demo.actor(ORGANISER), series_id)  # type: ignore[arg-type]
    key = next(v.key for v in views if v.status == "planned")
    return {"pairing_id": pairing_id, "partner_id": partner_id, "series_id": series_id, "key": key, "occasion_id": occasion_id}


async def _published_chess_match(db: Database, demo: DemoMeet) -> int:
    """A ready match of a published chess knockout between 一车间 and 二车间."""
    organiser = demo.actor(ORGANISER)
    event_id = demo.event_ids["XQ"]
    for username in (LEADER, OTHER_LEADER):
        team_id = demo.team_of(username)
        await registration.enter(db, organiser, team_id=team_id, event_id=event_id, person_id=demo.person_ids[team_id][1])
    await draws.generate(db, organiser, demo.meet_id, event_id, draws.DrawRequest(format="knockout", seed=1))
    await draws.publish(db, organiser, demo.meet_id, event_id)
    async with db.read() as session:
        match_id = await session.scalar(select(Match.id).where(Match.event_id == event_id, Match.status == "ready"))
    assert match_id is not None
    return match_id


async def _published_heat(db: Database, demo: DemoMeet, event_id: int) -> tuple[int, int]:
    """The published final of 男子100米 (one entrant of 一车间): its heat and its one line."""
    from events import race_rounds
    from events.models import StartEntry

    organiser = demo.actor(ORGANISER)
    await race_rounds.draw_round(db, organiser, demo.meet_id, event_id, race_rounds.RoundRequest(seed=1))
    await race_rounds.publish_round(db, organiser, demo.meet_id, event_id)
    async with db.read() as session:
        line = (await session.scalars(select(StartEntry).where(StartEntry.event_id == event_id))).one()
    return line.heat_id, line.id


def build_url(path: str, ids: Ids) -> str:
    return re.sub(r"\{(\w+):\w+\}", lambda m: str(_param_value(m.group(1), path, ids)), path)


async def send(client: Client, method: str, url: str, body: dict[str, Any] | None) -> httpx.Response:
    if url.startswith("/api/"):
        return await client.api(method, url, body if body is not None or method in ("GET", "DELETE") else {})
    if method == "GET":
        return await client.get(url)
    assert method == "POST", f"pages answer GET and POST only, not {method} {url}"
    return await client.post_form(url, body or {})


def refused_as_expected(actor: str, url: str, response: httpx.Response) -> bool:
    if actor == ANONYMOUS:
        if url.startswith("/api/"):
            return response.status_code == 401
        return response.status_code == 303 and response.headers["location"].startswith("/login")
    return response.status_code == 403


def allowed_as_expected(response: httpx.Response) -> bool:
    if response.status_code in (401, 403) or response.status_code >= 500:
        return False
    return not (response.status_code in (302, 303) and response.headers.get("location", "").startswith("/login"))


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(("method", "path"), sorted(POLICY), ids=[f"{m} {p}" for m, p in sorted(POLICY)])
async def test_route_policy(
    method: str, path: str, clients: Callable[..., Awaitable[Client]], demo: DemoMeet, demo_db: Database
) -> None:
    rule = POLICY[(method, path)]
    # One entry of 一车间 in an athletics event, so review routes have something to review.
    entered = await registration.enter(
        demo_db, demo.actor(ORGANISER), team_id=demo.team_of(LEADER), event_id=demo.event_ids["ATH-100M-M"],
        person_id=demo.person_ids[demo.team_of(LEADER)][0],
    )
    ids = Ids(demo=demo, entry_id=entered.entry.id)
    if "{match_id" in path:
        ids.values["match_id"] = await _published_chess_match(demo_db, demo)
    if "{heat_id" in path or "{line_id" in path:
        ids.values["heat_id"], ids.values["line_id"] = await _published_heat(demo_db, demo, ids.event_id)
    if "{mark_id" in path:
        ids.values["mark_id"] = await _a_record_mark(demo_db)
    if "{campaign_id" in path:
        ids.values.update(await _demo_campaign_ids(demo_db))
    if path.startswith(("/org/pairings/{", "/org/occasions/{", "/api/pairings/{")):
        ids.values.update(await _demo_activity_ids(demo_db, demo))
    if "timetable" in path:  # runs in the background end within a second, before the test does
        await timetable.save_settings(demo_db, demo.actor(ORGANISER), demo.meet_id, timetable.SettingsInput(improve_seconds=1))
        if "{timetable_id" in path:
            ids.values["timetable_id"] = (await timetable.generate(demo_db, demo.actor(ORGANISER), demo.meet_id)).id
    url = build_url(path, ids)
    body = rule.body(ids) if rule.body else None
    allowed = ALLOWED[rule.policy]
    failures = []
    csrf = ""
    # Refused actors first, so an allowed actor's change cannot turn a refusal into a 404.
    for actor in sorted(ACTORS, key=lambda a: a in allowed):
        client = await clients(ACTORS[actor])
        if csrf:
            client.set_cookie(CSRF_COOKIE, csrf)
        csrf = await client.csrf_token()
        response = await send(client, method, url, body)
        ok = allowed_as_expected(response) if actor in allowed else refused_as_expected(actor, url, response)
        if not ok:
            verdict = "allowed" if actor in allowed else "refused"
            failures.append(f"{actor} should be {verdict}: {response.status_code} {response.text[:200]!r}")
    await timetable.wait_for_improvements()
    assert not failures, f"{method} {url} (policy {rule.policy}):\n" + "\n".join(failures)
