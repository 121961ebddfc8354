"""Member occasions (events.occasions) on SQLite and PostgreSQL: Gregorian and lunar birthdays from
the archive, other occasions, reminders and calendar items."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from events import occasions
from events.activity_models import MemberOccasion
from events.calendar_items import local
from events.db import Database
from events.errors import DomainError, Forbidden
from events.models import Person
from events.occasions import LunarBirthdayInput, OccasionInput, gregorian_birthdays, lunar_label
from tests.support import LEADER, ORGANISER, REFEREE, DemoMeet


async def _person(db: Database, birth: dt.date | None = dt.date(1980, 2, 29), no: str = "T-001") -> int:
    async with db.write() as session:
        person = Person(name="测试员", gender="F", birth_date=birth, employee_no=no, unit="质检部")
        session.add(person)
        await session.flush()
        return person.id


def test_gregorian_birthday_on_29_february_falls_on_28_february_in_common_years() -> None:
    birth = dt.date(1980, 2, 29)
    assert gregorian_birthdays(birth, dt.date(2027, 1, 1), dt.date(2029, 1, 1)) == [dt.date(2027, 2, 28), dt.date(2028, 2, 29)]
    assert gregorian_birthdays(birth, dt.date(1979, 1, 1), dt.date(1980, 1, 1)) == []  # not before birth


@given(st.dates(dt.date(1950, 1, 1), dt.date(2010, 12, 31)), st.integers(2011, 2090))
def test_one_gregorian_birthday_each_year_on_the_same_day_or_28_february(birth: dt.date, year: int) -> None:
    (day,) = gregorian_birthdays(birth, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    if (birth.month, birth.day) == (2, 29):
        assert (day.month, day.day) == ((2, 29) if day.year % 4 == 0 and (day.year % 100 or day.year % 400 == 0) else (2, 28))
    else:
        assert (day.month, day.day) == (birth.month, birth.day)


def test_lunar_labels() -> None:
    assert lunar_label(8, 15) == "农历八月十五"
    assert lunar_label(12, 23) == "农历腊月廿三"
    assert lunar_label(4, 8, True) == "农历闰四月初八"


async def test_lunar_birthday_falls_on_its_solar_date_each_year(demo_db: Database, demo: DemoMeet) -> None:
    actor = demo.actor(ORGANISER)
    pid = await _person(demo_db)
    await occasions.set_lunar_birthday(demo_db, actor, pid, LunarBirthdayInput(month="8", day="15"))
    found = [b for b in await occasions.birthdays(demo_db, actor, dt.date(2027, 1, 1), dt.date(2029, 1, 1)) if b.person_id == pid]
    # 中秋: 2027-09-15, 2028-10-03 — and no longer the Gregorian 29 February.
    assert [(b.on, b.lunar, b.age) for b in found] == [
        (dt.date(2027, 9, 15), "农历八月十五", 47), (dt.date(2028, 10, 3), "农历八月十五", 48),
    ]
    with pytest.raises(DomainError) as empty:  # a form sent too soon does not clear a birthday
        await occasions.set_lunar_birthday(demo_db, actor, pid, LunarBirthdayInput())
    assert empty.value.problems == {"month": "请填写农历月份(1–12)", "day": "请填写农历日期(1–30)"}
    await occasions.set_lunar_birthday(demo_db, actor, pid, LunarBirthdayInput(clear="1"))
    found = [b for b in await occasions.birthdays(demo_db, actor, dt.date(2027, 1, 1), dt.date(2028, 1, 1)) if b.person_id == pid]
    assert [(b.on, b.lunar) for b in found] == [(dt.date(2027, 2, 28), "")]


async def test_lunar_birthday_in_the_twelfth_month_lands_in_the_next_solar_year(demo_db: Database, demo: DemoMeet) -> None:
    actor = demo.actor(ORGANISER)
    pid = await _person(demo_db, birth=None)
    await occasions.set_lunar_birthday(demo_db, actor, pid, LunarBirthdayInput(month="12", day="30"))
    found = [b.on for b in await occasions.birthdays(demo_db, actor, dt.date(2027, 1, 1), dt.date(2028, 1, 1)) if b.person_id == pid]
    # Lunar 2026 腊月 has 29 days: 除夕 2027-02-05; lunar 2027 腊月 falls in 2028.
    assert found == [dt.date(2027, 2, 5)]


async def test_bad_lunar_birthdays_are_refused_in_chinese(demo_db: Database, demo: DemoMeet) -> None:
    actor = demo.actor(ORGANISER)
    pid = await _person(demo_db)
    with pytest.raises(DomainError) as bad:
        await occasions.set_lunar_birthday(demo_db, actor, pid, LunarBirthdayInput(month="13", day="0"))
    assert bad.value.problems == {"month": "农历月份应为 1–12", "day": "农历日期应为 1–30"}
    with pytest.raises(DomainError) as other_script:  # "²" passes str.isdigit, but is no number int() reads
        await occasions.set_lunar_birthday(demo_db, actor, pid, LunarBirthdayInput(month="²", day="1²"))
    assert other_script.value.problems == {"month": "农历月份应为 1–12", "day": "农历日期应为 1–30"}
    with pytest.raises(IntegrityError):
        async with demo_db.write() as session:
            person = await session.get(Person, pid)
            assert person is not None
            person.lunar_birth_month, person.lunar_birth_day = 2, None


async def test_occasions_need_a_person_unless_they_are_union_activities(demo_db: Database, demo: DemoMeet) -> None:
    actor = demo.actor(ORGANISER)
    with pytest.raises(DomainError) as bad:
        await occasions.save_occasion(demo_db, actor, OccasionInput(kind="wedding", occurs_on="2027-05-01"))
    assert bad.value.problems == {"person_id": "婚礼须选择职工"}
    with pytest.raises(DomainError, match="活动名称"):
        await occasions.save_occasion(demo_db, actor, OccasionInput(kind="womens_day", occurs_on="2027-03-08"))
    with pytest.raises(DomainError, match="0–60"):
        await occasions.save_occasion(demo_db, actor, OccasionInput(kind="other", title="x", occurs_on="2027-03-08", remind_days="99"))
    with pytest.raises(IntegrityError):
        async with demo_db.write() as session:
            session.add(MemberOccasion(kind="funeral", title="", occurs_on=dt.date(2027, 1, 1), location="", note="", remind_days=1, sequence=0))


async def test_occasions_are_for_organisers_only(demo_db: Database, demo: DemoMeet) -> None:
    for username in (LEADER, REFEREE):
        with pytest.raises(Forbidden):
            await occasions.birthdays(demo_db, demo.actor(username), dt.date(2027, 1, 1), dt.date(2027, 2, 1))
        with pytest.raises(Forbidden):
            await occasions.save_occasion(demo_db, demo.actor(username), OccasionInput(kind="other", title="x", occurs_on="2027-03-08"))
        async with demo_db.read() as session:
            assert await occasions.occasion_calendar_items(session, demo.actor(username), local(dt.datetime(2027, 1, 1)), local(dt.datetime(2027, 2, 1))) == []


async def test_reminders_are_due_from_their_reminder_days_until_the_day(demo_db: Database, demo: DemoMeet) -> None:
    actor = demo.actor(ORGANISER)
    pid = await _person(demo_db, birth=dt.date(1990, 7, 20))
    occasion = await occasions.save_occasion(
        demo_db, actor, OccasionInput(person_id=str(pid), kind="hospital", title="住院探望", occurs_on="2027-07-10", remind_days="5")
    )

    async def due(day: dt.date) -> set[str]:
        return {r.url for r in await occasions.reminders(demo_db, actor, today=day)}

    url = f"/org/occasions/{occasion.id}"
    assert url not in await due(dt.date(2027, 7, 4))
    assert url in await due(dt.date(2027, 7, 5)) and url in await due(dt.date(2027, 7, 10))
    assert url not in await due(dt.date(2027, 7, 11))
    titles = {r.title for r in await occasions.reminders(demo_db, actor, today=dt.date(2027, 7, 17))}
    assert "测试员 生日" in titles  # three days ahead


async def test_calendar_items_are_private_for_members_with_stable_uids_and_sequences(demo_db: Database, demo: DemoMeet) -> None:
    actor = demo.actor(ORGANISER)
    pid = await _person(demo_db, birth=dt.date(1990, 7, 20))
    occasion = await occasions.save_occasion(
        demo_db, actor, OccasionInput(person_id=str(pid), kind="wedding", title="婚礼", occurs_on="2027-07-21", at_time="11:30")
    )
    union = await occasions.save_occasion(demo_db, actor, OccasionInput(kind="labour_day", title="庆五一趣味赛", occurs_on="2027-07-22"))
    window = local(dt.datetime(2027, 7, 20)), local(dt.datetime(2027, 7, 23))
    async with demo_db.read() as session:
        items = {i.uid: i for i in await occasions.occasion_calendar_items(session, actor, *window)}
    birthday = items[f"birthday-{pid}-2027@zhijia"]
    assert birthday.all_day and birthday.private and birthday.people == (pid,)
    wedding = items[f"occasion-{occasion.id}@zhijia"]
    assert wedding.private and wedding.start == local(dt.datetime(2027, 7, 21, 11, 30)) and wedding.sequence == 0
    assert not items[f"occasion-{union.id}@zhijia"].private
    await occasions.save_occasion(
        demo_db, actor, OccasionInput(person_id=str(pid), kind="wedding", title="婚礼", occurs_on="2027-07-21", at_time="12:00"), occasion.id
    )
    await occasions.set_lunar_birthday(demo_db, actor, pid, LunarBirthdayInput(month="6", day="18"))
    async with demo_db.read() as session:
        again = {i.uid: i for i in await occasions.occasion_calendar_items(session, actor, local(dt.datetime(2027, 7, 1)), local(dt.datetime(2027, 8, 1)))}
    assert again[wedding.uid].sequence == 1
    assert again[birthday.uid].sequence == 1 and again[birthday.uid].start.date() == dt.date(2027, 7, 21)  # 农历六月十八


async def test_demo_has_lunar_birthdays_and_occasions(demo_db: Database, demo: DemoMeet) -> None:
    actor = demo.actor(ORGANISER)
    async with demo_db.read() as session:
        lunar = (await session.scalars(select(Person).where(Person.lunar_birth_month.is_not(None)))).all()
        kinds = set((await session.scalars(select(MemberOccasion.kind))).all())
    assert len(lunar) == 3
    assert {"hospital", "wedding", "womens_day", "labour_day"} <= kinds
    titles = [r.title for r in await occasions.reminders(demo_db, actor)]
    assert any("农历" in t for t in titles)  # one lunar birthday two days after the demo's day


async def test_a_cancelled_occasion_stays_in_the_feed_as_cancelled_with_a_higher_sequence(demo_db: Database, demo: DemoMeet) -> None:
    import icalendar

    from events import calendar_feed

    actor = demo.actor(ORGANISER)
    pid = await _person(demo_db, birth=dt.date(1990, 1, 5))
    occasion = await occasions.save_occasion(
        demo_db, actor, OccasionInput(person_id=str(pid), kind="hospital", title="住院探望", occurs_on="2027-07-10", remind_days="5")
    )
    feed = await calendar_feed.create_feed(demo_db, actor, "手机")
    uid = f"occasion-{occasion.id}@zhijia"

    def event_of(body: bytes) -> icalendar.Event:
        found = [e for e in icalendar.Calendar.from_ical(body).walk("VEVENT") if str(e["UID"]) == uid]
        assert len(found) == 1
        return found[0]

    before = event_of(await calendar_feed.feed_ics(demo_db, feed.token, on=dt.date(2027, 7, 1)))
    assert str(before["STATUS"]) == "CONFIRMED"
    await occasions.cancel_occasion(demo_db, actor, occasion.id)
    await occasions.cancel_occasion(demo_db, actor, occasion.id)  # a second cancel changes nothing
    after = event_of(await calendar_feed.feed_ics(demo_db, feed.token, on=dt.date(2027, 7, 1)))
    assert str(after["STATUS"]) == "CANCELLED"
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert f"/org/occasions/{occasion.id}" not in {r.url for r in await occasions.reminders(demo_db, actor, today=dt.date(2027, 7, 8))}
    assert (await occasions.get_occasion(demo_db, actor, occasion.id)).cancelled
    with pytest.raises(Forbidden):
        await occasions.cancel_occasion(demo_db, demo.actor(LEADER), occasion.id)


def test_the_member_chosen_on_a_form_is_an_id_or_a_chinese_refusal() -> None:
    assert occasions.chosen_person(" 12 ") == 12
    for text, message in (("", "请选择职工"), ("  ", "请选择职工"), ("张三", "职工无效"), ("²", "职工无效"), ("9" * 20, "职工无效")):
        with pytest.raises(DomainError, match=message) as refused:
            occasions.chosen_person(text)
        assert refused.value.field == "person_id"


async def test_an_occasion_for_a_member_id_out_of_range_is_refused_not_an_error(demo_db: Database, demo: DemoMeet) -> None:
    actor = demo.actor(ORGANISER)
    for text in ("9" * 20, "²"):
        with pytest.raises(DomainError) as bad:
            await occasions.save_occasion(demo_db, actor, OccasionInput(person_id=text, kind="hospital", occurs_on="2027-05-01"))
        assert bad.value.problems["person_id"] == "职工无效"
