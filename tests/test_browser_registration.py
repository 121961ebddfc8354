"""A team leader registers in a real browser (headless Chromium) against a real server.

Proves what only a browser shows: HTMX sends the CSRF header from <body hx-headers>, the page
runs under the CSP (no inline script), a cell click updates the counters in place, and a
refusal appears as a message where the leader is — at phone size.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing in CI: .ci/run must install Debian's chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    port = _free_port()
    folder = tmp_path_factory.mktemp("browser")
    db_file = folder / "zhijia.sqlite3"
    log = (folder / "server.log").open("wb")
    env = {k: v for k, v in os.environ.items() if k != "ZHIJIA_DATABASE_URL"}
    proc = subprocess.Popen(
        # An empty registration matrix: the clicks below count from nothing.
        [sys.executable, "-m", "web.cli", "serve", "--demo", "--no-demo-field", "--port", str(port), "--db", str(db_file)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not start: " + (folder / "server.log").read_text()[-2000:])
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _leader_page(browser: object, server: str, username: str, width: int, height: int) -> tuple[object, object]:
    """A new browser context of the given size, signed in as a team leader, on their team page."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()  # type: ignore[attr-defined]
    page.goto(server + "/login")
    page.fill("#f-username", username)
    page.fill("#f-password", "zhijia2026")
    page.click("button[type=submit]")
    page.wait_for_url("**/teams/*")
    return context, page


def _settled(page: object) -> None:
    """Nothing is being requested, swapped or settled by htmx."""
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def test_leader_registers_by_clicking_cells_and_sees_the_limit_refusal_on_a_phone(
    server: str, browser: object, tmp_path: Path
) -> None:
    context, page = _leader_page(browser, server, "lingdui3", 390, 844)
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.click("text=去报名")
    page.wait_for_selector("table.matrix")

    row = page.locator("table.matrix tbody tr").first
    for expected in ("1/3", "2/3", "3/3"):
        row.locator("button.tick.empty:not([disabled])").first.click()
        page.wait_for_function(
            "([sel, text]) => document.querySelector(sel).textContent.trim() === text",
            arg=["table.matrix tbody tr:first-child .used", expected],
        )
        # cells carry ids (focus stays on the tapped one), so htmx settles their old attributes
        # onto the new ones for a moment: wait for that before picking the next free cell
        _settled(page)
        row = page.locator("table.matrix tbody tr").first
    assert row.locator("button.tick.empty:not([disabled])").count() == 0  # the limit greys out the rest

    # A roster pick over the relay's 4 places is refused, and the reason is shown on screen.
    relay = page.locator("article.roster", has_text="男子4×100米接力")
    for n in range(1, 5):
        relay.locator("button[type=submit]").click()
        relay = page.locator("article.roster", has_text="男子4×100米接力")
        relay.locator(".count", has_text=f"{n}/4").wait_for()
    assert relay.locator("form.add-line").count() == 0  # full roster: no picker left

    page.screenshot(path=str(tmp_path / "registration-phone.png"), full_page=True)
    assert not [e for e in console_errors if "Content Security Policy" in e]
    context.close()


def test_refused_entry_reason_appears_in_the_message_area(server: str, browser: object) -> None:
    context, page = _leader_page(browser, server, "lingdui4", 820, 1180)
    page.goto(page.url + "/entries")
    badminton = page.locator("article.roster", has_text="羽毛球团体赛")
    # Two men fill the men's places; the picker then disables men, so force a third man
    # through the endpoint the way a stale page would.
    for n in (1, 2):
        badminton.locator("button[type=submit]").click()
        badminton = page.locator("article.roster", has_text="羽毛球团体赛")
        badminton.locator(".count", has_text=f"{n}/4").wait_for()
    assert "现有男2女0" in badminton.inner_text().replace(" ", "")
    # htmx binds the swapped-in form while it settles; a submit before that is a plain GET
    # (seen once on a loaded machine), so wait until nothing is swapping or settling
    _settled(page)
    page.evaluate(
        """() => {
        const form = [...document.querySelectorAll('article.roster')]
          .find(a => a.textContent.includes('羽毛球团体赛')).querySelector('form');
        const select = form.querySelector('select');
        const man = [...select.options].find(o => o.textContent.includes('男'));
        man.disabled = false; select.value = man.value;
        form.requestSubmit();
    }"""
    )
    page.wait_for_selector("#flash .alert")
    assert "每队男子限报 2 人" in page.locator("#flash").inner_text()
    page.click("#flash .alert")  # it covers the bottom of the page: a tap puts it away
    page.wait_for_selector("#flash .alert", state="detached")
    context.close()


def test_a_tap_low_in_the_matrix_leaves_the_tapped_cell_where_the_leader_is_looking(
    server: str, browser: object
) -> None:
    """The board is redrawn after each tap; the page must not jump away (to the top or bottom)
    from the row the leader was working on, and the tapped cell keeps the keyboard focus."""
    context, page = _leader_page(browser, server, "lingdui2", 390, 844)
    page.goto(page.url + "/entries")
    rows = page.locator("table.matrix tbody tr")
    target = rows.nth(rows.count() - 2).locator("button.tick.empty:not([disabled])").nth(1)
    target.scroll_into_view_if_needed()
    label = target.get_attribute("aria-label")
    before = target.bounding_box()
    target.click()
    page.wait_for_selector(f'button.tick[aria-label="{label.replace("给 ", "撤销 ").replace(" 报名", " 的")}"]')
    _settled(page)
    after = page.locator(f'button.tick[aria-label="{label.replace("给 ", "撤销 ").replace(" 报名", " 的")}"]')
    box = after.bounding_box()
    assert box is not None and before is not None
    assert 0 <= box["y"] <= 844 - box["height"], f"the tapped cell left the screen: y={box['y']}"
    assert abs(box["y"] - before["y"]) < 120, f"the page moved by {box['y'] - before['y']:.0f} px"
    assert page.evaluate("() => document.activeElement && document.activeElement.classList.contains('tick')")
    context.close()
