"""The draw pages over HTTP: the organiser draws, previews, redraws and publishes; who may;
what the public event page shows (group tables, the knockout tree, fixtures, placings); the
draw under /api; escaping. Both backends."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from events import draws, match_results, registration, teams
from events.db import Database
from events.match_results import ResultInput
from events.models import Match, MatchStatus, Person, TeamMember
from events.schemas import PersonInput
from tests.support import LEADER, ORGANISER, REFEREE, Client, DemoMeet

Clients = Callable[..., Awaitable[Client]]
TT_MS = "TT-MS"  # 男子乒乓球单打: groups, then knockout, in the demo meet


def is_full_page(html: str) -> bool:
    return html.lstrip().lower().startswith("<!doctype html>")


async def enter_men(db: Database, demo: DemoMeet, code: str, per_team: int) -> int:
    """Enter the first ``per_team`` men of every team through the registration service."""
    event_id = demo.event_ids[code]
    organiser = demo.actor(ORGANISER)
    for team_id in demo.team_ids.values():
        async with db.read() as session:
            people = (
                await session.scalars(
                    select(Person.id).join(TeamMember).where(TeamMember.team_id == team_id, Person.gender == "M")
                    .order_by(Person.id)
                )
            ).all()
        for person_id in people[:per_team]:
            await registration.enter(db, organiser, team_id=team_id, event_id=event_id, person_id=person_id)
    return event_id


def draw_form(**changes: Any) -> dict[str, str]:
    form = {"format": "groups_knockout", "group_size": "4", "qualifiers": "2", "third_place": "match", "seed": "12345"}
    form.update({k: str(v) for k, v in changes.items()})
    return form


def pairings(api_json: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The drawn matches as (label, side a, side b): what a redraw may change."""
    return [(m["label"], m["a_name"], m["b_name"]) for m in api_json["matches"]]


async def play_everything(db: Database, demo: DemoMeet, event_id: int) -> None:
    """Every match to its end, the first-named side winning, as a referee would record them."""
    organiser = demo.actor(ORGANISER)
    for _ in range(50):
        async with db.read() as session:
            ready = (
                await session.scalars(
                    select(Match).where(Match.event_id == event_id, Match.status == MatchStatus.READY).order_by(Match.number)
                )
            ).all()
        if not ready:
            return
        for m in ready:
            games = [(11, 6)] * (m.best_of // 2 + 1)
            await match_results.record_result(
                db, organiser, m.id, ResultInput(idempotency_key=uuid.uuid4().hex, version=m.version, games=games)
            )
    raise AssertionError("the event did not finish")


# The organiser's flow ------------------------------------------------------------------------


async def test_organiser_draws_groups_then_knockout_previews_redraws_and_publishes(
    demo_db: Database, demo: DemoMeet, clients: Clients
) -> None:
    event_id = await enter_men(demo_db, demo, TT_MS, 2)
    org = await clients(ORGANISER)
    public = await clients()
    url = f"/org/meets/{demo.meet_id}/events/{event_id}/draw"

    form_page = await org.get(url)
    assert form_page.status_code == 200
    assert 'value="groups_knockout" checked' in form_page.text  # the event's own format by default
    assert "16 人" in form_page.text and "未抽签" in form_page.text
    assert form_page.text.count('class="draw-seed-input"') == 16

    drawn = await org.post_form(url, draw_form(seed_1="1", seed_2="2"), htmx=True)
    assert drawn.status_code == 200
    assert not is_full_page(drawn.text)
    assert 'id="draw-preview"' in drawn.text and "随机种子 12345,可复现" in drawn.text
    assert "A组" in drawn.text and "D组" in drawn.text and "A组第1名" in drawn.text
    assert 'id="draw-generate"' in drawn.text and "重新抽签" in drawn.text  # the button now says redraw
    first = (await org.api("GET", f"/api/meets/{demo.meet_id}/events/{event_id}/draw")).json()
    assert first["status"] == "draft" and first["seed"] == 12345
    assert {e["seed"] for e in first["entrants"]} == {1, 2, None}

    same = await org.post_form(url, draw_form(seed_1="1", seed_2="2"), htmx=True)
    assert same.status_code == 200
    again = (await org.api("GET", f"/api/meets/{demo.meet_id}/events/{event_id}/draw")).json()
    assert pairings(again) == pairings(first)  # same seed, same entrants, same settings: the same draw

    other = await org.post_form(url, draw_form(seed_1="1", seed_2="2", seed="54321"), htmx=True)
    assert "随机种子 54321" in other.text
    redrawn = (await org.api("GET", f"/api/meets/{demo.meet_id}/events/{event_id}/draw")).json()
    assert pairings(redrawn) != pairings(first)

    # The draft is the organiser's alone.
    hidden = await public.get(f"/meets/{demo.meet_id}/events/{event_id}")
    assert hidden.status_code == 200 and "对阵尚未公布" in hidden.text
    assert redrawn["entrants"][0]["name"] not in hidden.text
    assert (await public.api("GET", f"/api/meets/{demo.meet_id}/events/{event_id}/draw")).json()["status"] == "none"

    published = await org.post_form(f"{url}/publish")
    assert published.status_code == 303 and published.headers["location"] == url
    locked = await org.get(url)
    assert "已公布" in locked.text and "不能再重新抽签" in locked.text
    assert 'id="draw-form"' not in locked.text and "<code>54321</code>" in locked.text
    refused = await org.post_form(url, draw_form(), htmx=True)
    assert refused.status_code == 409
    assert refused.headers["hx-retarget"] == "#flash" and "抽签结果已公布,不能重新抽签" in refused.text
    plain = await org.post_form(url, draw_form())
    assert plain.status_code == 409 and is_full_page(plain.text) and "抽签结果已公布,不能重新抽签" in plain.text

    shown = await public.get(f"/meets/{demo.meet_id}/events/{event_id}")
    assert shown.status_code == 200
    assert 'id="tables"' in shown.text and 'class="standings"' in shown.text
    assert shown.text.count('<div class="draw-table">') == 4
    assert 'id="bracket"' in shown.text and 'class="ko-tree"' in shown.text
    assert "A组第1名" in shown.text and "半决赛" in shown.text and "三四名决赛" in shown.text
    assert "随机种子 54321,可复现" in shown.text
    assert "第1轮" in shown.text and "待赛" in shown.text
    assert "最终名次" not in shown.text


async def test_the_organiser_list_shows_each_match_event_with_its_draw_status(
    demo_db: Database, demo: DemoMeet, clients: Clients
) -> None:
    tt = await enter_men(demo_db, demo, TT_MS, 1)
    xq = await enter_men(demo_db, demo, "XQ", 1)
    organiser = demo.actor(ORGANISER)
    await draws.generate(demo_db, organiser, demo.meet_id, tt, draws.DrawRequest(format="knockout", seed=1))
    await draws.generate(demo_db, organiser, demo.meet_id, xq, draws.DrawRequest(format="knockout", seed=1))
    await draws.publish(demo_db, organiser, demo.meet_id, xq)
    org = await clients(ORGANISER)
    page = await org.get(f"/org/meets/{demo.meet_id}/draws")
    assert page.status_code == 200
    rows = {name: row for name, row in re.findall(r"<strong>([^<]+)</strong>(.*?)</li>", page.text, re.S)}
    assert "预览" in rows["男子乒乓球单打"] and "已赛 0 / 共 8 场" in rows["男子乒乓球单打"]
    assert "已公布" in rows["中国象棋"] and f"/meets/{demo.meet_id}/events/{xq}" in rows["中国象棋"]
    assert "未抽签" in rows["拔河"]
    assert "男子100米" not in rows  # timed events have no draw
    meet_page = await org.get(f"/org/meets/{demo.meet_id}")
    assert f'href="/org/meets/{demo.meet_id}/draws"' in meet_page.text and "抽签与对阵" in meet_page.text
    public_meet = await (await clients()).get(f"/meets/{demo.meet_id}")
    assert f'href="/meets/{demo.meet_id}/events/{tt}"' in public_meet.text
    # Timed events are linked too: their page holds the heats and results.
    assert f'href="/meets/{demo.meet_id}/events/{demo.event_ids["ATH-100M-M"]}"' in public_meet.text


async def test_a_refused_draw_without_htmx_shows_the_form_again_with_what_was_typed(
    demo_db: Database, demo: DemoMeet, clients: Clients
) -> None:
    event_id = await enter_men(demo_db, demo, TT_MS, 1)
    org = await clients(ORGANISER)
    url = f"/org/meets/{demo.meet_id}/events/{event_id}/draw"
    refused = await org.post_form(url, draw_form(format="knockout", seed_1="1", seed_2="3"))
    assert refused.status_code == 422 and is_full_page(refused.text)
    assert "种子序号须从 1 开始连续编号且不能重复" in refused.text
    assert 'value="knockout" checked' in refused.text and 'name="seed_2" type="number"' in refused.text
    assert re.search(r'name="seed_2"[^>]*value="3"', refused.text)
    htmx = await org.post_form(url, draw_form(seed="not a number"), htmx=True)
    assert htmx.status_code == 422 and htmx.headers["hx-retarget"] == "#flash"
    assert "随机种子须为整数" in htmx.text
    too_few = await org.post_form(url, draw_form(format="groups_knockout", qualifiers="3", group_count="4"), htmx=True)
    assert too_few.status_code == 422 and "每组出线名额须在 1 到 2 之间" in too_few.text


# Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", [LEADER, REFEREE, None], ids=["leader", "referee", "anonymous"])
async def test_only_organisers_may_draw_or_publish(
    demo_db: Database, demo: DemoMeet, clients: Clients, username: str | None
) -> None:
    event_id = await enter_men(demo_db, demo, TT_MS, 1)
    client = await clients(username)
    base = f"/meets/{demo.meet_id}/events/{event_id}/draw"
    for response in (
        await client.get(f"/org{base}"),
        await client.post_form(f"/org{base}", draw_form()),
        await client.post_form(f"/org{base}/publish"),
        await client.get(f"/org/meets/{demo.meet_id}/draws"),
    ):
        if username is None:
            assert response.status_code == 303 and response.headers["location"].startswith("/login")
        else:
            assert response.status_code == 403
    for response in (
        await client.api("POST", f"/api{base}", {"format": "knockout"}),
        await client.api("POST", f"/api{base}/publish"),
    ):
        assert response.status_code == (401 if username is None else 403)
    async with demo_db.read() as session:
        assert await session.scalar(select(draws.Draw.id).where(draws.Draw.event_id == event_id)) is None


async def test_the_public_sees_a_published_draw_but_never_a_draft(
    demo_db: Database, demo: DemoMeet, clients: Clients
) -> None:
    event_id = await enter_men(demo_db, demo, "XQ", 1)
    organiser = demo.actor(ORGANISER)
    await draws.generate(demo_db, organiser, demo.meet_id, event_id, draws.DrawRequest(format="knockout", seed=3))
    view = await draws.view(demo_db, demo.meet_id, event_id, actor=organiser)
    someone = next(iter(view.entrants.values())).name
    for username in (None, LEADER, REFEREE):
        page = await (await clients(username)).get(f"/meets/{demo.meet_id}/events/{event_id}")
        assert page.status_code == 200 and someone not in page.text and "对阵尚未公布" in page.text
    preview = await (await clients(ORGANISER)).get(f"/meets/{demo.meet_id}/events/{event_id}")
    assert someone in preview.text and "尚未公布的抽签预览" in preview.text
    await draws.publish(demo_db, organiser, demo.meet_id, event_id)
    for username in (None, LEADER, REFEREE):
        page = await (await clients(username)).get(f"/meets/{demo.meet_id}/events/{event_id}")
        assert someone in page.text and 'class="ko-tree"' in page.text and "对阵尚未公布" not in page.text


async def test_a_timed_event_page_shows_heats_not_a_draw(demo: DemoMeet, client: Client) -> None:
    page = await client.get(f"/meets/{demo.meet_id}/events/{demo.event_ids['ATH-100M-M']}")
    assert page.status_code == 200 and "分组尚未公布" in page.text and "ko-tree" not in page.text
    assert (await client.get(f"/meets/{demo.meet_id}/events/987654")).status_code == 404


# Results and placings -----------------------------------------------------------------------


async def test_placings_appear_once_every_match_is_played(demo_db: Database, demo: DemoMeet, clients: Clients) -> None:
    event_id = await enter_men(demo_db, demo, TT_MS, 2)
    org = await clients(ORGANISER)
    url = f"/org/meets/{demo.meet_id}/events/{event_id}/draw"
    assert (await org.post_form(url, draw_form())).status_code == 303
    assert (await org.post_form(f"{url}/publish")).status_code == 303
    public = await clients()
    page_url = f"/meets/{demo.meet_id}/events/{event_id}"

    await play_everything(demo_db, demo, event_id)

    page = await public.get(page_url)
    assert page.status_code == 200
    assert "最终名次" in page.text and "比赛结束" in page.text
    data = (await public.api("GET", f"/api{page_url}/draw")).json()
    assert data["finished"] is True and data["status"] == "published"
    places = [(p["place"], p["name"], p["award"]) for p in data["placings"]]
    assert [p for p, _, _ in places[:4]] == [1, 2, 3, 4]
    assert [award for _, _, award in places] == [p <= 3 for p, _, _ in places]  # 男子乒乓球单打 awards 3 places
    champion = places[0][1]
    assert re.search(rf'class="award place-1">\s*<td[^>]*><span class="place-no">第1名</span>.*?<strong>{champion}</strong>', page.text, re.S)
    assert f'<span class="ko-name">{champion}</span>' in page.text.split('ko-champion')[-1]
    assert all(m["status"] == "done" and m["summary"] for m in data["matches"])
    summaries = {m["summary"] for m in data["matches"]}
    assert summaries == {"2:0(11:6, 11:6)", "3:0(11:6, 11:6, 11:6)"}  # best of 3; the final best of 5
    assert '<strong>3:0</strong><span class="fx-games">(11:6, 11:6, 11:6)</span>' in page.text
    assert all(row["place"] is not None for t in data["tables"] for row in t["rows"])


async def test_latest_summaries_reads_each_played_match_once(demo_db: Database, demo: DemoMeet) -> None:
    event_id = await enter_men(demo_db, demo, "XQ", 1)
    organiser = demo.actor(ORGANISER)
    draw = await draws.generate(demo_db, organiser, demo.meet_id, event_id, draws.DrawRequest(format="knockout", seed=5))
    await draws.publish(demo_db, organiser, demo.meet_id, event_id)
    assert await match_results.latest_summaries(demo_db, draw.id) == {}
    async with demo_db.read() as session:
        match = (await session.scalars(select(Match).where(Match.draw_id == draw.id, Match.status == MatchStatus.READY))).first()
    assert match is not None
    await match_results.record_result(
        demo_db, organiser, match.id, ResultInput(idempotency_key=uuid.uuid4().hex, version=0, tally=(2, 0))
    )
    await match_results.record_result(
        demo_db, organiser, match.id,
        ResultInput(idempotency_key=uuid.uuid4().hex, version=1, tally=(2, 1), reason="记录员看错了"),
    )
    assert await match_results.latest_summaries(demo_db, draw.id) == {match.id: "2:1"}


# JSON API ------------------------------------------------------------------------------------


async def test_the_api_draws_publishes_and_returns_the_draw(demo_db: Database, demo: DemoMeet, clients: Clients) -> None:
    event_id = await enter_men(demo_db, demo, "XQ", 1)
    org, public = await clients(ORGANISER), await clients()
    url = f"/api/meets/{demo.meet_id}/events/{event_id}/draw"
    created = await org.api("POST", url, {"format": "knockout", "settings": {"third_place": "shared"}, "seeds": {"2": 1}, "seed": 77})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "draft" and body["format"] == "knockout" and body["seed"] == 77
    assert body["settings"] == {"third_place": "shared"}
    assert len(body["entrants"]) == 8 and [e["seed"] for e in body["entrants"] if e["seed"]] == [1]
    assert len(body["matches"]) == 7 and body["tables"] == [] and body["placings"] == []
    assert {m["status"] for m in body["matches"]} == {"ready", "waiting"}
    assert (await public.api("GET", url)).json()["status"] == "none"

    bad = await org.api("POST", url, {"format": "groups_knockout", "settings": {"qualifiers": 9}})
    assert bad.status_code == 422 and "出线名额" in bad.json()["detail"]
    published = await org.api("POST", f"{url}/publish")
    assert published.status_code == 200 and published.json()["status"] == "published"
    seen = (await public.api("GET", url)).json()
    assert seen["status"] == "published" and seen["published_at"]
    first = next(m for m in seen["matches"] if m["status"] == "ready")
    names = {e["id"]: e["name"] for e in seen["entrants"]}
    assert first["a_name"] == names[first["a"]] and first["b_name"] == names[first["b"]]
    again = await org.api("POST", url, {"format": "knockout"})
    assert again.status_code == 409 and again.json()["detail"] == "抽签结果已公布,不能重新抽签"
    schema = (await public.get("/api/schema/openapi.json")).json()
    assert "/api/meets/{meet_id}/events/{event_id}/draw" in schema["paths"]


# Escaping ------------------------------------------------------------------------------------


async def test_names_in_the_draw_are_escaped_everywhere(demo_db: Database, demo: DemoMeet, clients: Clients) -> None:
    hostile = '<img src=x onerror="alert(1)">'
    organiser = demo.actor(ORGANISER)
    team_id = demo.team_of(LEADER)
    member = await teams.add_member(demo_db, organiser, team_id, PersonInput(name=hostile, gender="M", employee_no="ESC-001"))
    event_id = await enter_men(demo_db, demo, "XQ", 1)
    await registration.enter(demo_db, organiser, team_id=team_id, event_id=event_id, person_id=member.person_id)
    await draws.generate(demo_db, organiser, demo.meet_id, event_id, draws.DrawRequest(format="round_robin", seed=9))
    await draws.publish(demo_db, organiser, demo.meet_id, event_id)
    org = await clients(ORGANISER)
    for url in (f"/meets/{demo.meet_id}/events/{event_id}", f"/org/meets/{demo.meet_id}/events/{event_id}/draw"):
        page = await org.get(url)
        assert page.status_code == 200
        assert "<img src=x" not in page.text
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page.text
    data = (await org.api("GET", f"/api/meets/{demo.meet_id}/events/{event_id}/draw")).json()
    assert hostile in {e["name"] for e in data["entrants"]}


async def test_a_knockout_of_more_than_sixteen_lines_prints_in_halves(
    demo_db: Database, demo: DemoMeet, clients: Clients
) -> None:
    """24 chess players (32 lines): the event page scrolls the whole tree on screen and holds the
    上半区 / 下半区 / 半决赛至决赛 parts for print; the programme prints the parts only."""
    event_id = await enter_men(demo_db, demo, "XQ", 3)
    organiser = demo.actor(ORGANISER)
    await draws.generate(demo_db, organiser, demo.meet_id, event_id, draws.DrawRequest(format="knockout", seed=3))
    await draws.publish(demo_db, organiser, demo.meet_id, event_id)
    view = await draws.view(demo_db, demo.meet_id, event_id, actor=organiser)
    assert len(view.entrants) == 24
    page = (await (await clients(None)).get(f"/meets/{demo.meet_id}/events/{event_id}")).text
    assert 'class="ko-scroll ko-screen"' in page and '<div class="ko-parts">' in page
    titles = re.findall(r'class="ko-part-title">([^<]*)<', page)
    assert titles == ["上半区", "下半区", "半决赛至决赛"]
    book = (await (await clients(ORGANISER)).get(f"/org/meets/{demo.meet_id}/programme")).text
    assert "ko-parts ko-parts-shown" in book and "ko-screen" not in book
    assert re.findall(r'class="ko-part-title">([^<]*)<', book) == titles
