"""The demo meet: 第六届职工运动会 of seeds/003 篇六, with 8 teams and their accounts.

Loading is idempotent: a second run finds the meet and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import select

from events import accounts, demo_activities, demo_campaigns, demo_records, meet_events, meets, teams
from events.actors import Actor
from events.db import Database
from events.models import Meet, Person, Role, Team, TeamMember, UserAccount
from events.schemas import EventInput, MeetInput, TeamInput, VenueInput

DEMO_MEET_NAME = "第六届职工运动会"
DEMO_PASSWORD = "zhijia2026"
SYSTEM = Actor(user_id=None, role=Role.ORGANISER, display_name="系统")

VENUES = [
    ("田径场", "track", 1),
    ("篮球场", "court", 2),
    ("乒乓球室", "table", 4),
    ("棋牌室", "table", 6),
    ("羽毛球馆", "court", 3),
    ("拔河场地", "field", 1),
    ("趣味运动场", "field", 1),
]

# code, name, sport, division, kind, format, quota, roster_min, roster_max, max_men, max_women,
# award places, best_of, final best_of, venue — from seeds/003 篇六 sections 二 and 三.
EVENTS = [
    ("BB-M", "男子篮球", "basketball", "men", "team_match", "round_robin", 1, 5, 12, None, None, 2, 1, None, "篮球场"),
    ("TT-MS", "男子乒乓球单打", "table_tennis", "men", "individual_match", "groups_knockout", None, None, None, None, None, 3, 3, 5, "乒乓球室"),
    ("TT-WS", "女子乒乓球单打", "table_tennis", "women", "individual_match", "groups_knockout", None, None, None, None, None, 3, 3, 5, "乒乓球室"),
    ("XQ", "中国象棋", "chess", "open", "individual_match", "knockout", None, None, None, None, None, 3, 3, None, "棋牌室"),
    ("PK-SJ", "扑克(三副牌升级)", "cards", "open", "team_match", "knockout", None, 2, 2, None, None, 3, 3, None, "棋牌室"),
    ("TUG", "拔河", "tug_of_war", "open", "team_match", "round_robin", 1, 10, 10, None, None, 2, 3, None, "拔河场地"),
    ("ATH-100M-M", "男子100米", "athletics", "men", "individual_timed", "heats_final", None, None, None, None, None, 3, 1, None, "田径场"),
    ("ATH-100M-W", "女子100米", "athletics", "women", "individual_timed", "heats_final", None, None, None, None, None, 3, 1, None, "田径场"),
    ("ATH-1500M-M", "男子1500米", "athletics", "men", "individual_timed", "mass_start", None, None, None, None, None, 3, 1, None, "田径场"),
    ("ATH-1500M-W", "女子1500米", "athletics", "women", "individual_timed", "mass_start", None, None, None, None, None, 3, 1, None, "田径场"),
    ("RELAY-4X100-M", "男子4×100米接力", "athletics", "men", "relay", "timed_final", 1, 4, 4, None, None, 3, 1, None, "田径场"),
    ("RELAY-4X50-W", "女子4×50米接力", "athletics", "women", "relay", "timed_final", 1, 4, 4, None, None, 3, 1, None, "田径场"),
    ("BD-TEAM", "羽毛球团体赛", "badminton", "mixed", "team_match", "knockout", 1, 2, 4, 2, 2, 3, 3, None, "羽毛球馆"),
    ("FUN-DQB-W", "搭桥板(女)", "fun", "women", "individual_timed", "timed_final", None, None, None, None, None, 3, 1, None, "趣味运动场"),
    ("FUN-HLQ-W", "呼啦圈竞走(女)", "fun", "women", "individual_timed", "timed_final", None, None, None, None, None, 3, 1, None, "趣味运动场"),
    ("FUN-DSJ-M", "袋鼠跳(男)", "fun", "men", "individual_timed", "timed_final", None, None, None, None, None, 3, 1, None, "趣味运动场"),
    ("FUN-TJ-M", "踢毽(男)", "fun", "men", "individual_measured", "timed_final", None, None, None, None, None, 3, 1, None, "趣味运动场"),
    ("FUN-5RZ-M", "男子5人竞足", "fun", "men", "team_timed", "timed_final", 1, 5, 5, None, None, 2, 1, None, "趣味运动场"),
    ("FUN-5RZ-W", "女子5人竞足", "fun", "women", "team_timed", "timed_final", 1, 5, 5, None, None, 2, 1, None, "趣味运动场"),
    ("FUN-QXXL", "齐心协力(8人)", "fun", "mixed", "team_timed", "timed_final", 1, 8, 8, None, None, 2, 1, None, "趣味运动场"),
]

TEAMS = [
    (1, "一车间", "车间"),
    (2, "二车间", "车间"),
    (3, "三车间", "车间"),
    (4, "机修车间", "车间"),
    (5, "质检部", "部门"),
    (6, "生产技术部", "部门"),
    (7, "综合管理部", "部门"),
    (8, "财务部", "部门"),
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
MALE_CHARS = "伟强磊军勇杰涛明超斌浩鹏辉刚健峰建波宇亮俊志国华平东林海龙飞文斌博晨旭凯鑫锋毅"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲燕红梅琳婷雪慧颖倩丹萍佳莉洁瑶璐蓉莹晶欣悦怡琴萌薇"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    display_name: str
    team: str = ""
    chief_referee: bool = False


def demo_accounts() -> list[DemoAccount]:
    result = [DemoAccount("zuweihui", "organiser", "会务组 王建国")]
    result += [DemoAccount(f"lingdui{n}", "leader", f"{name}领队", name) for n, name, _ in TEAMS]
    result += [DemoAccount("caipan1", "referee", "田径裁判长 陈志远", chief_referee=True), DemoAccount("caipan2", "referee", "棋牌球类裁判 李秀梅")]
    return result


def _name(rng: random.Random, gender: str, taken: set[str]) -> str:
    chars = MALE_CHARS if gender == "M" else FEMALE_CHARS
    while True:
        given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
        name = rng.choice(SURNAMES) + given
        if name not in taken:
            taken.add(name)
            return name


def _people(rng: random.Random, team_number: int, team_name: str, taken: set[str]) -> list[Person]:
    size = 25 + (team_number % 3) - 1  # 24–26 per team
    people = []
    for i in range(1, size + 1):
        gender = "M" if i <= 15 else "F"
        birth = dt.date(1968, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 36))
        people.append(
            Person(
                name=_name(rng, gender, taken),
                gender=gender,
                birth_date=birth,
                employee_no=f"ZJ{team_number:02d}{i:03d}",
                unit=team_name,
                phone=f"13{rng.randrange(100000000, 999999999)}",
            )
        )
    return people


async def load_demo(db: Database, *, on: dt.date | None = None) -> tuple[Meet, bool]:
    """Load the demo meet if it is missing. Returns the meet and whether it was created now."""
    on = on or meets.today()
    async with db.read() as session:
        existing = await session.scalar(select(Meet).where(Meet.name == DEMO_MEET_NAME))
    if existing is not None:
        return existing, False
    meet = await meets.create_meet(
        db,
        SYSTEM,
        MeetInput(
            name=DEMO_MEET_NAME,
            edition=6,
            host="公司工会",
            location="公司体育中心",
            starts_on=on + dt.timedelta(days=14),
            ends_on=on + dt.timedelta(days=15),
            registration_opens=on - dt.timedelta(days=3),
            registration_closes=on + dt.timedelta(days=7),
            per_person_limit=3,
        ),
    )
    venue_ids = {}
    for name, kind, capacity in VENUES:
        venue = await meets.save_venue(db, SYSTEM, meet.id, VenueInput(name=name, kind=kind, capacity=capacity))
        venue_ids[name] = venue.id
    event_ids = {}
    for position, row in enumerate(EVENTS, start=1):
        code, name, sport, division, kind, fmt, quota, rmin, rmax, men, women, awards, best, final, venue = row
        event = await meet_events.save_event(
            db,
            SYSTEM,
            meet.id,
            EventInput(
                code=code, name=name, sport=sport, division=division, kind=kind, format=fmt, team_quota=quota,
                roster_min=rmin, roster_max=rmax, max_men=men, max_women=women, award_places=awards,
                best_of=best, final_best_of=final, venue_id=venue_ids[venue], position=position,
            ),
        )
        event_ids[code] = event.id
    team_ids = {}
    for number, name, category in TEAMS:
        team = await teams.save_team(db, SYSTEM, meet.id, TeamInput(name=name, number=number, category=category))
        team_ids[name] = team.id
    rng = random.Random(6)
    taken: set[str] = set()
    async with db.write() as session:
        for number, name, _ in TEAMS:
            people = _people(rng, number, name, taken)
            session.add_all(people)
            await session.flush()
            session.add_all(TeamMember(meet_id=meet.id, team_id=team_ids[name], person_id=p.id) for p in people)
    for account in demo_accounts():
        async with db.read() as session:
            if await session.scalar(select(UserAccount.id).where(UserAccount.username == account.username)):
                continue
        user = await accounts.create_account(
            db, SYSTEM, username=account.username, display_name=account.display_name, password=DEMO_PASSWORD,
            role=account.role, team_id=team_ids.get(account.team), chief_referee=account.chief_referee,
        )
        if account.username == "caipan1":
            await accounts.set_referee_assignments(
                db, SYSTEM, user.id, event_ids=[event_ids[c] for c in event_ids if c.startswith(("ATH", "RELAY", "FUN"))],
                venue_ids=[venue_ids["田径场"], venue_ids["趣味运动场"]],
            )
        elif account.username == "caipan2":
            await accounts.set_referee_assignments(
                db, SYSTEM, user.id, event_ids=[event_ids[c] for c in ("TT-MS", "TT-WS", "XQ", "PK-SJ")],
                venue_ids=[venue_ids["乒乓球室"], venue_ids["棋牌室"]],
            )
    await demo_records.load_demo_records(db, SYSTEM, on)
    await demo_campaigns.load_demo_campaign(db, SYSTEM)
    await demo_activities.load_demo_activities(db, SYSTEM, on)
    return meet, True


async def team_id_by_name(db: Database, meet_id: int, name: str) -> int:
    async with db.read() as session:
        team_id = await session.scalar(select(Team.id).where(Team.meet_id == meet_id, Team.name == name))
    assert team_id is not None
    return team_id
