"""Whether a staff household is a hardship household (困难职工家庭) — seeds/003 篇四 and 篇十.

The circular's four criteria, each against the local minimum living line (最低生活保障线,
per head and month; the region's line of the year is a setting, the seed's city had 780 yuan):

(一) household income per head, after government aid, below 150 % of the line (1170 yuan);
(二) income per head within 200 % of the line, inclusive (1560), and hardship from a special
     cause — children at school, disability, a single parent, another special reason;
(三) a major illness or a serious accident of the worker or a family member, and income per
     head within 3 times the line, inclusive (2340);
(四) a major illness or accident this year, and self-paid medical costs or disaster losses of
     the household of 20 000 yuan or more.

The percentages and the 20 000 yuan threshold are settings too (``HardshipRules``).

Household size (家庭成员): three people unless the family is known; a married worker counts
self, spouse and unmarried children; an unmarried worker counts parents, self and the other
unmarried members of the family; single-parent, childless and many-children families count the
actual people — which the two counting rules already give, so they are named in the reason.

Money is integer fen (分) throughout; thresholds are compared exactly (income × 100 against
line × percent × size), so no rounding of the income per head can move a household across a
line. Every answer says in Chinese which rule decided it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

DEFAULT_HOUSEHOLD_SIZE = 3


class Marital(enum.StrEnum):
    MARRIED = "married"  # 已婚: self, spouse, unmarried children
    UNMARRIED = "unmarried"  # 未婚: parents, self, other unmarried members
    SINGLE_PARENT = "single_parent"  # 单亲: self and the unmarried children


MARITAL_LABELS = {Marital.MARRIED: "已婚", Marital.UNMARRIED: "未婚", Marital.SINGLE_PARENT: "单亲"}


class SpecialCause(enum.StrEnum):
    """The special causes of criterion (二)."""

    SCHOOL = "school"  # 子女上学
    DISABILITY = "disability"  # 残疾
    SINGLE_PARENT = "single_parent"  # 单亲
    OTHER = "other"  # 其他特殊原因


CAUSE_LABELS = {
    SpecialCause.SCHOOL: "子女上学",
    SpecialCause.DISABILITY: "残疾",
    SpecialCause.SINGLE_PARENT: "单亲",
    SpecialCause.OTHER: "其他特殊原因",
}


@dataclass(frozen=True)
class HardshipRules:
    """The local line and the circular's multipliers (settings of a region and year)."""

    living_line_fen: int  # 最低生活保障线, per head and month
    basic_percent: int = 150  # (一) below this percent of the line
    special_percent: int = 200  # (二) within this percent, inclusive
    illness_percent: int = 300  # (三) within this percent (3 times), inclusive
    major_expense_fen: int = 2_000_000  # (四) 20 000 yuan or more

    def threshold_fen(self, percent: int) -> Decimal:
        return Decimal(self.living_line_fen * percent) / 100


@dataclass(frozen=True)
class Household:
    """What the worker's application (困难职工档案表) says about the family.

    ``marital`` None: the family is not known, and the household counts three people.
    Incomes and aid are per month for the whole household; costs and losses are this year's.
    """

    monthly_income_fen: int = 0
    monthly_aid_fen: int = 0  # government aid (政府救助), counted as income
    marital: Marital | None = None
    children: int = 0  # unmarried children
    parents: int = 0  # parents (an unmarried worker's household)
    others: int = 0  # other unmarried members (an unmarried worker's household)
    special_causes: frozenset[SpecialCause] = field(default_factory=frozenset)
    major_illness: bool = False  # 重大疾病 or 重大意外灾害(伤害) of the worker or a family member
    medical_costs_fen: int = 0  # self-paid medical costs this year
    disaster_losses_fen: int = 0  # property lost in a disaster this year


@dataclass(frozen=True)
class Verdict:
    qualifies: bool
    size: int
    size_reason: str
    income_per_head_fen: int  # cut to the fen, for showing only (as the reasons show it)
    criteria: tuple[str, ...]  # the criteria met: "一", "二", "三", "四"
    reasons: tuple[str, ...]  # one line per criterion, met or not, citing the rule

    @property
    def summary(self) -> str:
        if self.qualifies:
            return "符合困难职工家庭条件(第" + "、".join(self.criteria) + "条)"
        return "不符合困难职工家庭条件"


def yuan(fen: int | Decimal) -> str:
    """12345 → '123.45', 117000 → '1,170' (whole yuan without decimals): how every page and
    every reason shows an amount (events.money.yuan is this one)."""
    value = (Decimal(fen) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{int(value):,}" if value == value.to_integral_value() else f"{value:,.2f}"


def household_size(h: Household) -> tuple[int, str]:
    """How many people the household counts (the circular's 家庭成员 rule) and why."""
    if h.marital is None:
        return DEFAULT_HOUSEHOLD_SIZE, "家庭情况未填写,家庭成员一般按三口计算"
    if h.marital == Marital.MARRIED:
        size = 2 + h.children
        if h.children == 0:
            return size, "已婚无子女,按实际人口计算:本人、配偶,共 2 人"
        kind = "多子女,按实际人口计算:" if h.children > 1 else "已婚者按本人、配偶和未婚子女计算:"
        return size, f"{kind}本人、配偶和 {h.children} 名未婚子女,共 {size} 人"
    if h.marital == Marital.SINGLE_PARENT:
        size = 1 + h.children
        return size, f"单亲家庭,按实际人口计算:本人和 {h.children} 名未婚子女,共 {size} 人"
    size = 1 + h.parents + h.others
    text = f"未婚者按父母、本人和家庭其他未婚成员计算:父母 {h.parents} 人、本人、其他未婚成员 {h.others} 人,共 {size} 人"
    if h.others > 1 or h.parents < 2:
        text += "(按实际人口计算)"
    return size, text


def assess(h: Household, rules: HardshipRules) -> Verdict:
    """Check the household against the four criteria; every criterion gets a line saying why."""
    size, size_reason = household_size(h)
    income = h.monthly_income_fen + h.monthly_aid_fen
    per_head = Decimal(income) / size
    # Shown cut to the fen — in the reasons and on the page alike — so an income a fraction
    # below a line never reads as the line itself.
    shown_fen = int(per_head.quantize(Decimal(1), rounding=ROUND_DOWN))
    per_head_text = f"家庭人均月收入(含政府救助){yuan(shown_fen)} 元"

    def within(percent: int, inclusive: bool) -> bool:
        scaled, bound = income * 100, rules.living_line_fen * percent * size
        return scaled <= bound if inclusive else scaled < bound

    def bound_text(percent: int) -> str:
        return f"最低生活保障线 {yuan(rules.living_line_fen)} 元的 {percent}%({yuan(rules.threshold_fen(percent))} 元)"

    met: list[str] = []
    reasons: list[str] = []

    # (一)
    if within(rules.basic_percent, inclusive=False):
        met.append("一")
        reasons.append(f"符合第一条:{per_head_text},低于{bound_text(rules.basic_percent)}")
    else:
        reasons.append(f"不符合第一条:{per_head_text},不低于{bound_text(rules.basic_percent)}")

    # (二)
    causes = "、".join(CAUSE_LABELS[c] for c in SpecialCause if c in h.special_causes)
    if not within(rules.special_percent, inclusive=True):
        reasons.append(f"不符合第二条:{per_head_text},超过{bound_text(rules.special_percent)}")
    elif not causes:
        reasons.append(f"不符合第二条:收入在{bound_text(rules.special_percent)}以内,但未填写子女上学、残疾、单亲等特殊原因")
    else:
        met.append("二")
        reasons.append(f"符合第二条:{per_head_text},在{bound_text(rules.special_percent)}以内(含),且因{causes}造成生活困难")

    # (三)
    if not h.major_illness:
        reasons.append("不符合第三条:本人或家庭成员未患重大疾病、未遭受重大意外灾害(伤害)")
    elif not within(rules.illness_percent, inclusive=True):
        reasons.append(f"不符合第三条:{per_head_text},超过{bound_text(rules.illness_percent)}")
    else:
        met.append("三")
        reasons.append(f"符合第三条:患重大疾病或遭受重大意外灾害,且{per_head_text},在{bound_text(rules.illness_percent)}以内(含)")

    # (四)
    threshold = rules.major_expense_fen
    spent = f"本年度自负医药费 {yuan(h.medical_costs_fen)} 元、灾害财产损失 {yuan(h.disaster_losses_fen)} 元"
    if h.disaster_losses_fen >= threshold or (h.major_illness and h.medical_costs_fen >= threshold):
        met.append("四")
        reasons.append(f"符合第四条:{spent},达 {yuan(threshold)} 元以上")
    elif h.medical_costs_fen >= threshold:
        reasons.append(f"不符合第四条:自负医药费达 {yuan(threshold)} 元以上,但未注明患重大疾病或遭受重大意外灾害")
    else:
        reasons.append(f"不符合第四条:{spent},均未达 {yuan(threshold)} 元")

    return Verdict(bool(met), size, size_reason, shown_fen, tuple(met), tuple(reasons))
