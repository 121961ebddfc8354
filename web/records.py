"""Records pages (大会纪录) and the same under /api.

- Everybody sees the standing records per sport (/records/{sport}) and each event code's full
  history (/records/events/{code}); both print on A4.
- The chief referee (裁判长) and organisers ratify or reject pending records (/records/pending):
  HTMX swaps the decided row in place.
- Organisers import historical records from Excel: template, upload, preview, confirm.

The services decide (events.records, events.record_import); this module only moves forms and
bytes. Between the preview and the confirmation the page carries the uploaded file itself
(base64, in a multipart form): the confirmation reads and checks it again from scratch, so what
the browser sends back can never skip a check.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery, JSONBody

from events import record_import, records
from events.entry_forms import UnreadableFile
from events.errors import DomainError, NotFound
from events.labels import SPORT
from events.models import Sport
from web.auth import actor_of, organiser_only, signed_in
from web.entry_forms import xlsx_response
from web.public import db_of
from web.render import go, is_htmx, page, partial

UPLOAD_LIMIT = record_import.MAX_UPLOAD_BYTES
# The confirmation carries the file as base64 (4/3 of its size) in a multipart form.
COMMIT_LIMIT = UPLOAD_LIMIT * 3 // 2 + 64 * 1024
FLAG_CLASS = {"record": "record", "equal": "rec-equal"}
STATE_CLASS = {"ratified": "ok", "rejected": "muted", "pending": "rec-pending", "lapsed": "muted"}


def _context() -> dict[str, Any]:
    return {"FLAG_CLASS": FLAG_CLASS, "STATE_CLASS": STATE_CLASS, "FLAG_LABELS": records.FLAG_LABELS}


def _sport(value: str) -> str:
    if value not in Sport._value2member_map_:
        raise NotFound("运动")
    return value


# Public pages --------------------------------------------------------------------------------


async def _records_page(request: Request[Any, Any, Any], sport: str | None) -> Any:
    db, actor = db_of(request), actor_of(request)
    sports = await records.record_sports(db)
    chosen = sport or (sports[0] if sports else Sport.ATHLETICS.value)
    rows = await records.standing_records(db, chosen)
    waiting = None
    if actor.is_organiser or (actor.is_referee and actor.is_chief_referee):
        waiting = sum(1 for c in await records.pending_claims(db, actor) if c.line.state == "pending")
    return page(
        request, "records/list.html", sports=sports if chosen in sports else [*sports, chosen], sport=chosen,
        rows=rows, waiting=waiting, **_context(),
    )


@get("/records", name="records_home")
async def records_home(request: Request[Any, Any, Any]) -> Any:
    """The standing records of the first sport that has any (athletics in a usual meet)."""
    return await _records_page(request, None)


@get("/records/{sport:str}", name="records_sport")
async def records_sport(request: Request[Any, Any, Any], sport: FromPath[str]) -> Any:
    return await _records_page(request, _sport(sport))


@get("/records/events/{code:str}", name="record_history")
async def record_history(request: Request[Any, Any, Any], code: FromPath[str]) -> Any:
    history = await records.event_history(db_of(request), code)
    return page(request, "records/history.html", h=history, r=history.standing, **_context())


@get("/records/archive.xlsx", name="records_archive_xlsx")
async def records_archive_xlsx(request: Request[Any, Any, Any]) -> Response[bytes]:
    filename, data = await record_import.archive_xlsx(db_of(request))
    return xlsx_response(filename, data, "records-archive.xlsx")


# The chief referee's decisions ------------------------------------------------------------------


@get("/records/pending", name="records_pending", guards=[signed_in])
async def records_pending(request: Request[Any, Any, Any]) -> Any:
    claims = await records.pending_claims(db_of(request), actor_of(request))
    return page(request, "records/pending.html", claims=claims, **_context())


async def _decided(request: Request[Any, Any, Any], line: records.RecordLine) -> Any:
    if is_htmx(request):
        standing = await records.event_history(db_of(request), line.mark.event_code)
        return partial(
            request, "records/partials/claim.html", c=records.Claim(line, standing.standing), decided=True, **_context()
        )
    return go(request, "/records/pending")


@post("/records/marks/{mark_id:int}/ratify", name="record_ratify", guards=[signed_in])
async def record_ratify(request: Request[Any, Any, Any], mark_id: FromPath[int]) -> Any:
    return await _decided(request, await records.ratify(db_of(request), actor_of(request), mark_id))


@post("/records/marks/{mark_id:int}/reject", name="record_reject", guards=[signed_in])
async def record_reject(request: Request[Any, Any, Any], mark_id: FromPath[int]) -> Any:
    form = await request.form()
    line = await records.reject(db_of(request), actor_of(request), mark_id, str(form.get("reason") or ""))
    return await _decided(request, line)


# Importing historical records ------------------------------------------------------------------


def _import_page(request: Request[Any, Any, Any], *, error: str = "", status: int = 200, saved: str = "") -> Any:
    return page(
        request, "records/import.html", status_code=status, error=error, saved=saved,
        limit_mb=UPLOAD_LIMIT // (1024 * 1024), COLUMNS=record_import.COLUMNS,
    )


@get("/records/import", name="records_import", guards=[organiser_only])
async def records_import(request: Request[Any, Any, Any], saved: FromQuery[str] = "") -> Any:
    return _import_page(request, saved=saved if saved.isdecimal() else "")


@get("/records/import/template.xlsx", name="records_import_template", guards=[organiser_only])
async def records_import_template(request: Request[Any, Any, Any]) -> Response[bytes]:
    filename, data = await record_import.template(db_of(request), actor_of(request))
    return xlsx_response(filename, data, "records-template.xlsx")


def _preview_page(request: Request[Any, Any, Any], preview: record_import.Preview, data: bytes, filename: str, **extra: Any) -> Any:
    payload = base64.b64encode(data).decode("ascii") if preview.ok else ""
    return page(
        request, "records/import_preview.html", status_code=extra.pop("status", 200 if preview.ok else 422),
        p=preview, payload=payload, filename=filename, **extra,
    )


# The upload routes check the role inside the handler, not in a guard: Litestar closes a parsed
# multipart body's temporary files only once the handler has run, so a guard's refusal would
# leave the (CSRF middleware's) parsed upload open.


@post("/records/import/preview", name="records_import_preview", guards=[signed_in], request_max_body_size=UPLOAD_LIMIT)
async def records_import_preview(request: Request[Any, Any, Any]) -> Any:
    actor_of(request).require_organiser()
    form = await request.form()
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile):
            raise DomainError("请选择要上传的纪录表文件(.xlsx)", field="file")
        data = await upload.read()
        if not data:
            raise DomainError("请选择要上传的纪录表文件(.xlsx)", field="file")
        preview = await record_import.preview_import(db_of(request), actor_of(request), data)
    except DomainError as exc:
        if exc.status != 422:
            raise
        return _import_page(request, error=exc.message, status=422)
    return _preview_page(request, preview, data, upload.filename or "")


@post("/records/import/commit", name="records_import_commit", guards=[signed_in], request_max_body_size=COMMIT_LIMIT)
async def records_import_commit(request: Request[Any, Any, Any]) -> Any:
    actor_of(request).require_organiser()
    form = await request.form()
    filename = str(form.get("filename") or "")[:200]
    try:
        try:
            data = base64.b64decode(str(form.get("payload") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise UnreadableFile("提交的文件内容已损坏,请重新上传") from None
        if not data:
            raise DomainError("没有要导入的文件,请重新上传")
        if len(data) > UPLOAD_LIMIT:
            raise UnreadableFile("提交的文件过大,请重新上传")
        preview = await record_import.commit_import(db_of(request), actor_of(request), data)
    except DomainError as exc:
        if exc.status != 422:
            raise
        return _import_page(request, error=exc.message, status=422)
    if not preview.committed:
        return _preview_page(request, preview, data, filename, status=409, failed=True)
    return go(request, f"/records/import?saved={len(preview.rows)}")


# JSON API ------------------------------------------------------------------------------------------


class RecordMarkOut(msgspec.Struct):
    id: int
    event_code: str
    event_name: str
    mark: str  # as printed: 12.81, 5:05.36, 78
    value: int  # thousandths of a second, centimetres, or a count
    holder: str
    team_name: str
    meet_name: str
    set_on: dt.date
    flag: str  # record / equal, as claimed
    label: str  # 创纪录 / 破纪录 / 平纪录
    source: str  # import / result
    state: str  # ratified / rejected / pending / lapsed
    standing: bool
    decided_by: str | None
    decided_at: dt.datetime | None
    reason: str
    note: str


class StandingRecordOut(msgspec.Struct):
    event_code: str
    event_name: str
    sport: str
    sport_label: str
    kind: str  # time / distance / height / count / points
    lower_is_better: bool
    mark: str | None  # None: no record yet
    value: int | None
    holders: list[RecordMarkOut]
    pending: list[RecordMarkOut]


class HistoryOut(msgspec.Struct):
    record: StandingRecordOut
    history: list[RecordMarkOut]


class RejectIn(msgspec.Struct):
    reason: str


def mark_out(line: records.RecordLine) -> RecordMarkOut:
    m, d = line.mark, line.decision
    return RecordMarkOut(
        id=m.id, event_code=m.event_code, event_name=m.event_name, mark=line.shown, value=m.value, holder=m.holder,
        team_name=m.team_name, meet_name=m.meet_name, set_on=m.set_on, flag=m.flag, label=line.label, source=m.source,
        state=line.state, standing=line.standing, decided_by=d.decided_by_name if d else None,
        decided_at=d.decided_at if d else None, reason=d.reason if d else "", note=m.note,
    )


def standing_out(r: records.StandingRecord) -> StandingRecordOut:
    return StandingRecordOut(
        event_code=r.code, event_name=r.name, sport=r.sport, sport_label=SPORT.get(Sport(r.sport), r.sport)
        if r.sport in Sport._value2member_map_ else r.sport, kind=r.measure.kind, lower_is_better=r.measure.lower_wins,
        mark=r.shown or None, value=r.value, holders=[mark_out(h) for h in r.holders], pending=[mark_out(p) for p in r.pending],
    )


@get("/api/records", name="api_records")
async def api_records(request: Request[Any, Any, Any], sport: FromQuery[str | None] = None) -> list[StandingRecordOut]:
    """Standing records of every event code (of one sport with ``?sport=athletics``)."""
    rows = await records.standing_records(db_of(request), _sport(sport) if sport else None)
    return [standing_out(r) for r in rows]


@get("/api/records/events/{code:str}", name="api_record_history")
async def api_record_history(request: Request[Any, Any, Any], code: FromPath[str]) -> HistoryOut:
    """An event code's standing record and its whole history, oldest first."""
    history = await records.event_history(db_of(request), code)
    return HistoryOut(standing_out(history.standing), [mark_out(line) for line in history.lines])


@get("/api/records/pending", name="api_records_pending", guards=[signed_in])
async def api_records_pending(request: Request[Any, Any, Any]) -> list[RecordMarkOut]:
    """Undecided record marks, newest first. The chief referee and organisers only."""
    return [mark_out(c.line) for c in await records.pending_claims(db_of(request), actor_of(request))]


@post("/api/records/marks/{mark_id:int}/ratify", name="api_record_ratify", guards=[signed_in], status_code=200)
async def api_record_ratify(request: Request[Any, Any, Any], mark_id: FromPath[int]) -> RecordMarkOut:
    """Ratify a pending record. The chief referee and organisers only; one decision per mark (409)."""
    return mark_out(await records.ratify(db_of(request), actor_of(request), mark_id))


@post("/api/records/marks/{mark_id:int}/reject", name="api_record_reject", guards=[signed_in], status_code=200)
async def api_record_reject(
    request: Request[Any, Any, Any], mark_id: FromPath[int], data: JSONBody[RejectIn]
) -> RecordMarkOut:
    """Reject a pending record, with a reason. The chief referee and organisers only."""
    return mark_out(await records.reject(db_of(request), actor_of(request), mark_id, data.reason))


ROUTES = [
    records_home,
    records_sport,
    record_history,
    records_archive_xlsx,
    records_pending,
    record_ratify,
    record_reject,
    records_import,
    records_import_template,
    records_import_preview,
    records_import_commit,
    api_records,
    api_record_history,
    api_records_pending,
    api_record_ratify,
    api_record_reject,
]
