"""The demo's 联手兴家 pairing and member occasions (seeds/004, seeds/003 篇二).

一车间's model 职工之家 is paired with 三车间 and 机修车间 for a year that began on the first of
the month six months before the demo's day: 月会办 on the 10th of each month, 季考评 every
three months, 半年通报 every six, and an 经验交流暨成果展示会 near the end. Of the meetings
before the demo's day, one 月会办 was moved three days later, one was cancelled (held together
with the 季考评), the latest is left without minutes (overdue), and the rest were held with
minutes, attendance and outcomes. 三车间 rose from 未达标 to 合格 at the first 季考评.

Occasions: a hospital visit and a wedding in the coming days, the next 三八 and 五一 activities,
and three lunar birthdays in the archive (one falling two days after the demo's day, so its
reminder shows). Everything follows from the demo's day: no clock, no randomness.
"""

from __future__ import annotations

import datetime as dt

from lunardate import LunarDate
from sqlalchemy import select

from events import occasions, pairings
from events.activity_models import Pairing
from events.actors import Actor
from events.db import Database
from events.models import Person
from events.occasions import LunarBirthdayInput, OccasionInput
from events.pairings import LevelInput, MoveInput, PairingInput, PartnerInput, RecordInput, SeriesInput

DEMO_PAIRING_NAME = "一车间职工之家联手兴家"


def _month_start(day: dt.date, back: int) -> dt.date:
    month = day.year * 12 + day.month - 1 - back
    return dt.date(month // 12, month % 12 + 1, 1)


def _plus_months(day: dt.date, months: int) -> dt.date:
    month = day.year * 12 + day.month - 1 + months
    return dt.date(month // 12, month % 12 + 1, min(day.day, 28))


async def load_demo_activities(db: Database, actor: Actor, on: dt.date) -> None:
    async with db.read() as session:
        if await session.scalar(select(Pairing.id).where(Pairing.name == DEMO_PAIRING_NAME)):
            return
        people = {p.employee_no: p.id for p in (await session.scalars(select(Person))).all()}
    await _pairing(db, actor, on)
    await _occasions(db, actor, on, people)


async def _pairing(db: Database, actor: Actor, on: dt.date) -> None:
    start = _month_start(on, 6)
    end = _plus_months(start, 12) - dt.timedelta(days=1)
    pairing = await pairings.save_pairing(
        db, actor,
        PairingInput(
            name=DEMO_PAIRING_NAME, model_unit="一车间", starts_on=start.isoformat(), ends_on=end.isoformat(),
            goals="按照“六有三公开”要求,帮助联手单位健全工会组织和制度;年内三车间达到合格职工之家标准,"
                  "机修车间完成职代会、厂务公开制度建设;“三定期”:定期走访互查互促、定期召开会议推进、定期组织活动互动。",
        ),
    )
    third = await pairings.add_partner(db, actor, pairing.id, PartnerInput(unit="三车间", contact="三车间工会主席 刘红梅", level="未达标"))
    await pairings.add_partner(db, actor, pairing.id, PartnerInput(unit="机修车间", contact="机修车间工会主席 赵建军", level="未达标"))
    monthly = await pairings.save_series(
        db, actor, pairing.id,
        SeriesInput(kind="monthly", title="月会办", preset="custom", rule="FREQ=MONTHLY;BYMONTHDAY=10",
                    starts_on=start.replace(day=10).isoformat(), start_time="09:00", duration_minutes="90",
                    location="一车间职工之家会议室"),
    )
    quarterly = await pairings.save_series(
        db, actor, pairing.id,
        SeriesInput(kind="quarterly", title="季考评", preset="quarterly",
                    starts_on=_plus_months(start, 2).replace(day=25).isoformat(), start_time="14:30",
                    duration_minutes="120", location="公司工会会议室"),
    )
    half = await pairings.save_series(
        db, actor, pairing.id,
        SeriesInput(kind="half_yearly", title="半年通报", preset="half_yearly",
                    starts_on=_plus_months(start, 5).replace(day=28).isoformat(), start_time="15:00",
                    duration_minutes="60", location="公司工会会议室"),
    )
    await pairings.save_series(
        db, actor, pairing.id,
        SeriesInput(kind="exchange", title="“联手兴家”活动经验交流暨成果展示会", preset="once",
                    starts_on=_plus_months(start, 10).replace(day=18).isoformat(), start_time="09:30",
                    duration_minutes="180", location="公司职工活动中心",
                    note="现场观摩职工之家建设、资料图板展示、联手单位交流发言。"),
    )
    now = dt.datetime.combine(on, dt.time(0))
    _, _, views = await pairings.series_schedule(db, actor, monthly.id, now=now)
    past = [v for v in views if v.occurrence.start < now]
    moved = past[1] if len(past) > 2 else None
    cancelled = past[2] if len(past) > 3 else None
    overdue = past[-1] if past else None
    for number, view in enumerate(past, start=1):
        original = view.occurrence.original_start
        if view is overdue:
            continue
        if view is cancelled:
            await pairings.cancel_occurrence(db, actor, monthly.id, original, "与季考评合并召开", now=now)
            continue
        if view is moved:
            day = original.date() + dt.timedelta(days=3)
            await pairings.move_occurrence(
                db, actor, monthly.id, original, MoveInput(day=day.isoformat(), start_time="14:00", end_time="15:30"), now=now
            )
        await pairings.record_occurrence(
            db, actor, monthly.id, original,
            RecordInput(
                minutes=f"第{number}次月会办:通报上月联手活动开展情况,会办联手单位提出的问题,布置本月工作。",
                attendance="一车间工会 3 人;三车间工会 2 人;机修车间工会 2 人", attendee_count="7",
                outcomes="三车间职代会制度草案已修改定稿;机修车间完成会员信息登记。" if number == 1 else "按期推进“三定期”活动。",
            ),
            now=now,
        )
    _, _, q_views = await pairings.series_schedule(db, actor, quarterly.id, now=now)
    for view in q_views:
        if view.occurrence.start < now:
            await pairings.record_occurrence(
                db, actor, quarterly.id, view.occurrence.original_start,
                RecordInput(minutes="季度考评:对照“六有三公开”逐项检查联手单位建家情况。", attendance="公司工会 2 人;三家单位工会主席",
                            attendee_count="8", outcomes="三车间达到合格职工之家标准。"),
                now=now,
            )
            if third.level == "未达标":
                await pairings.set_partner_level(
                    db, actor, third.id,
                    LevelInput(level="合格", changed_on=view.occurrence.start.date().isoformat(), note="季考评:六有三公开全部达标"),
                )
                third.level = "合格"
    _, _, h_views = await pairings.series_schedule(db, actor, half.id, now=now)
    for view in h_views:
        if view.occurrence.start < now:
            await pairings.record_occurrence(
                db, actor, half.id, view.occurrence.original_start,
                RecordInput(minutes="半年通报:通报上半年联手兴家活动开展情况和考评结果。", attendance="公司工会;三家单位工会委员",
                            attendee_count="15", outcomes="印发半年通报一期。"),
                now=now,
            )


async def _occasions(db: Database, actor: Actor, on: dt.date, people: dict[str, int]) -> None:
    lunar_soon = LunarDate.from_solar_date(*(on + dt.timedelta(days=2)).timetuple()[:3])
    for employee_no, (month, day, leap) in {
        "ZJ01002": (lunar_soon.month, lunar_soon.day, lunar_soon.is_leap_month),
        "ZJ03004": (8, 15, False),
        "ZJ05001": (12, 23, False),
    }.items():
        if employee_no in people:
            await occasions.set_lunar_birthday(
                db, actor, people[employee_no], LunarBirthdayInput(month=str(month), day=str(day), leap="1" if leap else "")
            )
    womens_day = dt.date(on.year if on < dt.date(on.year, 3, 8) else on.year + 1, 3, 8)
    labour_day = dt.date(on.year if on < dt.date(on.year, 4, 28) else on.year + 1, 4, 28)
    rows = [
        OccasionInput(person_id=str(people.get("ZJ02005", "")), kind="hospital", title="住院探望",
                      occurs_on=(on + dt.timedelta(days=2)).isoformat(), at_time="15:00", location="市第一人民医院住院部",
                      note="工会主席带慰问品看望", remind_days="2"),
        OccasionInput(person_id=str(people.get("ZJ04006", "")), kind="wedding", title="婚礼",
                      occurs_on=(on + dt.timedelta(days=10)).isoformat(), at_time="11:30", location="锦江酒店",
                      note="送贺礼", remind_days="5"),
        OccasionInput(kind="womens_day", title="“三八”妇女节女职工联谊活动", occurs_on=womens_day.isoformat(),
                      at_time="14:00", location="职工活动中心", remind_days="14"),
        OccasionInput(kind="labour_day", title="庆“五一”职工趣味运动会", occurs_on=labour_day.isoformat(),
                      at_time="09:00", location="公司体育场", remind_days="14"),
    ]
    for row in rows:
        await occasions.save_occasion(db, actor, row)
