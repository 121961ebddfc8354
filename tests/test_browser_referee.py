"""A referee's mark survives the venue's Wi-Fi, in a real browser against a real server.

The athletics referee opens a published heat in headless Chromium at tablet size; the network
drops as a mark is saved. The row says it is being retried, then — the retries spent — that it
is NOT saved (on the row itself, not in a toast that the next save clears), with its text held
read-only while a send is under way; when the network returns the row is sent again by itself
and stored once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.test_browser_registration import ARGS, CHROMIUM, browser, server  # noqa: F401

pytestmark = pytest.mark.server


def _publish_final(base: str, code: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        http.get("/api/me")
        csrf = {"x-csrftoken": http.cookies["zhijia_csrf"]}
        assert http.post("/api/session", json={"username": "zuweihui", "password": "zhijia2026"}, headers=csrf).status_code == 200
        csrf = {"x-csrftoken": http.cookies["zhijia_csrf"]}
        meet_id = http.get("/api/meets").json()[0]["id"]
        event_id = next(e["id"] for e in http.get(f"/api/meets/{meet_id}/events").json() if e["code"] == code)
        team_id = http.get(f"/api/meets/{meet_id}/teams").json()[0]["id"]
        women = [m["person_id"] for m in http.get(f"/api/teams/{team_id}/members").json() if m["gender"] == "F"]
        http.post(f"/api/teams/{team_id}/entries", json={"event_id": event_id, "person_id": women[0]}, headers=csrf)
        drawn = http.post(f"/api/meets/{meet_id}/events/{event_id}/rounds", json={"is_final": True, "seed": 1}, headers=csrf)
        assert drawn.status_code == 201, drawn.text
        assert http.post(f"/api/meets/{meet_id}/events/{event_id}/rounds/publish", headers=csrf).status_code == 200


@pytest.fixture(scope="module")
def referee(server: str, browser: object) -> Iterator[object]:  # noqa: F811
    _publish_final(server, "ATH-100M-W")
    context = browser.new_context(viewport={"width": 820, "height": 1180}, locale="zh-CN")  # type: ignore[attr-defined]
    context.add_init_script("window.ZHIJIA_RETRY_MS = 150")  # the five retries in about two seconds
    page = context.new_page()
    page.goto(server + "/login")
    page.fill("#f-username", "caipan1")
    page.fill("#f-password", "zhijia2026")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    yield page
    context.close()


def test_a_mark_saved_while_offline_says_so_on_its_row_and_is_sent_when_the_network_returns(
    server: str, referee: object, tmp_path: Path  # noqa: F811
) -> None:
    page = referee
    page.goto(server + "/referee")  # type: ignore[attr-defined]
    link = page.locator("a[href*='/heats/'][href$='/score']").first  # type: ignore[attr-defined]
    link.click()
    page.wait_for_url(re.compile(r".*/heats/\d+/score"))  # type: ignore[attr-defined]
    row = page.locator(".mark-row").first  # type: ignore[attr-defined]
    row_id = row.get_attribute("id")
    row.locator("input[name=mark]").fill("15.10")
    page.context.set_offline(True)  # type: ignore[attr-defined]
    row.locator("button[type=submit]").click()
    row = page.locator(f"#{row_id}")  # type: ignore[attr-defined]
    note = row.locator(".send-note")
    note.filter(has_text="正在自动重试").wait_for(timeout=5000)
    assert row.locator("input[name=mark]").evaluate("el => el.readOnly")  # held while its retry waits
    note.filter(has_text="未保存:网络中断").wait_for(timeout=15000)
    assert row.locator("form.unsent").count() == 1
    assert not row.locator("input[name=mark]").evaluate("el => el.readOnly")  # a typo can be put right now
    assert "未录入" in row.locator(".mr-now").inner_text()
    page.screenshot(path=str(tmp_path / "offline-unsent.png"))  # type: ignore[attr-defined]
    page.context.set_offline(False)  # type: ignore[attr-defined]
    row.locator(".mr-now").filter(has_text="15.10").wait_for(timeout=30000)
    assert "已保存" in row.inner_text() and row.locator(".send-note").count() == 0
    page.reload()  # type: ignore[attr-defined]
    assert "15.10" in page.locator(f"#{row_id} .mr-now").inner_text()  # type: ignore[attr-defined]



def test_a_refusal_shown_as_a_message_leaves_the_line_free_to_put_right(server: str, referee: object) -> None:  # noqa: F811
    """Answers that do not replace the line (a 403 shown in the bottom message) must not leave
    its fields read-only, nor make leaving the page ask about an unsaved mark."""
    page = referee
    page.goto(server + "/referee")  # type: ignore[attr-defined]
    page.locator("a[href*='/heats/'][href$='/score']").first.click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/heats/\d+/score"))  # type: ignore[attr-defined]
    refusal = {"status": 403, "headers": {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML", "content-type": "text/html; charset=utf-8"},
               "body": '<div class="alert error" role="alert">没有权限执行此操作</div>'}
    page.route("**/start-entries/*/mark", lambda route: route.fulfill(**refusal))  # type: ignore[attr-defined]
    row = page.locator(".mark-row").first  # type: ignore[attr-defined]
    row.locator("input[name=mark]").fill("15.20")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#flash .alert")  # type: ignore[attr-defined]
    page.wait_for_function("() => !document.querySelector('.htmx-request')")  # type: ignore[attr-defined]
    assert not row.locator("input[name=mark]").evaluate("el => el.readOnly")
    assert row.locator("form.sending, form.retrying, form.unsent").count() == 0
    page.unroute("**/start-entries/*/mark")  # type: ignore[attr-defined]
