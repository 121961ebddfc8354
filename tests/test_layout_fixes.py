"""Layout fixes found in a headless-Chromium walkthrough, pinned down in the stylesheet and templates:
the organiser's timetable list stacks its rows on a phone like the personal schedule does, so the
pin and move tools are on screen at 375 px; and the referee's marks sheet keeps the status select
at its own width instead of the global full width, so a row is one compact line on a tablet."""

from __future__ import annotations

import re
from pathlib import Path

from events.db import Database
from tests.support import ORGANISER, DemoMeet
from tests.test_timetable_pages import _generated
from tests.test_track_pages import _published_heats

WEB = Path(__file__).resolve().parent.parent / "web"
CSS = WEB / "static" / "zhijia.css"
TEMPLATES = WEB / "templates"
PHONE = "screen and (max-width: 40rem)"


def _rules(text: str, media: str | None = None) -> list[tuple[str | None, str, dict[str, str]]]:
    """(media query, selector, declarations) for every style rule, nested at-rules walked into."""
    out: list[tuple[str | None, str, dict[str, str]]] = []
    i = 0
    while True:
        brace = text.find("{", i)
        if brace < 0:
            return out
        prelude = text[i:brace].strip().rsplit(";", 1)[-1].strip()  # drop a preceding @import-like statement
        depth, j = 1, brace + 1
        while depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        body = text[brace + 1 : j - 1]
        if prelude.startswith("@media"):
            out += _rules(body, " ".join(prelude[len("@media") :].split()))
        elif prelude.startswith("@supports"):
            out += _rules(body, media)
        elif not prelude.startswith("@"):
            decls = {}
            for d in body.split(";"):
                if ":" in d:
                    k, v = d.split(":", 1)
                    decls[k.strip()] = v.strip()
            for sel in prelude.split(","):
                out.append((media, " ".join(sel.split()), decls))
        i = j


def _stylesheet() -> list[tuple[str | None, str, dict[str, str]]]:
    return _rules(re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S))


def _decl(selector: str, prop: str, media: str | None = None) -> str | None:
    """The last value the stylesheet gives prop for exactly this selector in this media query."""
    found = None
    for m, sel, decls in _stylesheet():
        if m == media and sel == selector and prop in decls:
            found = decls[prop]
    return found


def test_the_organisers_timetable_list_stacks_its_rows_on_a_phone() -> None:
    # the same recipe as the personal schedule's list
    assert _decl(".tt-personal .tt-list tr", "display", PHONE) == "grid"
    assert _decl("#list .tt-list thead", "display", PHONE) == "none"
    assert _decl("#list .tt-list tr", "display", PHONE) == "grid"
    assert _decl("#list .tt-list td", "border", PHONE) == "0"
    # time and place share the first line; the match and the tools take the full width below
    assert _decl("#list .tt-list td:nth-child(n+3)", "grid-column", PHONE) == "1 / -1"
    assert _decl("#list .tt-list .tt-move", "flex", PHONE) == "1 1 100%"
    # only below 40rem: a tablet and a desktop keep the table
    assert _decl("#list .tt-list tr", "display") is None


def test_the_organiser_page_carries_the_classes_the_stacking_rules_target() -> None:
    page = (TEMPLATES / "timetable" / "organiser.html").read_text(encoding="utf-8")
    section = page[page.index('id="list"') :]
    section = section[: section.index("</section>")]
    assert 'class="tt-list"' in section and 'class="tt-tools"' in section
    assert '{% include "timetable/partials/move.html" %}' in section
    assert '<form class="tt-move"' in (TEMPLATES / "timetable" / "partials" / "move.html").read_text(encoding="utf-8")


def test_the_marks_sheet_status_select_keeps_its_own_width() -> None:
    assert _decl("select", "width") == "100%"  # the global rule it overrides
    assert _decl(".mr-form select", "width") == "auto"
    assert _decl(".mr-form select", "max-width") == "100%"  # never wider than a phone's row
    row = (TEMPLATES / "track" / "partials" / "mark_row.html").read_text(encoding="utf-8")
    form = row[row.index('<form class="mr-form"') :]
    form = form[: form.index("</form>")]
    assert '<select id="s-{{ line.id }}" name="status"' in form  # flagged attributes may follow
    assert 'class="mark-input"' in form and 'class="reason-input"' in form


async def test_the_rendered_timetable_list_carries_the_targeted_classes(demo_db: Database, demo: DemoMeet, clients) -> None:
    organiser, url = await _generated(demo_db, demo, clients)
    page = (await organiser.get(url)).text
    listed = page[page.index('id="list"') :]
    listed = listed[: listed.index("</section>")]
    assert '<table class="tt-list">' in listed and 'class="tt-tools"' in listed and '<form class="tt-move"' in listed


async def test_the_rendered_marks_sheet_carries_the_targeted_classes(demo_db: Database, demo: DemoMeet, clients) -> None:
    _, lines = await _published_heats(demo_db, demo)
    organiser = await clients(ORGANISER)
    sheet = (await organiser.get(f"/heats/{lines[0].heat_id}/score")).text
    form = sheet[sheet.index('<form class="mr-form"') :]
    form = form[: form.index("</form>")]
    assert f'<select id="s-{lines[0].id}" name="status">' in form


def test_the_campaign_board_fits_a_phone() -> None:
    # households: a card per row (its group picker at full width); standards: five columns shared out
    assert _decl(".households thead", "display", PHONE) == "none"
    assert _decl(".households tr", "display", PHONE) == "grid"
    assert _decl(".households td:nth-child(7)", "grid-column", PHONE) == "1 / -1"
    assert _decl(".amounts", "table-layout", PHONE) == "fixed"
    assert _decl(".amounts input", "width", PHONE) == "100%"
    assert _decl(".households tr", "display") is None  # a tablet and a desktop keep the table
    row = (TEMPLATES / "campaigns" / "partials" / "household_row.html").read_text(encoding="utf-8")
    assert row.count("<td") == 7 and 'class="group-pick"' in row
