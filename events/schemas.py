"""Inputs to the setup services, as msgspec Structs shared by the pages and the JSON API.

Structs check types; the services check meaning (dates in order, names unique …) and answer
in Chinese. ``LABELS`` names each field for messages about it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from events.validation import RowId

LABELS: dict[str, str] = {
    "name": "名称",
    "edition": "届次",
    "host": "主办单位",
    "location": "地点",
    "starts_on": "开始日期",
    "ends_on": "结束日期",
    "registration_opens": "报名开始日期",
    "registration_closes": "报名截止日期",
    "per_person_limit": "每人限报项目数",
    "counted_kinds": "计入限报的项目类型",
    "kind": "类型",
    "capacity": "场地数量",
    "code": "项目代码",
    "sport": "运动",
    "division": "组别",
    "format": "赛制",
    "team_quota": "每队限报",
    "roster_min": "每队最少人数",
    "roster_max": "每队最多人数",
    "max_men": "男子最多",
    "max_women": "女子最多",
    "award_places": "录取名次",
    "best_of": "局制",
    "final_best_of": "决赛局制",
    "venue_id": "场地",
    "event_id": "项目",
    "meet_id": "运动会",
    "version": "版本号",
    "games": "比分",
    "is_final": "是否决赛",
    "idempotency_key": "防重复编号",
    "position": "顺序",
    "number": "队号",
    "category": "类别",
    "gender": "性别",
    "birth_date": "出生日期",
    "employee_no": "工号",
    "unit": "单位",
    "phone": "电话",
    "team_id": "代表队",
    "person_id": "职工",
    "username": "用户名",
    "display_name": "姓名",
    "password": "密码",
    "role": "角色",
    "points_table": "名次分",
    "points_multiplier": "接力及团体项目得分倍数",
    "points_short_field": "参赛不足时少计名次",
}


class MeetInput(msgspec.Struct, forbid_unknown_fields=False):
    name: str
    edition: int
    starts_on: dt.date
    ends_on: dt.date
    registration_opens: dt.date
    registration_closes: dt.date
    host: str = ""
    location: str = ""
    per_person_limit: int = 3
    counted_kinds: list[str] | None = None
    # Team points (events.team_points.checked_rules); left out: keep the meet's current rules.
    points_table: str | None = None  # "7,5,4,3,2,1"
    points_multiplier: float | None = None  # relays and team events
    points_short_field: int | None = None  # places fewer than entrants scored in a small event; 0: off


class VenueInput(msgspec.Struct):
    name: str
    kind: str
    capacity: int = 1


class EventInput(msgspec.Struct):
    code: str
    name: str
    sport: str
    division: str
    kind: str
    format: str
    team_quota: int | None = None
    roster_min: int | None = None
    roster_max: int | None = None
    max_men: int | None = None
    max_women: int | None = None
    award_places: int = 3
    best_of: int = 1
    final_best_of: int | None = None
    venue_id: RowId | None = None
    position: Annotated[int, msgspec.Meta(ge=0, le=9999)] = 0
    measure: str | None = None  # timed/measured events: time, distance, height, count, points
    timing: str = "electronic"  # hand / electronic


class TeamInput(msgspec.Struct):
    name: str
    number: Annotated[int, msgspec.Meta(ge=1, le=99)]  # as save_team checks; decoding refuses what no column holds
    category: str = "车间"


class PersonInput(msgspec.Struct):
    name: str
    gender: str
    employee_no: str
    birth_date: dt.date | None = None
    unit: str = ""
    phone: str = ""


class AccountInput(msgspec.Struct):
    username: str
    display_name: str
    password: str
    role: str
    team_id: RowId | None = None


class AccountUpdate(msgspec.Struct):
    display_name: str
    role: str
    team_id: RowId | None = None
    is_active: bool = True
    password: str = ""
