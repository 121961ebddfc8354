"""HTTP security: headers, CSRF, session rotation and sign-out, the sign-in throttle."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

from events import accounts
from events.db import Database
from tests.support import CSRF_COOKIE, LEADER, ORGANISER, PASSWORD, Client, DemoMeet
from web.auth import SESSION_COOKIE

Clients = Callable[..., Awaitable[Client]]


def assert_security_headers(response: httpx.Response) -> None:
    csp = response.headers["content-security-policy"]
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";")}
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert directives["script-src"] == "script-src 'self'"
    assert directives["default-src"] == "default-src 'self'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/", "/login", "/healthz", "/api/meets", "/static/zhijia.css"])
async def test_security_headers_on_pages_api_and_static_files(client: Client, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert_security_headers(response)


async def test_security_headers_on_not_found(client: Client) -> None:
    response = await client.get("/no-such-page")
    assert response.status_code == 404
    assert_security_headers(response)
    assert "找不到该页面" in response.text


async def test_security_headers_on_method_not_allowed(client: Client) -> None:
    response = await client.api("DELETE", "/healthz")
    assert response.status_code == 405
    assert_security_headers(response)


async def test_security_headers_on_a_signed_in_page_and_private_pages_are_not_cached(
    client: Client, demo: DemoMeet
) -> None:
    response = await client.sign_in_as(LEADER).get(f"/teams/{demo.team_of(LEADER)}")
    assert response.status_code == 200
    assert_security_headers(response)
    assert response.headers["cache-control"] == "no-store"


async def test_pages_load_no_inline_script(client: Client, demo: DemoMeet) -> None:
    for path in ("/", f"/meets/{demo.meet_id}", "/login"):
        html = (await client.get(path)).text
        assert "<script>" not in html
        assert " onclick=" not in html and " onload=" not in html


async def test_form_post_without_csrf_token_is_refused(client: Client) -> None:
    await client.csrf_token()  # the cookie is there; the form field is not
    response = await client.http.post("/login", data={"username": ORGANISER, "password": PASSWORD})
    assert response.status_code == 403
    assert "安全校验未通过" in response.text
    assert client.cookie(SESSION_COOKIE) is None


async def test_api_post_without_csrf_header_is_refused(client: Client) -> None:
    await client.csrf_token()
    response = await client.http.post("/api/session", json={"username": ORGANISER, "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["detail"].startswith("页面已过期或请求无效")


async def test_csrf_token_must_match_the_cookie(client: Client, clients: Clients) -> None:
    other = await clients()
    foreign_token = await other.csrf_token()
    assert foreign_token != await client.csrf_token()
    response = await client.http.post(
        "/login", data={"username": ORGANISER, "password": PASSWORD, "_csrf_token": foreign_token}
    )
    assert response.status_code == 403


async def test_signed_in_unsafe_request_without_csrf_is_refused(client: Client, demo: DemoMeet) -> None:
    client.sign_in_as(ORGANISER)
    await client.csrf_token()
    response = await client.http.post(f"/org/meets/{demo.meet_id}/teams", data={"name": "后勤部", "number": "9"})
    assert response.status_code == 403
    teams_page = await client.get(f"/meets/{demo.meet_id}")
    assert "后勤部" not in teams_page.text


async def test_csrf_cookie_is_http_only_and_strict(client: Client) -> None:
    response = await client.get("/login")
    header = response.headers["set-cookie"].lower()
    assert header.startswith(f"{CSRF_COOKIE}=")
    assert "httponly" in header and "samesite=strict" in header


async def test_sign_in_sets_a_new_http_only_session_cookie(client: Client) -> None:
    response = await client.sign_in(ORGANISER)
    assert response.status_code == 303
    assert response.headers["location"] == "/org"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{SESSION_COOKIE}="))
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert (await client.get("/org")).status_code == 200


async def test_a_cookie_planted_before_sign_in_is_not_the_one_after(client: Client, demo_db: Database) -> None:
    planted = "planted-by-an-attacker"
    client.set_cookie(SESSION_COOKIE, planted)
    response = await client.sign_in(LEADER)
    assert response.status_code == 303
    after = client.cookie(SESSION_COOKIE)
    assert after is not None and after != planted
    assert await accounts.actor_for_token(demo_db, planted) is None


async def test_signing_in_again_revokes_the_browsers_previous_session(
    client: Client, demo: DemoMeet, demo_db: Database
) -> None:
    before = demo.tokens[ORGANISER]
    client.sign_in_as(ORGANISER)
    response = await client.sign_in(ORGANISER)
    assert response.status_code == 303
    after = client.cookie(SESSION_COOKIE)
    assert after not in (None, before)
    assert await accounts.actor_for_token(demo_db, before) is None
    stolen = await _with_session(client, before)
    assert (await stolen.get("/org")).status_code == 303


async def _with_session(client: Client, token: str) -> Client:
    client.http.cookies.clear()
    client.set_cookie(SESSION_COOKIE, token)
    return client


async def test_sign_out_revokes_the_session(client: Client, demo: DemoMeet, demo_db: Database) -> None:
    client.sign_in_as(LEADER)
    response = await client.post_form("/logout")
    assert response.status_code == 303
    assert await accounts.actor_for_token(demo_db, demo.tokens[LEADER]) is None
    replay = await _with_session(client, demo.tokens[LEADER])
    page = await replay.get(f"/teams/{demo.team_of(LEADER)}")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


async def test_sign_in_is_throttled_after_five_failures(client: Client) -> None:
    for _ in range(accounts.THROTTLE_FAILURES):
        response = await client.sign_in(LEADER, "wrong-password")
        assert response.status_code == 422
        assert "用户名或密码不正确" in response.text
    response = await client.sign_in(LEADER, PASSWORD)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.text
    assert client.cookie(SESSION_COOKIE) is None


async def test_api_sign_in_is_throttled_too(client: Client) -> None:
    for _ in range(accounts.THROTTLE_FAILURES):
        assert (await client.api("POST", "/api/session", {"username": LEADER, "password": "nope-nope"})).status_code == 422
    response = await client.api("POST", "/api/session", {"username": LEADER, "password": PASSWORD})
    assert response.status_code == 429
    assert response.json()["detail"] == "登录失败次数过多,请一分钟后再试"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
async def test_sign_in_never_redirects_off_site(client: Client, target: str) -> None:
    response = await client.post_form("/login", {"username": ORGANISER, "password": PASSWORD, "next": target})
    assert response.status_code == 303
    assert response.headers["location"] == "/org"


async def test_sign_in_follows_a_local_next(client: Client, demo: DemoMeet) -> None:
    response = await client.post_form(
        "/login", {"username": ORGANISER, "password": PASSWORD, "next": f"/org/meets/{demo.meet_id}"}
    )
    assert response.headers["location"] == f"/org/meets/{demo.meet_id}"


async def test_healthz_names_the_database(client: Client, backend: str) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": backend}
