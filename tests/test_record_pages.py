"""Records pages over HTTP: the public records and history pages, the chief referee's pending
list with HTMX decisions, the import pages, the JSON API, and the chief referee checkbox. User
text is escaped everywhere. SQLite only: the services' rules are tested on both backends in
tests/test_records.py and tests/test_record_import.py."""

from __future__ import annotations

import base64
import io
from collections.abc import Awaitable, Callable

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from events import record_import
from events.db import Database
from events.models import RecordMark
from tests.support import Client, DemoMeet
from tests.test_record_import import recent, row, workbook_bytes
from tests.test_records import claim_of, enter, published_final

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

Clients = Callable[..., Awaitable[Client]]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NASTY = "<script>alert(1)</script>"


async def upload(client: Client, data: bytes) -> object:
    return await client.http.post(
        "/records/import/preview", files={"file": ("纪录.xlsx", data, XLSX)},
        data={"_csrf_token": await client.csrf_token()},
    )


async def count_marks(db: Database) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(RecordMark)) or 0


# Public pages --------------------------------------------------------------------------------


async def test_records_page_shows_each_sports_records_with_co_holders(clients: Clients) -> None:
    anonymous = await clients()
    page = await anonymous.get("/records")
    assert page.status_code == 200
    text = page.text
    assert "大会纪录 · 田径" in text and "12.81" in text and "刘洋" in text and "陈浩" in text
    assert "平纪录" in text and "5:05.36" in text and 'href="/records/fun"' in text
    assert 'href="/records/events/ATH-100M-M"' in text
    assert "待批准纪录" not in text and "导入历史纪录" not in text  # not for the public
    fun = await anonymous.get("/records/fun")
    assert fun.status_code == 200 and "踢毽(男)" in fun.text and "78" in fun.text
    assert 'href="/records" aria-current="page"' in fun.text  # the nav link
    assert (await anonymous.get("/records/no-such-sport")).status_code == 404
    basketball = await anonymous.get("/records/basketball")
    assert basketball.status_code == 200 and "还没有计时或计量项目" in basketball.text


async def test_history_page_lists_every_mark_with_its_decision(clients: Clients) -> None:
    anonymous = await clients()
    page = await anonymous.get("/records/events/ATH-100M-M")
    assert page.status_code == 200
    text = page.text
    for expected in ("男子100米 · 纪录历史", "12.95", "王志强", "创纪录", "破纪录", "平纪录", "现纪录", "已批准", "第三届职工运动会"):
        assert expected in text
    table = text[text.index("历次纪录"):]
    assert table.index("12.95") < table.index("刘洋") < table.index("陈浩")  # oldest first
    missing = await anonymous.get("/records/events/NO-SUCH")
    assert missing.status_code == 404 and "找不到该项目代码" in missing.text


async def test_user_text_is_escaped_on_every_records_page(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    data = workbook_bytes([row("FUN-TJ-M", "90", NASTY, recent(2), team=NASTY, meet=NASTY, note=NASTY)])
    assert (await record_import.commit_import(demo_db, demo.actor("zuweihui"), data)).committed
    organiser = await clients("zuweihui")
    for url in ("/records/fun", "/records/events/FUN-TJ-M"):
        page = await organiser.get(url)
        assert page.status_code == 200
        assert NASTY not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    preview = await upload(organiser, workbook_bytes([row("FUN-TJ-M", "95", NASTY, recent(1))]))
    assert preview.status_code == 200 and NASTY not in preview.text  # type: ignore[attr-defined]


# Pending records -------------------------------------------------------------------------------


async def test_the_chief_referee_ratifies_in_place_with_htmx(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    a, *_ = await published_final(demo_db, demo)
    await enter(demo_db, a, "12.66")
    claim = await claim_of(demo_db, a)
    chief = await clients("caipan1")
    listing = await chief.get("/records")
    assert "待批准纪录(1)" in listing.text and "12.66" in listing.text and "待批准" in listing.text
    pending = await chief.get("/records/pending")
    assert pending.status_code == 200
    assert f'id="claim-{claim.id}"' in pending.text and "现纪录 12.81" in pending.text and "批准" in pending.text
    response = await chief.post_form(f"/records/marks/{claim.id}/ratify", htmx=True)
    assert response.status_code == 200
    assert f'id="claim-{claim.id}"' in response.text and "已批准" in response.text and "<html" not in response.text
    again = await chief.post_form(f"/records/marks/{claim.id}/ratify", htmx=True)
    assert again.status_code == 409 and "只能决定一次" in again.text
    history = await chief.get("/records/events/ATH-100M-M")
    assert "12.66" in history.text and "田径裁判长 陈志远" in history.text


async def test_rejection_without_a_reason_is_refused_and_with_one_recorded(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    a, *_ = await published_final(demo_db, demo)
    await enter(demo_db, a, "12.66")
    claim = await claim_of(demo_db, a)
    organiser = await clients("zuweihui")
    refused = await organiser.post_form(f"/records/marks/{claim.id}/reject", {"reason": " "}, htmx=True)
    assert refused.status_code == 422 and "须填写理由" in refused.text
    done = await organiser.http.post(
        f"/records/marks/{claim.id}/reject", data={"reason": f"风速超标 {NASTY}", "_csrf_token": await organiser.csrf_token()},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/records/pending"
    history = await organiser.get("/records/events/ATH-100M-M")
    assert "已否决" in history.text and "风速超标" in history.text and NASTY not in history.text


@pytest.mark.parametrize("username", ["caipan2", "lingdui1"])
async def test_plain_referees_and_leaders_cannot_decide(clients: Clients, demo_db: Database, demo: DemoMeet, username: str) -> None:
    a, *_ = await published_final(demo_db, demo)
    await enter(demo_db, a, "12.66")
    claim = await claim_of(demo_db, a)
    client = await clients(username)
    assert (await client.get("/records/pending")).status_code == 403
    assert (await client.post_form(f"/records/marks/{claim.id}/ratify")).status_code == 403
    assert (await client.api("POST", f"/api/records/marks/{claim.id}/ratify")).status_code == 403
    page = await client.get("/records")
    assert page.status_code == 200 and "待批准纪录(" not in page.text


async def test_an_organiser_makes_caipan2_chief_referee_with_the_account_form(clients: Clients, demo: DemoMeet) -> None:
    organiser = await clients("zuweihui")
    user_id = demo.user_ids["caipan2"]
    form = await organiser.get(f"/org/accounts/{user_id}/edit")
    assert 'name="is_chief_referee"' in form.text and "裁判长" in form.text
    saved = await organiser.post_form(
        f"/org/accounts/{user_id}", {"display_name": "棋牌球类裁判 李秀梅", "role": "referee", "is_active": "on", "is_chief_referee": "on"},
    )
    assert saved.status_code in (200, 303), saved.text
    caipan2 = await clients("caipan2")
    assert (await caipan2.get("/records/pending")).status_code == 200
    edit = await organiser.get(f"/org/accounts/{user_id}/edit")
    assert 'name="is_chief_referee" checked' in edit.text


# Import pages ----------------------------------------------------------------------------------


async def test_an_organiser_downloads_uploads_previews_and_confirms(clients: Clients, demo_db: Database) -> None:
    organiser = await clients("zuweihui")
    page = await organiser.get("/records/import")
    assert page.status_code == 200 and "下载纪录表" in page.text
    template = await organiser.get("/records/import/template.xlsx")
    assert template.status_code == 200 and template.headers["content-type"].startswith(XLSX)
    assert "filename*=UTF-8''" in template.headers["content-disposition"]
    assert load_workbook(io.BytesIO(template.content)).sheetnames[0] == "纪录表"

    data = workbook_bytes([row("FUN-TJ-M", "82", "罗明", recent(2)), row("ATH-100M-M", "12.7", "张伟", recent(2))])
    preview = await upload(organiser, data)
    assert preview.status_code == 200, preview.text  # type: ignore[attr-defined]
    assert "检查通过" in preview.text and "确认导入" in preview.text and "12.70" in preview.text  # type: ignore[attr-defined]
    payload = preview.text.split('name="payload" value="')[1].split('"')[0]  # type: ignore[attr-defined]
    assert base64.b64decode(payload) == data
    before = await count_marks(demo_db)
    confirm = await organiser.http.post(
        "/records/import/commit", files={"payload": (None, payload), "filename": (None, "纪录.xlsx")},
        data={"_csrf_token": await organiser.csrf_token()}, follow_redirects=False,
    )
    assert confirm.status_code == 303 and confirm.headers["location"] == "/records/import?saved=2"
    assert await count_marks(demo_db) == before + 2
    done = await organiser.get(confirm.headers["location"])
    assert "已导入 2 条纪录" in done.text
    # The same file again is refused whole: the archive already has these records.
    again = await organiser.http.post(
        "/records/import/commit", files={"payload": (None, payload)}, data={"_csrf_token": await organiser.csrf_token()},
    )
    assert again.status_code == 409 and "已有这条纪录" in again.text and "确认导入" not in again.text
    assert await count_marks(demo_db) == before + 2


async def test_a_preview_with_problems_lists_them_and_offers_no_confirmation(clients: Clients) -> None:
    organiser = await clients("zuweihui")
    response = await upload(organiser, workbook_bytes([row("FUN-TJ-M", "82"), row("NOPE", "1")]))
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "纪录表 第 4 行 A 列" in response.text and "项目代码 NOPE 不存在" in response.text  # type: ignore[attr-defined]
    assert "确认导入" not in response.text  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"not a workbook", "不是有效的 Excel"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "旧版 Excel(.xls)")],
)
async def test_bad_files_get_a_chinese_message_not_a_500(clients: Clients, data: bytes, message: str) -> None:
    organiser = await clients("zuweihui")
    response = await upload(organiser, data)
    assert response.status_code == 422 and message in response.text  # type: ignore[attr-defined]
    forged = await organiser.http.post(
        "/records/import/commit", files={"payload": (None, "***not base64***")}, data={"_csrf_token": await organiser.csrf_token()},
    )
    assert forged.status_code == 422 and "损坏" in forged.text


async def test_an_upload_over_the_size_cap_is_refused(clients: Clients) -> None:
    organiser = await clients("zuweihui")
    response = await upload(organiser, b"PK" + b"\x00" * (3 * 1024 * 1024))
    assert response.status_code == 413 and "过大" in response.text  # type: ignore[attr-defined]


async def test_leaders_cannot_import(clients: Clients) -> None:
    leader = await clients("lingdui1")
    assert (await leader.get("/records/import")).status_code == 403
    assert (await upload(leader, workbook_bytes([row()]))).status_code == 403  # type: ignore[attr-defined]


async def test_the_archive_downloads_for_everybody(clients: Clients) -> None:
    response = await (await clients()).get("/records/archive.xlsx")
    assert response.status_code == 200 and response.headers["content-type"].startswith(XLSX)
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "大会纪录档案" and ws.max_row >= 23


# JSON API ----------------------------------------------------------------------------------------


async def test_the_api_lists_records_and_history_and_takes_decisions(clients: Clients, demo_db: Database, demo: DemoMeet) -> None:
    anonymous = await clients()
    listed = (await anonymous.api("GET", "/api/records?sport=athletics")).json()
    men = next(r for r in listed if r["event_code"] == "ATH-100M-M")
    assert men["mark"] == "12.81" and men["lower_is_better"] and [h["holder"] for h in men["holders"]] == ["刘洋", "陈浩"]
    assert all(r["sport"] == "athletics" for r in listed)
    assert (await anonymous.api("GET", "/api/records?sport=nope")).status_code == 404
    history = (await anonymous.api("GET", "/api/records/events/FUN-TJ-M")).json()
    assert [h["mark"] for h in history["history"]] == ["64", "72", "78"]
    assert history["record"]["mark"] == "78" and history["history"][-1]["standing"]

    a, *_ = await published_final(demo_db, demo)
    await enter(demo_db, a, "12.66")
    claim = await claim_of(demo_db, a)
    chief = await clients("caipan1")
    pending = (await chief.api("GET", "/api/records/pending")).json()
    assert [p["id"] for p in pending] == [claim.id] and pending[0]["state"] == "pending"
    refused = await chief.api("POST", f"/api/records/marks/{claim.id}/reject", {"reason": ""})
    assert refused.status_code == 422 and "理由" in refused.json()["detail"]
    ratified = await chief.api("POST", f"/api/records/marks/{claim.id}/ratify")
    assert ratified.status_code == 200 and ratified.json()["state"] == "ratified"
    twice = await chief.api("POST", f"/api/records/marks/{claim.id}/ratify")
    assert twice.status_code == 409


async def test_a_confirmation_carrying_a_file_over_the_cap_is_refused(clients: Clients) -> None:
    organiser = await clients("zuweihui")
    payload = base64.b64encode(b"PK" + b"\x00" * (record_import.MAX_UPLOAD_BYTES + 1024)).decode()
    response = await organiser.http.post(
        "/records/import/commit", files={"payload": (None, payload)}, data={"_csrf_token": await organiser.csrf_token()},
    )
    assert response.status_code == 422 and "过大" in response.text
