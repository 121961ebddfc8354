"""Condolence visit campaigns (events.campaigns, events.beneficiaries, events.visit_groups,
events.person_tags) on SQLite and PostgreSQL, with the demo campaign 2027年春节慰问."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from events import beneficiaries, campaigns, person_tags, visit_groups
from events.beneficiaries import HardshipInput, HouseholdInput, VisitInput
from events.campaigns import AmountRule, CampaignInput, mask_name, planned_amount
from events.db import Database
from events.demo_campaigns import DEMO_CAMPAIGN_NAME
from events.errors import Conflict, DomainError, Forbidden, NotFound
from events.models import AuditLog, Beneficiary, Campaign, Visit, VisitGroup
from events.visit_groups import GroupInput
from tests.support import LEADER, ORGANISER, REFEREE, DemoMeet


async def _campaign_id(db: Database) -> int:
    async with db.read() as session:
        campaign_id = await session.scalar(select(Campaign.id).where(Campaign.name == DEMO_CAMPAIGN_NAME))
    assert campaign_id is not None
    return campaign_id


async def _audit_count(db: Database, action: str) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action)) or 0


# The demo campaign: seeds/003 篇一's shape --------------------------------------------------------


async def test_demo_campaign_has_six_households_in_two_groups_by_area(demo_db: Database, demo: DemoMeet) -> None:
    board = await campaigns.board(demo_db, demo.actor(ORGANISER), await _campaign_id(demo_db))
    assert len(board.approved) == 6
    assert [(g.group.name, g.group.area, len(g.households)) for g in board.groups] == [("第一组", "东城片区", 3), ("第二组", "西城片区", 3)]
    assert all(h.group is not None and h.group.area == h.b.area for h in board.households)
    first = board.groups[0].group
    assert (str(first.visit_on), first.gathers_at.strftime("%H:%M"), first.starts_at.strftime("%H:%M")) == ("2027-02-01", "09:45", "10:00")  # type: ignore[union-attr]
    budget = board.budget
    assert (budget.cash_budget_fen, budget.goods_budget_fen) == (300_000, 200_000)
    assert (budget.planned_cash_fen, budget.planned_goods_fen) == (270_000, 140_000)
    assert budget.warnings == [] and board.amount_warnings == []


async def test_board_is_for_organisers_only(demo_db: Database, demo: DemoMeet) -> None:
    campaign_id = await _campaign_id(demo_db)
    for username in (LEADER, REFEREE):
        with pytest.raises(Forbidden):
            await campaigns.board(demo_db, demo.actor(username), campaign_id)
        with pytest.raises(Forbidden):
            await beneficiaries.household_details(demo_db, demo.actor(username), campaign_id, 1)
    assert await _audit_count(demo_db, "household_view") == 0


# Eligibility from the seed's criteria, with the region's living line ------------------------------


async def test_household_details_assess_eligibility_and_are_audited(demo_db: Database, demo: DemoMeet) -> None:
    campaign_id = await _campaign_id(demo_db)
    organiser = demo.actor(ORGANISER)
    board = await campaigns.board(demo_db, organiser, campaign_id)
    ill = next(h.b for h in board.households if h.b.illness)
    details = await beneficiaries.household_details(demo_db, organiser, campaign_id, ill.id)
    assert details.line is not None and details.line.line_fen == 78_000
    assert details.verdict is not None and details.verdict.criteria == ("三", "四")
    assert "本人、配偶和 1 名未婚子女" in details.verdict.size_reason and details.verdict.size == 3
    retired = next(h.b for h in board.households if h.b.category == "退休")
    no_application = await beneficiaries.household_details(demo_db, organiser, campaign_id, retired.id)
    assert no_application.verdict is None and "尚未填写" in no_application.line_problem
    async with demo_db.read() as session:
        rows = (await session.scalars(select(AuditLog).where(AuditLog.action == "household_view").order_by(AuditLog.id))).all()
    assert [r.target for r in rows] == [f"household:{ill.id}", f"household:{retired.id}"]
    assert all(r.actor_id == organiser.user_id for r in rows)


async def test_without_a_living_line_the_details_say_so(demo_db: Database, demo: DemoMeet) -> None:
    organiser = demo.actor(ORGANISER)
    c = await campaigns.save_campaign(demo_db, organiser, CampaignInput(name="外地慰问", festival="春节", region="外地", starts_on="2027-01-01", ends_on="2027-01-31"))
    b = await beneficiaries.add_household(demo_db, organiser, c.id, HouseholdInput(name="某某", category="特困职工"))
    await beneficiaries.update_household(demo_db, organiser, c.id, b.id, HouseholdInput(name="某某", category="特困职工"), HardshipInput(monthly_income="1000"))
    details = await beneficiaries.household_details(demo_db, organiser, c.id, b.id)
    assert details.verdict is None and "未设置「外地」2027年" in details.line_problem


async def test_an_earlier_years_line_applies_until_a_new_one_is_set(demo_db: Database, demo: DemoMeet) -> None:
    organiser = demo.actor(ORGANISER)
    async with demo_db.read() as session:
        found = await campaigns.rules_for(session, "本市", 2029)
    assert found is not None and found[1].year == 2027
    await campaigns.save_living_line(demo_db, organiser, campaigns.LivingLineInput(region="本市", year="2029", line="900"))
    async with demo_db.read() as session:
        found = await campaigns.rules_for(session, "本市", 2029)
        none = await campaigns.rules_for(session, "本市", 2026)
    assert found is not None and found[0].living_line_fen == 90_000 and none is None


async def test_living_line_settings_are_checked(demo_db: Database, demo: DemoMeet) -> None:
    organiser = demo.actor(ORGANISER)
    with pytest.raises(DomainError) as refused:
        await campaigns.save_living_line(
            demo_db, organiser, campaigns.LivingLineInput(region="本市", year="2027", line="0", basic_percent="250")
        )
    assert {"line", "special_percent"} <= set(refused.value.problems)


# Drawing from the archive by tag, then review ----------------------------------------------------------


async def test_drawing_by_tag_adds_each_tagged_person_once_for_review(demo_db: Database, demo: DemoMeet) -> None:
    organiser = demo.actor(ORGANISER)
    c = await campaigns.save_campaign(demo_db, organiser, CampaignInput(name="2027年中秋慰问", festival="中秋", starts_on="2027-09-01", ends_on="2027-09-15"))
    assert await person_tags.tag_people(demo_db, organiser, "退休", "ZJ02001 ZJ02002,ZJ02003") == 3
    assert await beneficiaries.draw_by_tag(demo_db, organiser, c.id, "退休", "退休") == 3
    assert await beneficiaries.draw_by_tag(demo_db, organiser, c.id, "退休", "退休") == 0
    board = await campaigns.board(demo_db, organiser, c.id)
    assert [h.status for h in board.households] == ["proposed"] * 3
    assert all(h.b.person_id is not None and h.b.unit == "二车间" for h in board.households)
    assert board.approved == []  # proposed households are not yet in the budget


async def test_review_rejects_with_a_reason_and_unassigns(demo_db: Database, demo: DemoMeet) -> None:
    campaign_id = await _campaign_id(demo_db)
    organiser = demo.actor(ORGANISER)
    board = await campaigns.board(demo_db, organiser, campaign_id)
    b = board.households[0].b
    with pytest.raises(DomainError, match="理由"):
        await beneficiaries.review_household(demo_db, organiser, campaign_id, b.id, "reject")
    rejected = await beneficiaries.review_household(demo_db, organiser, campaign_id, b.id, "reject", "收入超标")
    assert rejected.review == "rejected" and rejected.group_id is None
    with pytest.raises(Conflict):
        await beneficiaries.assign_group(demo_db, organiser, campaign_id, b.id, board.groups[0].group.id)
    with pytest.raises(Conflict):
        await beneficiaries.record_visit(demo_db, organiser, campaign_id, b.id, VisitInput(visited_on="2027-02-01", signed_by="x"))


async def test_a_group_of_another_campaign_is_refused(demo_db: Database, demo: DemoMeet) -> None:
    campaign_id = await _campaign_id(demo_db)
    organiser = demo.actor(ORGANISER)
    other = await campaigns.save_campaign(demo_db, organiser, CampaignInput(name="另一个活动", festival="元旦", starts_on="2027-01-01", ends_on="2027-01-02"))
    foreign = await visit_groups.save_group(demo_db, organiser, other.id, GroupInput(name="第一组"))
    board = await campaigns.board(demo_db, organiser, campaign_id)
    with pytest.raises(NotFound):
        await beneficiaries.assign_group(demo_db, organiser, campaign_id, board.households[0].b.id, foreign.id)


# Amounts: standards per category, overrides, warnings -----------------------------------------------------


def test_retirees_get_the_per_person_standard_and_a_warning_below_it() -> None:
    rule = AmountRule(20_000, floor_fen=20_000, per_person=True)
    couple = Beneficiary(category="退休", persons=2, cash_override_fen=None, goods_override_fen=None)
    assert planned_amount(couple, rule).cash_fen == 40_000
    short = Beneficiary(category="退休", persons=2, cash_override_fen=30_000, goods_override_fen=None)
    planned = planned_amount(short, rule)
    assert planned.overridden and planned.warnings == ("慰问金低于标准:退休每人不少于 200 元",)


async def test_an_override_past_the_cap_is_kept_with_a_warning(demo_db: Database, demo: DemoMeet) -> None:
    campaign_id = await _campaign_id(demo_db)
    organiser = demo.actor(ORGANISER)
    board = await campaigns.board(demo_db, organiser, campaign_id)
    b = next(h.b for h in board.households if h.b.category == "特困职工")
    with pytest.raises(DomainError, match="调整理由"):
        await beneficiaries.set_amount(demo_db, organiser, campaign_id, b.id, "1500", "", "")
    _, planned = await beneficiaries.set_amount(demo_db, organiser, campaign_id, b.id, "1500", "", "家中突发火灾")
    assert planned.cash_fen == 150_000 and planned.warnings == ("慰问金超过上限:特困职工每户不超过 1,000 元",)
    board = await campaigns.board(demo_db, organiser, campaign_id)
    assert [w for _, w in board.amount_warnings] == list(planned.warnings)
    assert board.budget.planned_cash_fen == 270_000 + 100_000
    # Back to the standard: empty amounts clear the override and its reason.
    b2, planned = await beneficiaries.set_amount(demo_db, organiser, campaign_id, b.id, "", "", "")
    assert b2.override_reason == "" and planned.cash_fen == 50_000 and not planned.overridden


async def test_changed_standards_apply_to_every_household_of_the_category(demo_db: Database, demo: DemoMeet) -> None:
    campaign_id = await _campaign_id(demo_db)
    organiser = demo.actor(ORGANISER)
    form = {f"cash:{cat}": str(rule.cash_fen // 100) for cat, rule in campaigns.DEFAULT_AMOUNTS.items()}
    form["cash:退休"], form["floor:退休"] = "250", "200"
    await campaigns.save_amounts(demo_db, organiser, campaign_id, form)
    board = await campaigns.board(demo_db, organiser, campaign_id)
    retired = next(h for h in board.households if h.b.category == "退休")
    assert retired.planned.cash_fen == 2 * 25_000
    with pytest.raises(DomainError):
        await campaigns.save_amounts(demo_db, organiser, campaign_id, {**form, "floor:离休": "500", "cap:离休": "400"})


async def test_planned_cash_over_the_budget_warns(demo_db: Database, demo: DemoMeet) -> None:
    campaign_id = await _campaign_id(demo_db)
    organiser = demo.actor(ORGANISER)
    c = await campaigns.get_campaign(demo_db, organiser, campaign_id)
    await campaigns.save_campaign(
        demo_db, organiser,
        CampaignInput(name=c.name, festival=c.festival, region=c.region, starts_on=str(c.starts_on), ends_on=str(c.ends_on), cash_budget="2000", goods_budget="2000"),
        campaign_id,
    )
    board = await campaigns.board(demo_db, organiser, campaign_id)
    assert board.budget.warnings == ["计划慰问金 2,700 元超出预算 2,000 元"]


# Visits: planned → visited, with cash, goods, who signed; budget against spending ---------------------------


async def test_visits_are_recorded_and_counted_against_the_budget(demo_db: Database, demo: DemoMeet) -> None:
    campaign_id = await _campaign_id(demo_db)
    organiser = demo.actor(ORGANISER)
    board = await campaigns.board(demo_db, organiser, campaign_id)
    first, second = board.groups[0].households[:2]
    visit = await beneficiaries.record_visit(
        demo_db, organiser, campaign_id, first.b.id,
        VisitInput(visited_on="2027-02-01", goods="米、油", signed_by=first.b.name),
    )
    assert (visit.cash_fen, visit.goods_fen) == (first.planned.cash_fen, first.planned.goods_fen)  # the plan by default
    await beneficiaries.record_visit(demo_db, organiser, campaign_id, second.b.id, VisitInput(status="absent", visited_on="2027-02-01"))
    board = await campaigns.board(demo_db, organiser, campaign_id)
    statuses = {h.b.id: h.status for h in board.households}
    assert statuses[first.b.id] == "visited" and statuses[second.b.id] == "absent"
    assert board.budget.given_cash_fen == 50_000 and board.budget.cash_left_fen == 250_000
    # A correction replaces the visit of the household; it never adds a second one.
    await beneficiaries.record_visit(
        demo_db, organiser, campaign_id, second.b.id, VisitInput(visited_on="2027-02-03", cash="600", goods_value="0", signed_by="家属代签")
    )
    async with demo_db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Visit)) == 2
    board = await campaigns.board(demo_db, organiser, campaign_id)
    assert board.budget.given_cash_fen == 110_000
    with pytest.raises(Conflict):
        await beneficiaries.review_household(demo_db, organiser, campaign_id, first.b.id, "reject", "误报")
    with pytest.raises(Conflict):
        await beneficiaries.delete_household(demo_db, organiser, campaign_id, first.b.id)
    with pytest.raises(DomainError):
        await visit_groups.cancel_group(demo_db, organiser, campaign_id, board.groups[0].group.id)


async def test_a_visit_needs_who_signed(demo_db: Database, demo: DemoMeet) -> None:
    campaign_id = await _campaign_id(demo_db)
    organiser = demo.actor(ORGANISER)
    board = await campaigns.board(demo_db, organiser, campaign_id)
    with pytest.raises(DomainError) as refused:
        await beneficiaries.record_visit(demo_db, organiser, campaign_id, board.households[0].b.id, VisitInput(visited_on="2027-02-01"))
    assert refused.value.problems == {"signed_by": "请填写签收人"}


async def test_the_database_refuses_a_visited_household_without_a_signature(demo_db: Database, demo: DemoMeet) -> None:
    campaign_id = await _campaign_id(demo_db)
    async with demo_db.read() as session:
        household_id = await session.scalar(select(Beneficiary.id).where(Beneficiary.campaign_id == campaign_id).limit(1))
    import datetime as dt

    with pytest.raises(IntegrityError):
        async with demo_db.write() as session:
            session.add(Visit(beneficiary_id=household_id, status="visited", visited_on=dt.date(2027, 2, 1), signed_by=""))


# Groups ---------------------------------------------------------------------------------------------------


async def test_group_times_and_dates_are_checked(demo_db: Database, demo: DemoMeet) -> None:
    campaign_id = await _campaign_id(demo_db)
    organiser = demo.actor(ORGANISER)
    with pytest.raises(DomainError) as refused:
        await visit_groups.save_group(
            demo_db, organiser, campaign_id, GroupInput(name="第三组", visit_on="2027-03-01", starts_at="10:00", gathers_at="10:30")
        )
    assert set(refused.value.problems) == {"visit_on", "gathers_at"}
    with pytest.raises(DomainError, match="已有"):
        await visit_groups.save_group(demo_db, organiser, campaign_id, GroupInput(name="第一组"))


async def test_cancelling_a_group_returns_its_households_to_unassigned_and_keeps_it_marked(demo_db: Database, demo: DemoMeet) -> None:
    campaign_id = await _campaign_id(demo_db)
    organiser = demo.actor(ORGANISER)
    board = await campaigns.board(demo_db, organiser, campaign_id)
    cancelled = board.groups[1].group
    await visit_groups.cancel_group(demo_db, organiser, campaign_id, cancelled.id)
    await visit_groups.cancel_group(demo_db, organiser, campaign_id, cancelled.id)  # twice: nothing more happens
    board = await campaigns.board(demo_db, organiser, campaign_id)
    assert len(board.groups) == 1 and len(board.unassigned) == 3
    async with demo_db.read() as session:
        kept = await session.get(VisitGroup, cancelled.id)
        assert kept is not None and kept.cancelled_at is not None  # kept for the calendar feed, marked
        cancels = await session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.target == f"visit_group:{cancelled.id}", AuditLog.action == "visit_group_cancel")
        )
    assert cancels == 1
    with pytest.raises(NotFound):  # a cancelled group takes no households and no changes
        await beneficiaries.assign_group(demo_db, organiser, campaign_id, board.unassigned[0].b.id, cancelled.id)
    with pytest.raises(NotFound):
        await visit_groups.save_group(demo_db, organiser, campaign_id, GroupInput(name="新二组"), cancelled.id)
    again = await visit_groups.save_group(demo_db, organiser, campaign_id, GroupInput(name=cancelled.name))  # the name is free again
    assert again.id != cancelled.id


async def test_the_database_keeps_households_out_of_cancelled_groups(demo_db: Database, demo: DemoMeet) -> None:
    """Beside the service's checks: a household written into a cancelled group, or a group
    cancelled with households in it, is refused by the database itself."""
    campaign_id = await _campaign_id(demo_db)
    organiser = demo.actor(ORGANISER)
    board = await campaigns.board(demo_db, organiser, campaign_id)
    full, emptied = board.groups[0], board.groups[1]
    await visit_groups.cancel_group(demo_db, organiser, campaign_id, emptied.group.id)  # through the service: fine
    household = full.households[0].b.id
    with pytest.raises(IntegrityError, match="visit group with households cannot be cancelled"):
        async with demo_db.write() as session:
            await session.execute(text("UPDATE visit_group SET cancelled_at = CURRENT_TIMESTAMP WHERE id = :g"), {"g": full.group.id})
    with pytest.raises(IntegrityError, match="cannot be put in a cancelled visit group"):
        async with demo_db.write() as session:
            await session.execute(text("UPDATE beneficiary SET group_id = :g WHERE id = :b"), {"g": emptied.group.id, "b": household})
    async with demo_db.read() as session:
        assert (await session.get(Beneficiary, household)).group_id == full.group.id  # type: ignore[union-attr]
        assert (await session.get(VisitGroup, full.group.id)).cancelled_at is None  # type: ignore[union-attr]


# The public notice ------------------------------------------------------------------------------------------


def test_names_are_masked_as_the_union_chooses() -> None:
    assert mask_name("王小明", "middle") == "王*明"
    assert mask_name("王小明", "given") == "王**"
    assert mask_name("欧阳小明", "middle") == "欧**明"
    assert mask_name("李四", "middle") == "李*"
    assert mask_name("王小明", "none") == "王小明"


async def test_the_notice_lists_approved_households_with_publishable_fields_only(demo_db: Database, demo: DemoMeet) -> None:
    campaign_id = await _campaign_id(demo_db)
    organiser = demo.actor(ORGANISER)
    board = await campaigns.board(demo_db, organiser, campaign_id)
    await beneficiaries.review_household(demo_db, organiser, campaign_id, board.households[0].b.id, "reject", "不符合条件")
    n = await campaigns.notice(demo_db, organiser, campaign_id)
    assert len(n.lines) == 5
    assert set(n.lines[0].__dataclass_fields__) == {"number", "name", "unit", "category"}
    assert "公示期为2027年1月11日至2027年1月15日" in n.text and "公司工会办公室" in n.text
    with pytest.raises(Forbidden):
        await campaigns.notice(demo_db, demo.actor(LEADER), campaign_id)


# Inputs ----------------------------------------------------------------------------------------------------------


async def test_campaign_input_is_checked_in_chinese(demo_db: Database, demo: DemoMeet) -> None:
    organiser = demo.actor(ORGANISER)
    with pytest.raises(DomainError) as refused:
        await campaigns.save_campaign(
            demo_db, organiser,
            CampaignInput(name="", festival="春节", starts_on="2027-02-01", ends_on="2027-01-01", cash_budget="-5", notice_starts_on="2027-01-01"),
        )
    problems = refused.value.problems
    assert problems["name"] == "请填写活动名称"
    assert problems["ends_on"] == "结束日期不能早于开始日期"
    assert "cash_budget" in problems and "notice_ends_on" in problems
    with pytest.raises(DomainError, match="已有名为"):
        await campaigns.save_campaign(demo_db, organiser, CampaignInput(name=DEMO_CAMPAIGN_NAME, festival="春节", starts_on="2027-01-01", ends_on="2027-01-02"))


async def test_hardship_input_is_checked(demo_db: Database, demo: DemoMeet) -> None:
    campaign_id = await _campaign_id(demo_db)
    organiser = demo.actor(ORGANISER)
    board = await campaigns.board(demo_db, organiser, campaign_id)
    b = board.households[0].b
    with pytest.raises(DomainError) as refused:
        await beneficiaries.update_household(
            demo_db, organiser, campaign_id, b.id, HouseholdInput(name=b.name, category="不存在"),
            HardshipInput(id_number="12345", monthly_income="abc", parents="3", special_causes=["nope"]),
        )
    # The household's fields are checked first; its category is wrong.
    assert "category" in refused.value.problems
    with pytest.raises(DomainError) as refused:
        await beneficiaries.update_household(
            demo_db, organiser, campaign_id, b.id, HouseholdInput(name=b.name, category=b.category),
            HardshipInput(id_number="12345", monthly_income="abc", parents="3", special_causes=["nope"]),
        )
    assert {"id_number", "monthly_income", "parents", "special_causes"} <= set(refused.value.problems)


async def test_a_cancelled_group_stays_in_the_feed_as_cancelled_with_a_higher_sequence(demo_db: Database, demo: DemoMeet) -> None:
    import datetime as dt

    import icalendar

    from events import calendar_feed

    campaign_id = await _campaign_id(demo_db)
    organiser = demo.actor(ORGANISER)
    board = await campaigns.board(demo_db, organiser, campaign_id)
    group = board.groups[1].group
    feed = await calendar_feed.create_feed(demo_db, organiser, "手机")
    uid = f"visit-group-{group.id}@zhijia"

    async def outing() -> icalendar.Event:
        body = await calendar_feed.feed_ics(demo_db, feed.token, on=dt.date(2027, 1, 20))
        found = [e for e in icalendar.Calendar.from_ical(body).walk("VEVENT") if str(e["UID"]) == uid]
        assert len(found) == 1
        return found[0]

    before = await outing()
    assert str(before["STATUS"]) == "CONFIRMED"
    await visit_groups.cancel_group(demo_db, organiser, campaign_id, group.id)
    after = await outing()
    assert str(after["STATUS"]) == "CANCELLED"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])


async def test_a_person_is_listed_once_in_a_visit_group(demo_db: Database, demo: DemoMeet) -> None:
    from events.models import VisitGroupMember
    from events.visit_groups import MemberInput
    from tests.test_calendar import _add_group

    group = await _add_group(demo_db, demo, "重复组", "2027-01-20", "08:30", [("张三", "工会"), ("张三", "一车间")])
    organiser = demo.actor(ORGANISER)
    with pytest.raises(Conflict, match=r"张三\(工会\) 已在「重复组」中"):
        await visit_groups.add_member(demo_db, organiser, group.campaign_id, group.id, MemberInput(name="张三", unit="工会"))
    async with demo_db.read() as session:
        names = (await session.scalars(select(VisitGroupMember.unit).where(VisitGroupMember.group_id == group.id))).all()
    assert sorted(names) == ["一车间", "工会"]  # two people who share a name, told apart by unit
    # the database keeps the rule when two organisers add the same person at once
    with pytest.raises(IntegrityError):
        async with demo_db.write() as session:
            session.add(VisitGroupMember(group_id=group.id, name="张三", unit="一车间", phone=""))
            await session.flush()
