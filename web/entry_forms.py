"""Excel entry forms and xlsx exports: download the team's form, upload it, preview, confirm.

The uploaded file is kept in the database between the preview and the confirmation (keyed by
a random token the page carries, bound to the team and the user), so the confirmation may
reach any app instance and the browser never sends the file — or its verdict — twice.
Authorization is the services' (``actor.require_team``); these handlers only move bytes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath

from events import entry_forms, exports, meets, registration
from events.errors import DomainError
from web.auth import actor_of, organiser_only, signed_in
from web.public import db_of
from web.render import go, page

UPLOAD_LIMIT = entry_forms.MAX_UPLOAD_BYTES  # larger bodies get 413 before any parsing


def xlsx_response(filename: str, data: bytes, fallback: str) -> Response[bytes]:
    """A download; the Chinese file name in RFC 5987 form, an ASCII one for old clients."""
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return Response(
        data, media_type=exports.XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


async def _form_page(
    request: Request[Any, Any, Any], team_id: int, *, error: str = "", status: int = 200, saved: dict[str, str] | None = None
) -> Any:
    board = await registration.board(db_of(request), actor_of(request), team_id)
    return page(
        request, "entry_forms/upload.html", status_code=status, b=board, meet=board.meet, team=board.team,
        error=error, saved=saved or {}, limit_mb=UPLOAD_LIMIT // (1024 * 1024),
    )


@get("/teams/{team_id:int}/entry-form", name="entry_form", guards=[signed_in])
async def entry_form(request: Request[Any, Any, Any], team_id: FromPath[int]) -> Any:
    query = request.query_params
    saved = {k: query.get(k, "") for k in ("added", "withdrawn")} if query.get("saved") else None
    saved = {k: v for k, v in saved.items() if v.isdecimal()} if saved else None
    return await _form_page(request, team_id, saved=saved)


@get("/teams/{team_id:int}/entry-form.xlsx", name="entry_form_download", guards=[signed_in])
async def entry_form_download(request: Request[Any, Any, Any], team_id: FromPath[int]) -> Response[bytes]:
    filename, data = await entry_forms.template_for(db_of(request), actor_of(request), team_id)
    return xlsx_response(filename, data, f"entry-form-team-{team_id}.xlsx")


async def _uploaded(request: Request[Any, Any, Any]) -> tuple[bytes, str, str]:
    form = await request.form()
    upload = form.get("file")
    reason = str(form.get("reason") or "")
    if not isinstance(upload, UploadFile):
        raise DomainError("请选择要上传的报名表文件(.xlsx)", field="file")
    data = await upload.read()
    if not data:
        raise DomainError("请选择要上传的报名表文件(.xlsx)", field="file")
    return data, upload.filename or "", reason


@post(
    "/teams/{team_id:int}/entry-form/preview", name="entry_form_preview", guards=[signed_in],
    request_max_body_size=UPLOAD_LIMIT,
)
async def entry_form_preview(request: Request[Any, Any, Any], team_id: FromPath[int]) -> Any:
    db, actor = db_of(request), actor_of(request)
    try:
        data, filename, reason = await _uploaded(request)
        preview = await entry_forms.preview_upload(db, actor, team_id, data, reason)
    except DomainError as exc:
        if exc.status != 422:
            raise
        return await _form_page(request, team_id, error=exc.message, status=422)
    token = await entry_forms.store_upload(db, actor, team_id, data, filename) if preview.ok and preview.changes else ""
    return page(
        request, "entry_forms/preview.html", status_code=200 if preview.ok else 422, p=preview,
        meet=preview.meet, team=preview.team, token=token, reason=reason, filename=filename,
        state=meets.registration_state(preview.meet),
    )


@post(
    "/teams/{team_id:int}/entry-form/commit", name="entry_form_commit", guards=[signed_in],
    request_max_body_size=UPLOAD_LIMIT,
)
async def entry_form_commit(request: Request[Any, Any, Any], team_id: FromPath[int]) -> Any:
    form = await request.form()
    db, actor = db_of(request), actor_of(request)
    reason = str(form.get("reason") or "")
    try:
        preview = await entry_forms.commit_stored(db, actor, team_id, str(form.get("token") or ""), reason)
    except DomainError as exc:
        if exc.status != 422:
            raise
        return await _form_page(request, team_id, error=exc.message, status=422)
    if not preview.committed:
        return page(
            request, "entry_forms/preview.html", status_code=409, p=preview, meet=preview.meet, team=preview.team,
            token="", reason=reason, filename="", state=meets.registration_state(preview.meet), failed=True,
        )
    result = preview.result
    added, withdrawn = (result.added, result.withdrawn) if result else (0, 0)
    return go(request, f"/teams/{team_id}/entry-form?saved=1&added={added}&withdrawn={withdrawn}")


@get("/teams/{team_id:int}/entries.xlsx", name="team_entries_xlsx", guards=[signed_in])
async def team_entries_xlsx(request: Request[Any, Any, Any], team_id: FromPath[int]) -> Response[bytes]:
    filename, data = await exports.team_entries_xlsx(db_of(request), actor_of(request), team_id)
    return xlsx_response(filename, data, f"entries-team-{team_id}.xlsx")


@get("/org/meets/{meet_id:int}/entries.xlsx", name="meet_entries_xlsx", guards=[organiser_only])
async def meet_entries_xlsx(request: Request[Any, Any, Any], meet_id: FromPath[int]) -> Response[bytes]:
    filename, data = await exports.meet_entries_xlsx(db_of(request), actor_of(request), meet_id)
    return xlsx_response(filename, data, f"entries-meet-{meet_id}.xlsx")


ROUTES = [entry_form, entry_form_download, entry_form_preview, entry_form_commit, team_entries_xlsx, meet_entries_xlsx]
