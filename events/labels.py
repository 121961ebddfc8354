"""Chinese names of the enumerations, for pages, exports and messages."""

from __future__ import annotations

from events.models import Division, EventKind, Format, Gender, MeasureKind, Role, Sport, Timing, VenueKind

GENDER = {Gender.MALE: "男", Gender.FEMALE: "女"}
DIVISION = {Division.MEN: "男子", Division.WOMEN: "女子", Division.MIXED: "混合", Division.OPEN: "不限"}
KIND = {
    EventKind.INDIVIDUAL_TIMED: "个人计时",
    EventKind.INDIVIDUAL_MEASURED: "个人计量",
    EventKind.INDIVIDUAL_MATCH: "个人对抗",
    EventKind.TEAM_MATCH: "团体对抗",
    EventKind.RELAY: "接力",
    EventKind.TEAM_TIMED: "团体计时",
}
SPORT = {
    Sport.BASKETBALL: "篮球",
    Sport.TABLE_TENNIS: "乒乓球",
    Sport.CHESS: "中国象棋",
    Sport.CARDS: "扑克",
    Sport.TUG_OF_WAR: "拔河",
    Sport.ATHLETICS: "田径",
    Sport.BADMINTON: "羽毛球",
    Sport.FUN: "趣味体育",
}
FORMAT = {
    Format.ROUND_ROBIN: "循环赛",
    Format.KNOCKOUT: "单淘汰赛",
    Format.GROUPS_KNOCKOUT: "分组预赛+淘汰赛",
    Format.SWISS: "瑞士制",
    Format.HEATS_FINAL: "预赛+决赛",
    Format.TIMED_FINAL: "直接决赛(按成绩)",
    Format.MASS_START: "集体出发",
}
VENUE_KIND = {
    VenueKind.TRACK: "田径场",
    VenueKind.COURT: "球场",
    VenueKind.TABLE: "球台/棋牌桌",
    VenueKind.HALL: "室内馆",
    VenueKind.FIELD: "场地",
}
ROLE = {Role.ORGANISER: "组委会", Role.LEADER: "领队", Role.REFEREE: "裁判"}
MEASURE = {
    MeasureKind.TIME: "时间(少者优)",
    MeasureKind.DISTANCE: "远度(米)",
    MeasureKind.HEIGHT: "高度(米)",
    MeasureKind.COUNT: "次数",
    MeasureKind.POINTS: "得分",
}
TIMING = {Timing.ELECTRONIC: "电计时(百分秒)", Timing.HAND: "手计时(十分秒)"}
BEST_OF = {1: "一局定胜负", 3: "三局两胜", 5: "五局三胜", 7: "七局四胜"}


def gender(value: str) -> str:
    return GENDER.get(Gender(value), value) if value in Gender._value2member_map_ else value


def label(table: dict, value: str | int | None) -> str:
    if value is None:
        return ""
    for key, text in table.items():
        if key == value:
            return text
    return str(value)
