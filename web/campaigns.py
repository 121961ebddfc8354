"""Festival condolence visits (节日慰问 / 送温暖) for organisers: campaigns, households, visit
groups, visits, and the printed arrangement table (安排表), public notice (公示) and summary.

Every route is for organisers only (the guard, and again the services). A household's private
details (income, ID number, illness, the hardship assessment) are on its own page, whose every
viewing the service writes to the audit log; the board and the printed sheets never show them.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from events import beneficiaries, campaigns, person_tags, visit_groups
from events.beneficiaries import HardshipInput, HouseholdInput, VisitInput
from events.campaigns import CATEGORIES, MASK_LABELS, STATUS_LABELS, CampaignInput, LivingLineInput
from events.meets import today
from events.money import yuan, yuan_plain
from events.visit_groups import GroupInput, MemberInput
from scheduling.hardship import CAUSE_LABELS, MARITAL_LABELS
from web.auth import actor_of, organiser_only
from web.entry_forms import xlsx_response
from web.forms import parse
from web.public import db_of
from web.render import go, page, partial

BASE = "/org/campaigns"
GUARDS = [organiser_only]


def _context() -> dict[str, Any]:
    return {
        "yuan": yuan, "yuan_plain": yuan_plain, "CATEGORIES": CATEGORIES, "MASK_LABELS": MASK_LABELS,
        "STATUS_LABELS": STATUS_LABELS, "MARITAL_LABELS": MARITAL_LABELS, "CAUSE_LABELS": CAUSE_LABELS,
        "today": today(),
    }


def _url(campaign_id: int, rest: str = "") -> str:
    return f"{BASE}/{campaign_id}{rest}"


# Campaigns ------------------------------------------------------------------------------------


@get(BASE, name="campaigns", guards=GUARDS)
async def campaign_list(request: Request[Any, Any, Any]) -> Any:
    db, actor = db_of(request), actor_of(request)
    found = await campaigns.list_campaigns(db, actor)
    return page(request, "campaigns/list.html", campaigns=found, **_context())


@post(BASE, name="campaign_create", guards=GUARDS)
async def campaign_create(request: Request[Any, Any, Any]) -> Any:
    data = parse(await request.form(), CampaignInput)
    campaign = await campaigns.save_campaign(db_of(request), actor_of(request), data)
    return go(request, _url(campaign.id))


@get(BASE + "/{campaign_id:int}", name="campaign", guards=GUARDS)
async def campaign_board(request: Request[Any, Any, Any], campaign_id: FromPath[int]) -> Any:
    db, actor = db_of(request), actor_of(request)
    board = await campaigns.board(db, actor, campaign_id)
    tags = await person_tags.tag_counts(db, actor)
    return page(request, "campaigns/board.html", board=board, c=board.campaign, tags=tags, **_context())


@post(BASE + "/{campaign_id:int}", name="campaign_update", guards=GUARDS)
async def campaign_update(request: Request[Any, Any, Any], campaign_id: FromPath[int]) -> Any:
    data = parse(await request.form(), CampaignInput)
    await campaigns.save_campaign(db_of(request), actor_of(request), data, campaign_id)
    return go(request, _url(campaign_id))


@post(BASE + "/{campaign_id:int}/amounts", name="campaign_amounts", guards=GUARDS)
async def campaign_amounts(request: Request[Any, Any, Any], campaign_id: FromPath[int]) -> Any:
    form = await request.form()
    await campaigns.save_amounts(db_of(request), actor_of(request), campaign_id, {k: str(v) for k, v in form.items()})
    return go(request, _url(campaign_id) + "#amounts")


# Households -------------------------------------------------------------------------------------


@post(BASE + "/{campaign_id:int}/households", name="household_add", guards=GUARDS)
async def household_add(request: Request[Any, Any, Any], campaign_id: FromPath[int]) -> Any:
    data = parse(await request.form(), HouseholdInput)
    b = await beneficiaries.add_household(db_of(request), actor_of(request), campaign_id, data)
    return go(request, _url(campaign_id, f"/households/{b.id}"))


@post(BASE + "/{campaign_id:int}/draw", name="household_draw", guards=GUARDS)
async def household_draw(request: Request[Any, Any, Any], campaign_id: FromPath[int]) -> Any:
    form = await request.form()
    await beneficiaries.draw_by_tag(
        db_of(request), actor_of(request), campaign_id, str(form.get("tag") or ""), str(form.get("category") or "")
    )
    return go(request, _url(campaign_id) + "#households")


@get(BASE + "/{campaign_id:int}/households/{household_id:int}", name="household", guards=GUARDS)
async def household_page(request: Request[Any, Any, Any], campaign_id: FromPath[int], household_id: FromPath[int]) -> Any:
    d = await beneficiaries.household_details(db_of(request), actor_of(request), campaign_id, household_id)
    return page(request, "campaigns/household.html", d=d, c=d.campaign, b=d.b, **_context())


@post(BASE + "/{campaign_id:int}/households/{household_id:int}", name="household_update", guards=GUARDS)
async def household_update(request: Request[Any, Any, Any], campaign_id: FromPath[int], household_id: FromPath[int]) -> Any:
    form = await request.form()
    await beneficiaries.update_household(
        db_of(request), actor_of(request), campaign_id, household_id, parse(form, HouseholdInput), parse(form, HardshipInput)
    )
    return go(request, _url(campaign_id, f"/households/{household_id}"))


@post(BASE + "/{campaign_id:int}/households/{household_id:int}/review", name="household_review", guards=GUARDS)
async def household_review(request: Request[Any, Any, Any], campaign_id: FromPath[int], household_id: FromPath[int]) -> Any:
    form = await request.form()
    await beneficiaries.review_household(
        db_of(request), actor_of(request), campaign_id, household_id, str(form.get("verdict") or ""), str(form.get("reason") or "")
    )
    return go(request, _url(campaign_id, f"/households/{household_id}"))


@post(BASE + "/{campaign_id:int}/households/{household_id:int}/amount", name="household_amount", guards=GUARDS)
async def household_amount(request: Request[Any, Any, Any], campaign_id: FromPath[int], household_id: FromPath[int]) -> Any:
    form = await request.form()
    await beneficiaries.set_amount(
        db_of(request), actor_of(request), campaign_id, household_id,
        str(form.get("cash") or ""), str(form.get("goods") or ""), str(form.get("override_reason") or ""),
    )
    return go(request, _url(campaign_id, f"/households/{household_id}") + "#amount")


@post(BASE + "/{campaign_id:int}/households/{household_id:int}/group", name="household_group", guards=GUARDS)
async def household_group(request: Request[Any, Any, Any], campaign_id: FromPath[int], household_id: FromPath[int]) -> Any:
    """Assign a group; from the board's select (HTMX) the answer is the household's row."""
    form = await request.form()
    group_id = visit_groups.chosen_group(str(form.get("group_id") or ""))
    db, actor = db_of(request), actor_of(request)
    await beneficiaries.assign_group(db, actor, campaign_id, household_id, group_id)
    if request.headers.get("hx-request") and request.headers.get("hx-target", "").startswith("household-"):
        board = await campaigns.board(db, actor, campaign_id)
        h = next(h for h in board.households if h.b.id == household_id)
        return partial(request, "campaigns/partials/household_row.html", h=h, board=board, c=board.campaign, **_context())
    return go(request, _url(campaign_id, f"/households/{household_id}"))


@post(BASE + "/{campaign_id:int}/households/{household_id:int}/visit", name="household_visit", guards=GUARDS)
async def household_visit(request: Request[Any, Any, Any], campaign_id: FromPath[int], household_id: FromPath[int]) -> Any:
    data = parse(await request.form(), VisitInput)
    await beneficiaries.record_visit(db_of(request), actor_of(request), campaign_id, household_id, data)
    return go(request, _url(campaign_id, f"/households/{household_id}") + "#visit")


@post(BASE + "/{campaign_id:int}/households/{household_id:int}/delete", name="household_delete", guards=GUARDS)
async def household_delete(request: Request[Any, Any, Any], campaign_id: FromPath[int], household_id: FromPath[int]) -> Any:
    await beneficiaries.delete_household(db_of(request), actor_of(request), campaign_id, household_id)
    return go(request, _url(campaign_id) + "#households")


# Visit groups -------------------------------------------------------------------------------------


@post(BASE + "/{campaign_id:int}/groups", name="visit_group_add", guards=GUARDS)
async def group_add(request: Request[Any, Any, Any], campaign_id: FromPath[int]) -> Any:
    data = parse(await request.form(), GroupInput)
    await visit_groups.save_group(db_of(request), actor_of(request), campaign_id, data)
    return go(request, _url(campaign_id) + "#groups")


@post(BASE + "/{campaign_id:int}/groups/{group_id:int}", name="visit_group_update", guards=GUARDS)
async def group_update(request: Request[Any, Any, Any], campaign_id: FromPath[int], group_id: FromPath[int]) -> Any:
    data = parse(await request.form(), GroupInput)
    await visit_groups.save_group(db_of(request), actor_of(request), campaign_id, data, group_id)
    return go(request, _url(campaign_id) + f"#group-{group_id}")


@post(BASE + "/{campaign_id:int}/groups/{group_id:int}/cancel", name="visit_group_cancel", guards=GUARDS)
async def group_cancel(request: Request[Any, Any, Any], campaign_id: FromPath[int], group_id: FromPath[int]) -> Any:
    await visit_groups.cancel_group(db_of(request), actor_of(request), campaign_id, group_id)
    return go(request, _url(campaign_id) + "#groups")


@post(BASE + "/{campaign_id:int}/groups/{group_id:int}/members", name="visit_group_member_add", guards=GUARDS)
async def member_add(request: Request[Any, Any, Any], campaign_id: FromPath[int], group_id: FromPath[int]) -> Any:
    data = parse(await request.form(), MemberInput)
    await visit_groups.add_member(db_of(request), actor_of(request), campaign_id, group_id, data)
    return go(request, _url(campaign_id) + f"#group-{group_id}")


@post(BASE + "/{campaign_id:int}/groups/{group_id:int}/members/{visitor_id:int}/delete", name="visit_group_member_remove", guards=GUARDS)
async def member_remove(
    request: Request[Any, Any, Any], campaign_id: FromPath[int], group_id: FromPath[int], visitor_id: FromPath[int]
) -> Any:
    await visit_groups.remove_member(db_of(request), actor_of(request), campaign_id, group_id, visitor_id)
    return go(request, _url(campaign_id) + f"#group-{group_id}")


# Printed sheets and exports ---------------------------------------------------------------------------


@get(BASE + "/{campaign_id:int}/arrangement", name="campaign_arrangement", guards=GUARDS)
async def arrangement_page(request: Request[Any, Any, Any], campaign_id: FromPath[int]) -> Any:
    board = await campaigns.board(db_of(request), actor_of(request), campaign_id)
    return page(request, "campaigns/arrangement.html", board=board, c=board.campaign, **_context())


@get(BASE + "/{campaign_id:int}/arrangement.xlsx", name="campaign_arrangement_xlsx", guards=GUARDS)
async def arrangement_xlsx(request: Request[Any, Any, Any], campaign_id: FromPath[int]) -> Response[bytes]:
    filename, data = await campaigns.arrangement_xlsx(db_of(request), actor_of(request), campaign_id)
    return xlsx_response(filename, data, "arrangement.xlsx")


@get(BASE + "/{campaign_id:int}/notice", name="campaign_notice", guards=GUARDS)
async def notice_page(request: Request[Any, Any, Any], campaign_id: FromPath[int]) -> Any:
    n = await campaigns.notice(db_of(request), actor_of(request), campaign_id)
    return page(request, "campaigns/notice.html", n=n, c=n.campaign, **_context())


@get(BASE + "/{campaign_id:int}/summary", name="campaign_summary", guards=GUARDS)
async def summary_page(request: Request[Any, Any, Any], campaign_id: FromPath[int]) -> Any:
    board = await campaigns.board(db_of(request), actor_of(request), campaign_id)
    return page(
        request, "campaigns/summary.html", board=board, c=board.campaign, lines=campaigns.summary_lines(board), **_context()
    )


@get(BASE + "/{campaign_id:int}/summary.xlsx", name="campaign_summary_xlsx", guards=GUARDS)
async def summary_xlsx(request: Request[Any, Any, Any], campaign_id: FromPath[int]) -> Response[bytes]:
    filename, data = await campaigns.summary_xlsx(db_of(request), actor_of(request), campaign_id)
    return xlsx_response(filename, data, "campaign-summary.xlsx")


# Settings: person tags and living lines ---------------------------------------------------------------


@get(BASE + "/tags", name="person_tags", guards=GUARDS)
async def tags_page(request: Request[Any, Any, Any]) -> Any:
    db, actor = db_of(request), actor_of(request)
    counts = await person_tags.tag_counts(db, actor)
    shown = str(request.query_params.get("tag") or (counts[0][0] if counts else ""))
    people = await person_tags.tagged_people(db, actor, shown) if shown else []
    return page(request, "campaigns/tags.html", counts=counts, shown=shown, people=people, **_context())


@post(BASE + "/tags", name="person_tags_save", guards=GUARDS)
async def tags_save(request: Request[Any, Any, Any]) -> Any:
    form = await request.form()
    tag = str(form.get("tag") or "")
    await person_tags.tag_people(
        db_of(request), actor_of(request), tag, str(form.get("employee_nos") or ""), remove=form.get("action") == "remove"
    )
    return go(request, f"{BASE}/tags?tag={tag.strip()}")


@get(BASE + "/living-lines", name="living_lines", guards=GUARDS)
async def living_lines_page(request: Request[Any, Any, Any]) -> Any:
    lines = await campaigns.list_living_lines(db_of(request), actor_of(request))
    return page(request, "campaigns/living_lines.html", lines=lines, **_context())


@post(BASE + "/living-lines", name="living_line_save", guards=GUARDS)
async def living_line_save(request: Request[Any, Any, Any]) -> Any:
    data = parse(await request.form(), LivingLineInput)
    await campaigns.save_living_line(db_of(request), actor_of(request), data)
    return go(request, f"{BASE}/living-lines")


ROUTES = [
    campaign_list, campaign_create, campaign_board, campaign_update, campaign_amounts,
    household_add, household_draw, household_page, household_update, household_review, household_amount,
    household_group, household_visit, household_delete,
    group_add, group_update, group_cancel, member_add, member_remove,
    arrangement_page, arrangement_xlsx, notice_page, summary_page, summary_xlsx,
    tags_page, tags_save, living_lines_page, living_line_save,
]
