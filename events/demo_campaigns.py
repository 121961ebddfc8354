"""The demo campaign: 2027年春节慰问, after seeds/003 篇一 adapted to the demo company.

篇一 visits 6 households in two groups by area (閘坡 3: two 困难劳模 and one 特困职工; 海陵 3),
each led by a leader with staff of several departments, gathering at 9:45 in the lobby and
leaving at 10:00, with about 3000 yuan cash and 2000 yuan goods. Here the areas are the city's
east and west; four households are drawn from the member archive by tag (劳模, 困难职工) and two
are added by hand (a retired couple, 篇七's 退休 ≥ 200 yuan each, and a migrant worker). The
groups' members are union and department staff, put in the member archive first, so that the
calendar knows them.
Everything is fixed — no dates from the clock, no randomness — so the demo is the same each time.
"""

from __future__ import annotations

from sqlalchemy import select

from events import beneficiaries, campaigns, people, person_tags, visit_groups
from events.actors import Actor
from events.beneficiaries import HardshipInput, HouseholdInput
from events.campaigns import CampaignInput, LivingLineInput
from events.db import Database
from events.models import Beneficiary, Campaign, Person
from events.schemas import PersonInput
from events.visit_groups import GroupInput, MemberInput

DEMO_CAMPAIGN_NAME = "2027年春节慰问"
REGION = "本市"

# employee no: (tags, area, address, hardship application or None)
ARCHIVE = {
    "ZJ01003": (
        ("劳模", "困难职工"), "东城片区", "东城区建设路 12 号 3 栋 201",
        HardshipInput(marital="unmarried", parents="2", monthly_income="3200"),
    ),
    "ZJ04011": (
        ("劳模", "困难职工"), "东城片区", "东城区纺织新村 5 栋 402",
        HardshipInput(marital="single_parent", children="1", monthly_income="2000", special_causes=["single_parent", "school"]),
    ),
    "ZJ03007": (
        ("困难职工",), "东城片区", "东城区光明街 8 号 1 单元 101",
        HardshipInput(marital="married", children="1", monthly_income="3000", monthly_aid="300", special_causes=["school"]),
    ),
    "ZJ06002": (
        ("困难职工",), "西城片区", "西城区河滨路 33 号 2 栋 502",
        HardshipInput(
            marital="married", children="1", monthly_income="6000", medical_costs="36000", major_illness=True,
            illness="配偶尿毒症,每周血液透析", id_number="110101198001010018",
        ),
    ),
}
BY_HAND = [
    HouseholdInput(name="周秀兰", category="退休", unit="退休职工(原机修车间)", area="西城片区", address="西城区老厂宿舍 2 栋 103", contact="13800001111", persons="2", note="夫妇二人均为本公司退休职工"),
    HouseholdInput(name="马建军", category="农民工", unit="一车间(劳务派遣)", area="西城片区", address="西城区城中村安置房 6 栋 301", contact="13900002222"),
]
STAFF = [  # the groups' members, in the member archive
    PersonInput(name="张敏", gender="F", employee_no="GH001", unit="公司工会"),
    PersonInput(name="李涛", gender="M", employee_no="ZH014", unit="综合管理部"),
    PersonInput(name="陈静", gender="F", employee_no="CW006", unit="财务部"),
    PersonInput(name="赵鹏", gender="M", employee_no="GH002", unit="公司工会"),
    PersonInput(name="吴杰", gender="M", employee_no="SJ021", unit="生产技术部"),
]
GROUPS = [
    (GroupInput(name="第一组", area="东城片区", leader="公司工会主席 刘志强", visit_on="2027-02-01", starts_at="10:00", gathers_at="09:45", assembly_point="公司办公楼一楼大堂"),
     [MemberInput(name="张敏", unit="公司工会"), MemberInput(name="李涛", unit="综合管理部"), MemberInput(name="陈静", unit="财务部")]),
    (GroupInput(name="第二组", area="西城片区", leader="公司工会副主席 孙丽华", visit_on="2027-02-01", starts_at="10:00", gathers_at="09:45", assembly_point="公司办公楼一楼大堂"),
     [MemberInput(name="赵鹏", unit="公司工会"), MemberInput(name="吴杰", unit="生产技术部")]),
]


async def load_demo_campaign(db: Database, actor: Actor) -> Campaign | None:
    """Create the demo campaign unless it exists; None when it already did."""
    async with db.read() as session:
        if await session.scalar(select(Campaign.id).where(Campaign.name == DEMO_CAMPAIGN_NAME)) is not None:
            return None
    await campaigns.save_living_line(db, actor, LivingLineInput(region=REGION, year="2027", line="780"))
    campaign = await campaigns.save_campaign(
        db, actor,
        CampaignInput(
            name=DEMO_CAMPAIGN_NAME, festival="春节", host="公司工会", region=REGION, starts_on="2027-01-20",
            ends_on="2027-02-05", cash_budget="3000", goods_budget="2000", notice_starts_on="2027-01-11",
            notice_ends_on="2027-01-15", notice_mask="middle", notice_contact="公司工会办公室(电话 0000-1234567)",
        ),
    )
    for tag in ("劳模", "困难职工"):
        numbers = " ".join(no for no, (tags, *_rest) in ARCHIVE.items() if tag in tags)
        await person_tags.tag_people(db, actor, tag, numbers)
    await beneficiaries.draw_by_tag(db, actor, campaign.id, "劳模", "困难劳模")
    await beneficiaries.draw_by_tag(db, actor, campaign.id, "困难职工", "特困职工")
    async with db.read() as session:
        drawn = (await session.scalars(select(Beneficiary).where(Beneficiary.campaign_id == campaign.id).order_by(Beneficiary.id))).all()
        numbers = {p.id: p.employee_no for p in (await session.scalars(select(Person).where(Person.id.in_([b.person_id for b in drawn])))).all()}
    for b in drawn:
        _tags, area, address, hardship = ARCHIVE[numbers[b.person_id]]  # type: ignore[index]
        household = HouseholdInput(name=b.name, category=b.category, unit=b.unit, area=area, address=address, contact=b.contact)
        await beneficiaries.update_household(db, actor, campaign.id, b.id, household, hardship or HardshipInput())
    for data in BY_HAND:
        await beneficiaries.add_household(db, actor, campaign.id, data)
    for person in STAFF:
        await people.save_person(db, actor, person)
    group_of_area = {}
    for group_input, members in GROUPS:
        group = await visit_groups.save_group(db, actor, campaign.id, group_input)
        group_of_area[group.area] = group.id
        for member in members:
            await visit_groups.add_member(db, actor, campaign.id, group.id, member)
    async with db.read() as session:
        households = (await session.scalars(select(Beneficiary).where(Beneficiary.campaign_id == campaign.id).order_by(Beneficiary.id))).all()
    for b in households:
        await beneficiaries.review_household(db, actor, campaign.id, b.id, "approve")
        await beneficiaries.assign_group(db, actor, campaign.id, b.id, group_of_area[b.area])
    return campaign

