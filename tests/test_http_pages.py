"""Pages for each audience, HTMX partials and their refusals, escaping, the JSON API and its
OpenAPI schema. Both backends."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from events import teams
from events.db import Database
from events.schemas import TeamInput
from tests.support import LEADER, ORGANISER, OTHER_LEADER, REFEREE, Client, DemoMeet

Clients = Callable[..., Awaitable[Client]]


def is_full_page(html: str) -> bool:
    return html.lstrip().lower().startswith("<!doctype html>")


# Each audience's home -----------------------------------------------------------------------


async def test_public_home_lists_the_demo_meet(client: Client) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "第六届职工运动会" in response.text


async def test_public_meet_page_lists_events_and_teams(client: Client, demo: DemoMeet) -> None:
    response = await client.get(f"/meets/{demo.meet_id}")
    assert response.status_code == 200
    for text in ("男子100米", "羽毛球团体赛", "一车间", "财务部", "每人限报 3 个项目"):
        assert text in response.text


async def test_unknown_meet_is_a_404_in_chinese(client: Client) -> None:
    response = await client.get("/meets/987654")
    assert response.status_code == 404
    assert "找不到该运动会" in response.text


async def test_organiser_home_shows_the_dashboard(client: Client) -> None:
    response = await client.sign_in_as(ORGANISER).get("/org")
    assert response.status_code == 200
    assert "第六届职工运动会" in response.text
    assert 'href="/org/accounts"' in response.text


async def test_leader_home_is_their_team(client: Client, demo: DemoMeet) -> None:
    response = await client.sign_in_as(LEADER).get(f"/teams/{demo.team_of(LEADER)}")
    assert response.status_code == 200
    assert "一车间" in response.text
    assert "本队队员" in response.text


async def test_referee_home_lists_their_events(client: Client) -> None:
    response = await client.sign_in_as(REFEREE).get("/referee")
    assert response.status_code == 200
    assert "男子100米" in response.text
    assert "中国象棋" not in response.text  # caipan1 referees athletics only


@pytest.mark.parametrize(
    ("username", "home"), [(ORGANISER, "/org"), (LEADER, "/teams/{team}"), (REFEREE, "/referee"), (None, "/login")]
)
async def test_me_sends_each_role_home(client: Client, demo: DemoMeet, username: str | None, home: str) -> None:
    team = demo.team_of(LEADER)
    response = await client.sign_in_as(username).get("/me")
    assert response.status_code == 303
    assert response.headers["location"] == home.format(team=team)


async def test_signing_in_through_the_form_lands_on_the_role_home(client: Client, demo: DemoMeet) -> None:
    response = await client.sign_in(OTHER_LEADER)
    assert response.status_code == 303
    assert response.headers["location"] == f"/teams/{demo.team_of(OTHER_LEADER)}"


async def test_anonymous_visitor_is_sent_to_sign_in(client: Client, demo: DemoMeet) -> None:
    response = await client.get(f"/teams/{demo.team_of(LEADER)}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/teams/{demo.team_of(LEADER)}"


async def test_leader_is_refused_a_foreign_team_page(client: Client, demo: DemoMeet) -> None:
    response = await client.sign_in_as(LEADER).get(f"/teams/{demo.team_of(OTHER_LEADER)}")
    assert response.status_code == 403
    assert "只能查看和管理本队的信息" in response.text


async def test_leader_is_refused_organiser_pages(client: Client) -> None:
    response = await client.sign_in_as(LEADER).get("/org")
    assert response.status_code == 403
    assert "只有组委会(会务组)可以执行此操作" in response.text


# Forms and HTMX ---------------------------------------------------------------------------


async def test_htmx_member_form_with_errors_returns_the_partial_with_chinese_messages(
    client: Client, demo: DemoMeet
) -> None:
    client.sign_in_as(LEADER)
    response = await client.post_form(
        f"/teams/{demo.team_of(LEADER)}/members", {"name": "", "gender": "M", "employee_no": ""}, htmx=True
    )
    assert response.status_code == 422
    assert not is_full_page(response.text)
    assert 'id="members"' in response.text
    assert "请填写姓名" in response.text


async def test_member_form_without_htmx_returns_the_whole_page(client: Client, demo: DemoMeet) -> None:
    client.sign_in_as(LEADER)
    response = await client.post_form(f"/teams/{demo.team_of(LEADER)}/members", {"name": "张三", "gender": "M"})
    assert response.status_code == 422
    assert is_full_page(response.text)
    assert "请填写工号" in response.text


async def test_htmx_member_refusal_names_the_other_team(client: Client, demo: DemoMeet, demo_db: Database) -> None:
    [member] = [m for m in await teams.list_members(demo_db, demo.actor(ORGANISER), demo.team_of(LEADER))][:1]
    person = member.person
    client.sign_in_as(OTHER_LEADER)
    response = await client.post_form(
        f"/teams/{demo.team_of(OTHER_LEADER)}/members",
        {"name": person.name, "gender": person.gender, "employee_no": person.employee_no},
        htmx=True,
    )
    assert response.status_code == 422
    assert "已在「一车间」,每人每届只能代表一个队" in response.text


async def test_htmx_member_added_returns_the_refreshed_list(client: Client, demo: DemoMeet) -> None:
    client.sign_in_as(LEADER)
    response = await client.post_form(
        f"/teams/{demo.team_of(LEADER)}/members", {"name": "新职工", "gender": "F", "employee_no": "NEW001"}, htmx=True
    )
    assert response.status_code == 200
    assert not is_full_page(response.text)
    assert "新职工" in response.text


async def test_htmx_meet_form_refuses_an_end_before_the_start(client: Client) -> None:
    client.sign_in_as(ORGANISER)
    response = await client.post_form(
        "/org/meets",
        {
            "name": "第七届职工运动会", "edition": "7", "starts_on": "2027-11-20", "ends_on": "2027-11-19",
            "registration_opens": "2027-11-01", "registration_closes": "2027-11-10", "per_person_limit": "3",
        },
        htmx=True,
    )
    assert response.status_code == 422
    assert not is_full_page(response.text)
    assert "结束日期不能早于开始日期" in response.text


async def test_malformed_form_number_is_a_chinese_field_message(client: Client, demo: DemoMeet) -> None:
    client.sign_in_as(ORGANISER)
    response = await client.post_form(
        f"/org/meets/{demo.meet_id}/teams", {"name": "后勤部", "number": "九"}, htmx=True
    )
    assert response.status_code == 422
    assert "「队号」格式不正确" in response.text


async def test_successful_form_post_redirects(client: Client, demo: DemoMeet) -> None:
    client.sign_in_as(ORGANISER)
    response = await client.post_form(f"/org/meets/{demo.meet_id}/teams", {"name": "后勤部", "number": "9"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/org/meets/{demo.meet_id}#teams"
    htmx = await client.post_form(f"/org/meets/{demo.meet_id}/teams", {"name": "工会", "number": "10"}, htmx=True)
    assert htmx.headers["hx-redirect"] == f"/org/meets/{demo.meet_id}#teams"
    assert "hx-refresh" not in htmx.headers  # posted from elsewhere: the redirect loads the page


async def test_an_htmx_post_back_to_the_page_shown_reloads_it(client: Client, demo: DemoMeet) -> None:
    # HTMX follows HX-Redirect with location.href: to the same page with only an anchor added
    # that would scroll without loading, and the page would go on showing the old teams.
    client.sign_in_as(ORGANISER)
    shown = f"http://testserver/org/meets/{demo.meet_id}"
    response = await client.post_form(
        f"/org/meets/{demo.meet_id}/teams", {"name": "工会", "number": "10"}, htmx=True, headers={"HX-Current-URL": shown}
    )
    assert response.headers["hx-redirect"] == f"/org/meets/{demo.meet_id}#teams"
    assert response.headers["hx-refresh"] == "true"


async def test_htmx_refusal_of_an_in_place_action_goes_to_the_message_area(client: Client, demo: DemoMeet) -> None:
    client.sign_in_as(ORGANISER)
    response = await client.post_form(
        f"/org/meets/{demo.meet_id}/teams/{demo.team_of(LEADER)}/delete", htmx=True
    )
    assert response.status_code == 409
    assert response.headers["hx-retarget"] == "#flash"
    assert "名队员,请先移出队员" in response.text


async def test_team_names_are_escaped_in_pages(client: Client, demo: DemoMeet, demo_db: Database) -> None:
    hostile = "<script>alert(1)</script>"
    await teams.save_team(demo_db, demo.actor(ORGANISER), demo.meet_id, TeamInput(name=hostile, number=9))
    for path, username in ((f"/meets/{demo.meet_id}", None), (f"/org/meets/{demo.meet_id}", ORGANISER)):
        html = (await client.sign_in_as(username).get(path)).text
        assert hostile not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# JSON API ---------------------------------------------------------------------------------


async def test_api_sign_in_sets_the_session_and_me_reports_it(client: Client, demo: DemoMeet) -> None:
    response = await client.api("POST", "/api/session", {"username": LEADER, "password": "zhijia2026"})
    assert response.status_code == 200
    assert response.json()["team_id"] == demo.team_of(LEADER)
    me = (await client.get("/api/me")).json()
    assert (me["role"], me["team_id"]) == ("leader", demo.team_of(LEADER))
    assert (await client.api("DELETE", "/api/session")).status_code == 204
    assert (await client.get("/api/me")).json()["user_id"] is None


async def test_api_lists_meets_and_their_parts(client: Client, demo: DemoMeet) -> None:
    [meet] = (await client.get("/api/meets")).json()
    assert (meet["id"], meet["name"], meet["registration_state"]) == (demo.meet_id, "第六届职工运动会", "open")
    events = (await client.get(f"/api/meets/{demo.meet_id}/events")).json()
    assert len(events) == 20
    assert len((await client.get(f"/api/meets/{demo.meet_id}/teams")).json()) == 8


async def test_api_refusals_are_json_in_chinese(client: Client, demo: DemoMeet) -> None:
    body = {
        "name": "第七届职工运动会", "edition": 7, "starts_on": "2027-11-20", "ends_on": "2027-11-19",
        "registration_opens": "2027-11-01", "registration_closes": "2027-11-10",
    }
    anonymous = await client.api("POST", "/api/meets", body)
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"] == "请先登录"
    leader = await client.sign_in_as(LEADER).api("POST", "/api/meets", body)
    assert leader.status_code == 403
    assert leader.json()["detail"] == "只有组委会(会务组)可以执行此操作"
    organiser = await client.sign_in_as(ORGANISER).api("POST", "/api/meets", body)
    assert organiser.status_code == 422
    assert organiser.json()["problems"] == {"ends_on": "结束日期不能早于开始日期"}


async def test_api_organiser_creates_a_team(client: Client, demo: DemoMeet) -> None:
    response = await client.sign_in_as(ORGANISER).api(
        "POST", f"/api/meets/{demo.meet_id}/teams", {"name": "后勤部", "number": 9}
    )
    assert response.status_code == 201
    assert response.json()["name"] == "后勤部"


async def test_api_leader_reads_own_members_only(client: Client, demo: DemoMeet) -> None:
    client.sign_in_as(LEADER)
    own = await client.get(f"/api/teams/{demo.team_of(LEADER)}/members")
    assert own.status_code == 200
    assert len(own.json()) == len(demo.member_ids[demo.team_of(LEADER)])
    foreign = await client.get(f"/api/teams/{demo.team_of(OTHER_LEADER)}/members")
    assert foreign.status_code == 403


def _openapi_path(path: str) -> str:
    return re.sub(r"\{(\w+):[^}]+\}", r"{\1}", path)


async def test_openapi_schema_lists_every_api_route(client: Client, app: Litestar) -> None:
    response = await client.get("/api/schema/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "zhijia 职工之家 API"
    documented = {(path, method.upper()) for path, ops in schema["paths"].items() for method in ops}
    expected = {
        (_openapi_path(route.path), method)
        for route in app.routes
        if isinstance(route, HTTPRoute) and route.path.startswith("/api/") and not route.path.startswith("/api/schema")
        for method in route.methods - {"OPTIONS", "HEAD"}
    }
    assert expected, "the app has no /api routes"
    assert expected <= documented, sorted(expected - documented)
    assert ("/api/meets/{meet_id}/events", "GET") in documented


async def test_a_refused_matrix_tap_redraws_the_matrix_as_it_now_is_with_the_reason(
    client: Client, demo: DemoMeet, demo_db: Database
) -> None:
    """Two tabs: the person reached the limit in the other one. The refusal says why and the
    matrix comes back as the database has it (3/3, no more + buttons), not as the stale tab had it."""
    from sqlalchemy import select

    from events import registration
    from events.models import Event, Person, TeamMember

    team_id = demo.team_of(LEADER)
    async with demo_db.read() as session:
        person = await session.scalar(
            select(Person).join(TeamMember).where(TeamMember.team_id == team_id, Person.gender == "M").order_by(Person.id).limit(1)
        )
        events = (await session.scalars(
            select(Event).where(Event.meet_id == demo.meet_id, Event.division.in_(("men", "open")), Event.kind.in_(
                ("individual_timed", "individual_measured", "individual_match")
            )).order_by(Event.position)
        )).all()
    assert person is not None and len(events) >= 4
    for event in events[:3]:  # the other tab
        await registration.enter(demo_db, demo.actor(LEADER), team_id=team_id, event_id=event.id, person_id=person.id)
    client.sign_in_as(LEADER)
    response = await client.post_form(
        f"/teams/{team_id}/entries", {"event_id": str(events[3].id), "person_id": str(person.id)}, htmx=True
    )
    assert response.status_code == 422
    assert "hx-retarget" not in response.headers  # the matrix itself is swapped
    assert response.text.startswith('<div id="board">')
    assert f"{person.name} 已报 3 项,达到每人限报 3 项" in response.text
    assert 'id="flash" hx-swap-oob="innerHTML"><div class="alert error"' in response.text
    row = response.text.split(f'<th class="sticky" scope="row">{person.name} ', 1)[1].split("</tr>", 1)[0]
    assert '<span class="used full">3/3</span>' in row
    assert f'aria-label="给 {person.name} 报名{events[3].name}">+' in row
    assert row.split(f'aria-label="给 {person.name} 报名{events[3].name}"')[0].rsplit("<button", 1)[1].count("disabled") == 1


async def test_a_new_event_form_presets_no_sport_type_or_format_and_an_empty_choice_is_named(
    client: Client, demo: DemoMeet
) -> None:
    # A preset 篮球 + 个人计时 + 循环赛 could never be saved as it stood; the organiser chooses each.
    client.sign_in_as(ORGANISER)
    page = (await client.get(f"/org/meets/{demo.meet_id}/events/new")).text
    for name in ("sport", "kind", "format"):
        chosen = re.search(rf'<select id="f-{name}".*?</select>', page, re.S)
        assert chosen is not None and '<option value="">请选择</option>' in chosen.group(0)
        assert "selected" not in chosen.group(0), name
    response = await client.post_form(
        f"/org/meets/{demo.meet_id}/events",
        {"name": "男子跳绳", "code": "ROPE-M", "sport": "", "division": "men", "kind": "", "format": "",
         "award_places": "3", "best_of": "1", "timing": "electronic"},
        htmx=True,
    )
    assert response.status_code == 422
    assert "请更正下面标出的" in response.text and 'aria-invalid="true"' in response.text
    assert "show:top" in response.text  # the redrawn form scrolls its message into view on a phone
