"""联手兴家 pairings and meetings, and member occasions (职工关怀), for organisers.

Pages: the pairings with their counts and overdue alerts; a pairing (partners with their level
and history, meeting series with the next occurrences); a series' whole schedule; one
occurrence (record minutes, attendance and outcomes; move; cancel; restore); the yearly counts
report (print and xlsx); the occasions page (upcoming birthdays, Gregorian and lunar, other
occasions, reminders) and one occasion. Every route is for organisers only (the guard, and
again the services); refusals come back in Chinese in the page's message area.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, JSONBody

from events import occasions, pairings
from events.activity_models import PartnerLevel
from events.occasions import LunarBirthdayInput, OccasionInput
from events.pairings import LevelInput, MoveInput, PairingInput, PartnerInput, RecordInput, SeriesInput
from web.auth import actor_of, organiser_only
from web.entry_forms import xlsx_response
from web.forms import parse
from web.public import db_of
from web.render import go, page

BASE = "/org/pairings"
OCCASIONS = "/org/occasions"
GUARDS = [organiser_only]
OCCASION_WINDOW_DAYS = 60


def _context() -> dict[str, Any]:
    return {
        "MEETING_KINDS": pairings.KIND_LABELS, "PRESET_LABELS": pairings.PRESET_LABELS,
        "KIND_PRESETS": pairings.KIND_PRESETS, "LEVELS": [level.value for level in PartnerLevel],
        "STATUS_LABELS": pairings.STATUS_LABELS, "rule_label": pairings.rule_label, "OCCASION_KINDS": occasions.KIND_LABELS, "today": occasions.today_local(),
    }


# Pairings ----------------------------------------------------------------------------------------


@get(BASE, name="pairings", guards=GUARDS)
async def pairing_list(request: Request[Any, Any, Any]) -> Any:
    found = await pairings.list_pairings(db_of(request), actor_of(request))
    return page(request, "activities/pairings.html", summaries=found, **_context())


@post(BASE, name="pairing_create", guards=GUARDS)
async def pairing_create(request: Request[Any, Any, Any]) -> Any:
    pairing = await pairings.save_pairing(db_of(request), actor_of(request), parse(await request.form(), PairingInput))
    return go(request, f"{BASE}/{pairing.id}")


@get(BASE + "/report", name="pairing_report", guards=GUARDS)
async def pairing_report(request: Request[Any, Any, Any]) -> Any:
    report = await pairings.activity_counts(db_of(request), actor_of(request))
    return page(request, "activities/report.html", report=report, **_context())


@get(BASE + "/report.xlsx", name="pairing_report_xlsx", guards=GUARDS)
async def pairing_report_xlsx(request: Request[Any, Any, Any]) -> Response[bytes]:
    filename, data = await pairings.counts_xlsx(db_of(request), actor_of(request))
    return xlsx_response(filename, data, "pairing-counts.xlsx")


@get(BASE + "/{pairing_id:int}", name="pairing", guards=GUARDS)
async def pairing_page(request: Request[Any, Any, Any], pairing_id: FromPath[int]) -> Any:
    view = await pairings.pairing_page(db_of(request), actor_of(request), pairing_id)
    return page(request, "activities/pairing.html", v=view, p=view.pairing, **_context())


@post(BASE + "/{pairing_id:int}", name="pairing_update", guards=GUARDS)
async def pairing_update(request: Request[Any, Any, Any], pairing_id: FromPath[int]) -> Any:
    await pairings.save_pairing(db_of(request), actor_of(request), parse(await request.form(), PairingInput), pairing_id)
    return go(request, f"{BASE}/{pairing_id}")


@post(BASE + "/{pairing_id:int}/partners", name="pairing_partner_add", guards=GUARDS)
async def partner_add(request: Request[Any, Any, Any], pairing_id: FromPath[int]) -> Any:
    await pairings.add_partner(db_of(request), actor_of(request), pairing_id, parse(await request.form(), PartnerInput))
    return go(request, f"{BASE}/{pairing_id}#partners")


@post(BASE + "/{pairing_id:int}/partners/{partner_id:int}", name="pairing_partner_edit", guards=GUARDS)
async def partner_edit(request: Request[Any, Any, Any], pairing_id: FromPath[int], partner_id: FromPath[int]) -> Any:
    await pairings.edit_partner(
        db_of(request), actor_of(request), partner_id, parse(await request.form(), PartnerInput), pairing_id=pairing_id
    )
    return go(request, f"{BASE}/{pairing_id}#partners")


@post(BASE + "/{pairing_id:int}/partners/{partner_id:int}/level", name="pairing_partner_level", guards=GUARDS)
async def partner_level(request: Request[Any, Any, Any], pairing_id: FromPath[int], partner_id: FromPath[int]) -> Any:
    await pairings.set_partner_level(
        db_of(request), actor_of(request), partner_id, parse(await request.form(), LevelInput), pairing_id=pairing_id
    )
    return go(request, f"{BASE}/{pairing_id}#partners")


@post(BASE + "/{pairing_id:int}/series", name="meeting_series_add", guards=GUARDS)
async def series_add(request: Request[Any, Any, Any], pairing_id: FromPath[int]) -> Any:
    series = await pairings.save_series(db_of(request), actor_of(request), pairing_id, parse(await request.form(), SeriesInput))
    return go(request, f"{BASE}/{pairing_id}/series/{series.id}")


@get(BASE + "/{pairing_id:int}/series/{series_id:int}", name="meeting_series", guards=GUARDS)
async def series_page(request: Request[Any, Any, Any], pairing_id: FromPath[int], series_id: FromPath[int]) -> Any:
    pairing, series, views = await pairings.series_schedule(db_of(request), actor_of(request), series_id, pairing_id=pairing_id)
    return page(request, "activities/series.html", p=pairing, s=series, views=views, **_context())


@post(BASE + "/{pairing_id:int}/series/{series_id:int}", name="meeting_series_update", guards=GUARDS)
async def series_update(request: Request[Any, Any, Any], pairing_id: FromPath[int], series_id: FromPath[int]) -> Any:
    await pairings.save_series(db_of(request), actor_of(request), pairing_id, parse(await request.form(), SeriesInput), series_id)
    return go(request, f"{BASE}/{pairing_id}/series/{series_id}")


def _occurrence_url(pairing_id: int, series_id: int, key: str) -> str:
    return f"{BASE}/{pairing_id}/series/{series_id}/occurrences/{key}"


@get(BASE + "/{pairing_id:int}/series/{series_id:int}/occurrences/{key:str}", name="meeting_occurrence", guards=GUARDS)
async def occurrence_page(request: Request[Any, Any, Any], pairing_id: FromPath[int], series_id: FromPath[int], key: FromPath[str]) -> Any:
    pairing, view = await pairings.get_occurrence(
        db_of(request), actor_of(request), series_id, pairings.parse_key(key), pairing_id=pairing_id
    )
    return page(request, "activities/occurrence.html", p=pairing, o=view, **_context())


@post(BASE + "/{pairing_id:int}/series/{series_id:int}/occurrences/{key:str}/record", name="meeting_record", guards=GUARDS)
async def occurrence_record(request: Request[Any, Any, Any], pairing_id: FromPath[int], series_id: FromPath[int], key: FromPath[str]) -> Any:
    await pairings.record_occurrence(
        db_of(request), actor_of(request), series_id, pairings.parse_key(key), parse(await request.form(), RecordInput),
        pairing_id=pairing_id,
    )
    return go(request, _occurrence_url(pairing_id, series_id, key))


@post(BASE + "/{pairing_id:int}/series/{series_id:int}/occurrences/{key:str}/move", name="meeting_move", guards=GUARDS)
async def occurrence_move(request: Request[Any, Any, Any], pairing_id: FromPath[int], series_id: FromPath[int], key: FromPath[str]) -> Any:
    await pairings.move_occurrence(
        db_of(request), actor_of(request), series_id, pairings.parse_key(key), parse(await request.form(), MoveInput),
        pairing_id=pairing_id,
    )
    return go(request, _occurrence_url(pairing_id, series_id, key))


@post(BASE + "/{pairing_id:int}/series/{series_id:int}/occurrences/{key:str}/cancel", name="meeting_cancel", guards=GUARDS)
async def occurrence_cancel(request: Request[Any, Any, Any], pairing_id: FromPath[int], series_id: FromPath[int], key: FromPath[str]) -> Any:
    form = await request.form()
    await pairings.cancel_occurrence(
        db_of(request), actor_of(request), series_id, pairings.parse_key(key), str(form.get("reason") or ""), pairing_id=pairing_id
    )
    return go(request, _occurrence_url(pairing_id, series_id, key))


@post(BASE + "/{pairing_id:int}/series/{series_id:int}/occurrences/{key:str}/restore", name="meeting_restore", guards=GUARDS)
async def occurrence_restore(request: Request[Any, Any, Any], pairing_id: FromPath[int], series_id: FromPath[int], key: FromPath[str]) -> Any:
    await pairings.restore_occurrence(db_of(request), actor_of(request), series_id, pairings.parse_key(key), pairing_id=pairing_id)
    return go(request, _occurrence_url(pairing_id, series_id, key))


# Occasions ----------------------------------------------------------------------------------------


@get(OCCASIONS, name="occasions", guards=GUARDS)
async def occasion_list(request: Request[Any, Any, Any]) -> Any:
    db, actor = db_of(request), actor_of(request)
    today = occasions.today_local()
    until = today + dt.timedelta(days=OCCASION_WINDOW_DAYS)
    born = await occasions.birthdays(db, actor, today, until)
    lunar = [b for b in await occasions.birthdays(db, actor, dt.date(today.year, 1, 1), dt.date(today.year + 1, 1, 1)) if b.lunar]
    return page(
        request, "activities/occasions.html", birthdays=born, lunar=lunar, until=until,
        others=await occasions.list_occasions(db, actor, today - dt.timedelta(days=30), until + dt.timedelta(days=305)),
        reminders=await occasions.reminders(db, actor, today=today), people=await occasions.people_choices(db, actor),
        **_context(),
    )


@post(OCCASIONS, name="occasion_create", guards=GUARDS)
async def occasion_create(request: Request[Any, Any, Any]) -> Any:
    await occasions.save_occasion(db_of(request), actor_of(request), parse(await request.form(), OccasionInput))
    return go(request, OCCASIONS)


@post(OCCASIONS + "/lunar", name="occasion_lunar_birthday", guards=GUARDS)
async def lunar_birthday(request: Request[Any, Any, Any]) -> Any:
    form = await request.form()
    person_id = occasions.chosen_person(str(form.get("person_id") or ""))
    await occasions.set_lunar_birthday(db_of(request), actor_of(request), person_id, parse(form, LunarBirthdayInput))
    return go(request, OCCASIONS + "#lunar")


@get(OCCASIONS + "/{occasion_id:int}", name="occasion", guards=GUARDS)
async def occasion_page(request: Request[Any, Any, Any], occasion_id: FromPath[int]) -> Any:
    db, actor = db_of(request), actor_of(request)
    view = await occasions.get_occasion(db, actor, occasion_id)
    people = await occasions.people_choices(db, actor)
    return page(request, "activities/occasion.html", v=view, o=view.occasion, people=people, **_context())


@post(OCCASIONS + "/{occasion_id:int}", name="occasion_update", guards=GUARDS)
async def occasion_update(request: Request[Any, Any, Any], occasion_id: FromPath[int]) -> Any:
    await occasions.save_occasion(db_of(request), actor_of(request), parse(await request.form(), OccasionInput), occasion_id)
    return go(request, f"{OCCASIONS}/{occasion_id}")


@post(OCCASIONS + "/{occasion_id:int}/cancel", name="occasion_cancel", guards=GUARDS)
async def occasion_cancel(request: Request[Any, Any, Any], occasion_id: FromPath[int]) -> Any:
    await occasions.cancel_occasion(db_of(request), actor_of(request), occasion_id)
    return go(request, f"{OCCASIONS}/{occasion_id}")


# JSON API ----------------------------------------------------------------------------------------


class OccurrenceOut(msgspec.Struct):
    series_id: int
    key: str
    title: str
    kind: str
    start: dt.datetime  # naive, Asia/Shanghai wall clock
    end: dt.datetime
    status: str  # planned | held | cancelled | overdue
    moved: bool
    url: str


class PartnerOut(msgspec.Struct):
    id: int
    unit: str
    level: str


class PairingOut(msgspec.Struct):
    id: int
    name: str
    model_unit: str
    starts_on: dt.date
    ends_on: dt.date
    partners: list[PartnerOut]
    held_total: int
    held_this_year: int
    overdue: list[OccurrenceOut]
    next_meeting: OccurrenceOut | None


class CountOut(msgspec.Struct):
    pairing_id: int
    name: str
    by_year: dict[int, int]
    by_kind: dict[str, int]
    total: int


class ReminderOut(msgspec.Struct):
    on: dt.date
    title: str
    kind: str
    days_left: int
    url: str


def _occurrence_out(view: pairings.OccurrenceView) -> OccurrenceOut:
    occ = view.occurrence
    return OccurrenceOut(view.series.id, view.key, view.title, view.series.kind, occ.start, occ.end, str(view.status), occ.moved, view.url)


@get("/api/pairings", name="api_pairings", guards=GUARDS)
async def api_pairings(request: Request[Any, Any, Any]) -> list[PairingOut]:
    found = await pairings.list_pairings(db_of(request), actor_of(request))
    return [
        PairingOut(
            s.pairing.id, s.pairing.name, s.pairing.model_unit, s.pairing.starts_on, s.pairing.ends_on,
            [PartnerOut(p.id, p.unit, p.level) for p in s.partners], s.held_total, s.held_this_year,
            [_occurrence_out(v) for v in s.overdue], _occurrence_out(s.next_meeting) if s.next_meeting else None,
        )
        for s in found
    ]


@get("/api/pairings/report", name="api_pairing_report", guards=GUARDS)
async def api_pairing_report(request: Request[Any, Any, Any]) -> list[CountOut]:
    report = await pairings.activity_counts(db_of(request), actor_of(request))
    return [CountOut(r.pairing.id, r.pairing.name, r.by_year, r.by_kind, r.total) for r in report.rows]


@post("/api/pairings/{pairing_id:int}/series/{series_id:int}/occurrences/{key:str}/record", name="api_meeting_record", guards=GUARDS)
async def api_occurrence_record(
    request: Request[Any, Any, Any], pairing_id: FromPath[int], series_id: FromPath[int], key: FromPath[str], data: JSONBody[RecordInput]
) -> OccurrenceOut:
    db, actor = db_of(request), actor_of(request)
    original = pairings.parse_key(key)
    await pairings.record_occurrence(db, actor, series_id, original, data, pairing_id=pairing_id)
    _, view = await pairings.get_occurrence(db, actor, series_id, original, pairing_id=pairing_id)
    return _occurrence_out(view)


@get("/api/occasions/reminders", name="api_occasion_reminders", guards=GUARDS)
async def api_reminders(request: Request[Any, Any, Any]) -> list[ReminderOut]:
    found = await occasions.reminders(db_of(request), actor_of(request))
    return [ReminderOut(r.on, r.title, r.kind_label, r.days_left, r.url) for r in found]


ROUTES = [
    pairing_list, pairing_create, pairing_report, pairing_report_xlsx, pairing_page, pairing_update,
    partner_add, partner_edit, partner_level, series_add, series_page, series_update,
    occurrence_page, occurrence_record, occurrence_move, occurrence_cancel, occurrence_restore,
    occasion_list, occasion_create, lunar_birthday, occasion_page, occasion_update, occasion_cancel,
    api_pairings, api_pairing_report, api_occurrence_record, api_reminders,
]
