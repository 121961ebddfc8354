"""Team points (团体总分), the medal table (奖牌榜), award lists (获奖名单) and certificates (奖状).

- Everybody sees the team totals with each team's points by event and the medal table; both
  refresh themselves every 30 seconds (HTMX polling) while results arrive, and print on A4.
- Everybody sees and exports (xlsx) the award list of one event or of the whole meet.
- Organisers print certificates, one A4 landscape page each, for one event or the whole meet.

The services decide (events.team_points, events.awards); this module turns them into pages,
workbooks and JSON.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.params import FromPath, FromQuery

from events import awards, team_points
from events.meets import SHANGHAI
from events.records import FLAG_LABELS
from web.auth import actor_of, organiser_only
from web.entry_forms import xlsx_response
from web.public import db_of
from web.render import page, page_or_partial

POLL = "every 30s"
FLAG_CLASS = {"record": "record", "equal": "rec-equal"}


def _now() -> str:
    return dt.datetime.now(SHANGHAI).strftime("%H:%M")


def _context() -> dict[str, Any]:
    return {"POLL": POLL, "FLAGS": FLAG_LABELS, "FLAG_CLASS": FLAG_CLASS, "updated": _now(), "number_text": team_points.number_text}


# Team points and medals --------------------------------------------------------------------------


@get("/meets/{meet_id:int}/points", name="team_points")
async def points_page(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    """团体总分: the team totals and each team's points by event; HTMX polls the partial."""
    s = await team_points.standings(db_of(request), meet_id)
    return page_or_partial(request, "awards/points.html", "awards/partials/points.html", s=s, meet=s.meet, **_context())


@get("/meets/{meet_id:int}/medals", name="medal_table")
async def medals_page(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    """奖牌榜: gold, silver, bronze (first, second, third awarded places) by team."""
    s = await team_points.standings(db_of(request), meet_id)
    return page_or_partial(request, "awards/medals.html", "awards/partials/medals.html", s=s, meet=s.meet, **_context())


# Award lists ---------------------------------------------------------------------------------------


@get("/meets/{meet_id:int}/awards", name="award_list")
async def award_list_page(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    a = await awards.award_list(db_of(request), meet_id)
    return page(request, "awards/list.html", a=a, meet=a.meet, **_context())


@get("/meets/{meet_id:int}/events/{event_id:int}/awards", name="event_award_list")
async def event_award_list_page(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int]) -> Any:
    a = await awards.award_list(db_of(request), meet_id, event_id)
    return page(request, "awards/list.html", a=a, meet=a.meet, **_context())


@get("/meets/{meet_id:int}/awards.xlsx", name="award_list_xlsx")
async def award_list_xlsx(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Response[bytes]:
    filename, data = await awards.award_list_xlsx(db_of(request), meet_id)
    return xlsx_response(filename, data, "awards.xlsx")


@get("/meets/{meet_id:int}/events/{event_id:int}/awards.xlsx", name="event_award_list_xlsx")
async def event_award_list_xlsx(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int]) -> Response[bytes]:
    filename, data = await awards.award_list_xlsx(db_of(request), meet_id, event_id)
    return xlsx_response(filename, data, "event-awards.xlsx")


# Certificates ------------------------------------------------------------------------------------------


@get("/org/meets/{meet_id:int}/certificates", name="certificates", guards=[organiser_only])
async def certificates_page(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Any:
    c = await awards.certificates(db_of(request), actor_of(request), meet_id)
    return page(request, "awards/certificates.html", c=c, meet=c.meet, **_context())


@get("/org/meets/{meet_id:int}/events/{event_id:int}/certificates", name="event_certificates", guards=[organiser_only])
async def event_certificates_page(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromPath[int]) -> Any:
    c = await awards.certificates(db_of(request), actor_of(request), meet_id, event_id)
    return page(request, "awards/certificates.html", c=c, meet=c.meet, **_context())


# JSON API ----------------------------------------------------------------------------------------------


class PointsRulesOut(msgspec.Struct):
    points: list[float]  # by place: 7, 5, 4, 3, 2, 1
    team_event_multiplier: float  # relays and team events
    short_field_reduction: int | None  # a small event scores its entrants minus this; None: off
    summary: str


class ScoredOut(msgspec.Struct):
    event_id: int
    event_name: str
    place: int
    tied: bool
    name: str
    points: float
    complete: bool


class TeamPointsOut(msgspec.Struct):
    place: int
    team_id: int
    team_name: str
    points: float
    places: list[int]  # how many 1st, 2nd, … places (the tie-break)
    scored: list[ScoredOut]


class PointsOut(msgspec.Struct):
    meet_id: int
    provisional: bool  # some event is not decided yet
    events: int
    decided: int
    rules: PointsRulesOut
    tie_break: str
    teams: list[TeamPointsOut]


class MedalOut(msgspec.Struct):
    place: int
    team_id: int
    team_name: str
    gold: int
    silver: int
    bronze: int
    total: int


class MedalsOut(msgspec.Struct):
    meet_id: int
    provisional: bool
    events: int
    decided: int
    medals: list[MedalOut]


class AwardOut(msgspec.Struct):
    event_id: int
    event_name: str
    place: int
    place_text: str  # 第一名
    tied: bool
    name: str
    team_name: str
    members: list[str]
    mark: str
    record_flag: str | None  # record / equal
    record_label: str  # 破纪录 / 平纪录
    complete: bool  # False: provisional (暂定)


class AwardsOut(msgspec.Struct):
    meet_id: int
    event_id: int | None
    awards: list[AwardOut]


@get("/api/meets/{meet_id:int}/points", name="api_team_points")
async def api_points(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> PointsOut:
    """Team totals (团体总分), best first, with each team's points by event."""
    s = await team_points.standings(db_of(request), meet_id)
    r = s.rules
    return PointsOut(
        meet_id=meet_id, provisional=s.provisional, events=len(s.events), decided=s.decided,
        rules=PointsRulesOut(list(r.points), r.team_event_multiplier, r.short_field_reduction, s.summary),
        tie_break=s.tie_break,
        teams=[
            TeamPointsOut(
                place=t.row.place, team_id=t.team.id, team_name=t.team.name, points=t.row.points, places=list(t.row.places),
                scored=[ScoredOut(x.event_id, x.event_name, x.place, x.tied, x.name, x.points, x.complete) for x in t.scored],
            )
            for t in s.teams
        ],
    )


@get("/api/meets/{meet_id:int}/medals", name="api_medal_table")
async def api_medals(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> MedalsOut:
    """The medal table (奖牌榜): teams by golds, then silvers, then bronzes."""
    s = await team_points.standings(db_of(request), meet_id)
    return MedalsOut(
        meet_id=meet_id, provisional=s.provisional, events=len(s.events), decided=s.decided,
        medals=[
            MedalOut(m.row.place, m.team.id, m.team.name, m.row.gold, m.row.silver, m.row.bronze, m.row.total) for m in s.medals
        ],
    )


@get("/api/meets/{meet_id:int}/awards", name="api_award_list")
async def api_awards(request: Request[Any, Any, Any], meet_id: FromPath[int], event_id: FromQuery[int | None] = None) -> AwardsOut:
    """The award list (获奖名单) of the meet, or of one event with ``?event_id=``."""
    a = await awards.award_list(db_of(request), meet_id, event_id)
    return AwardsOut(
        meet_id=meet_id, event_id=event_id,
        awards=[
            AwardOut(
                r.event_id, r.event_name, r.place, r.place_text, r.tied, r.name, r.team_name, list(r.members), r.mark,
                r.record_flag, r.record_label, r.complete,
            )
            for r in a.rows
        ],
    )


ROUTES = [
    points_page,
    medals_page,
    award_list_page,
    event_award_list_page,
    award_list_xlsx,
    event_award_list_xlsx,
    certificates_page,
    event_certificates_page,
    api_points,
    api_medals,
    api_awards,
]
