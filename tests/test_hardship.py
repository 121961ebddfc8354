"""The hardship household criteria of seeds/003 篇四/篇十 (scheduling.hardship): the seed's own
figures at their edges, the household size rules, and properties (hypothesis) that hold for any
household: less income never loses eligibility, a higher line never loses it, and so on."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from events.money import parse_yuan, yuan
from scheduling.hardship import (
    DEFAULT_HOUSEHOLD_SIZE,
    HardshipRules,
    Household,
    Marital,
    SpecialCause,
    assess,
    household_size,
)

FAST = settings(max_examples=300, deadline=None)
SEED = HardshipRules(living_line_fen=78_000)  # 1170 = 150 %, 1560 = 200 %, 2340 = 3 × the line


def three(per_head_yuan: int, **kw: object) -> Household:
    """A household of the default three people with this income per head (yuan)."""
    return Household(monthly_income_fen=per_head_yuan * 100 * 3, **kw)  # type: ignore[arg-type]


def test_the_seeds_thresholds_are_150_200_and_300_percent_of_the_line() -> None:
    assert SEED.threshold_fen(150) == 117_000
    assert SEED.threshold_fen(200) == 156_000
    assert SEED.threshold_fen(300) == 234_000


def test_criterion_one_is_below_150_percent_exclusive() -> None:
    assert assess(three(1169), SEED).criteria == ("一",)
    at_line = assess(three(1170), SEED)
    assert not at_line.qualifies
    assert at_line.reasons[0].startswith("不符合第一条") and "1,170 元" in at_line.reasons[0]


def test_a_fraction_of_a_fen_below_the_line_counts_and_reads_below_it() -> None:
    v = assess(Household(monthly_income_fen=117_000 * 3 - 1), SEED)
    assert v.criteria == ("一",)
    assert "1,169.99 元" in v.reasons[0]


def test_government_aid_counts_as_income() -> None:
    assert assess(three(1000), SEED).qualifies
    assert not assess(Household(monthly_income_fen=300_000, monthly_aid_fen=60_000), SEED).qualifies


def test_criterion_two_needs_a_special_cause_and_includes_200_percent() -> None:
    assert not assess(three(1560), SEED).qualifies
    v = assess(three(1560, special_causes=frozenset({SpecialCause.DISABILITY})), SEED)
    assert v.criteria == ("二",) and "残疾" in v.reasons[1] and "(含)" in v.reasons[1]
    assert not assess(three(1561, special_causes=frozenset({SpecialCause.DISABILITY})), SEED).qualifies


def test_criterion_three_is_major_illness_within_three_times_inclusive() -> None:
    assert assess(three(2340, major_illness=True), SEED).criteria == ("三",)
    v = assess(three(2341, major_illness=True), SEED)
    assert not v.qualifies and v.reasons[2].startswith("不符合第三条")
    assert not assess(three(2000), SEED).qualifies


def test_criterion_four_is_20000_yuan_of_costs_or_losses_whatever_the_income() -> None:
    rich = three(9000, major_illness=True, medical_costs_fen=2_000_000)
    assert assess(rich, SEED).criteria == ("四",)
    assert not assess(replace(rich, medical_costs_fen=1_999_999), SEED).qualifies
    flooded = three(9000, disaster_losses_fen=2_500_000)
    assert assess(flooded, SEED).criteria == ("四",)
    no_illness = assess(three(9000, medical_costs_fen=3_000_000), SEED)
    assert not no_illness.qualifies and "未注明" in no_illness.reasons[3]


def test_every_verdict_gives_one_reason_per_criterion_in_chinese() -> None:
    v = assess(three(5000), SEED)
    assert len(v.reasons) == 4
    assert [r[:5] for r in v.reasons] == ["不符合第一", "不符合第二", "不符合第三", "不符合第四"]
    assert v.summary == "不符合困难职工家庭条件"
    assert assess(three(1000), SEED).summary == "符合困难职工家庭条件(第一条)"


def test_the_multipliers_and_threshold_are_settings() -> None:
    strict = HardshipRules(78_000, basic_percent=120, special_percent=150, illness_percent=200, major_expense_fen=5_000_000)
    assert assess(three(1100), SEED).qualifies and not assess(three(1100), strict).qualifies
    assert "120%" in assess(three(1100), strict).reasons[0]


# Household size ----------------------------------------------------------------------------------


def test_household_counts_three_unless_known() -> None:
    size, reason = household_size(Household())
    assert size == DEFAULT_HOUSEHOLD_SIZE == 3 and "三口" in reason


def test_married_counts_self_spouse_and_unmarried_children() -> None:
    assert household_size(Household(marital=Marital.MARRIED, children=1))[0] == 3
    childless = household_size(Household(marital=Marital.MARRIED))
    assert childless[0] == 2 and "已婚无子女" in childless[1] and "实际人口" in childless[1]
    many = household_size(Household(marital=Marital.MARRIED, children=3))
    assert many[0] == 5 and "多子女" in many[1]


def test_unmarried_counts_parents_self_and_other_unmarried_members() -> None:
    assert household_size(Household(marital=Marital.UNMARRIED, parents=2))[0] == 3
    assert household_size(Household(marital=Marital.UNMARRIED, parents=2, others=2))[0] == 5
    assert household_size(Household(marital=Marital.UNMARRIED, parents=1))[0] == 2


def test_single_parent_counts_the_actual_people() -> None:
    size, reason = household_size(Household(marital=Marital.SINGLE_PARENT, children=2))
    assert size == 3 and "单亲" in reason


def test_a_larger_household_lowers_the_income_per_head() -> None:
    # 3600 yuan for a married couple (1800 each) fails; with two children (900 each) it qualifies.
    couple = Household(monthly_income_fen=360_000, marital=Marital.MARRIED)
    assert not assess(couple, SEED).qualifies
    assert assess(replace(couple, children=2), SEED).criteria == ("一",)


# Properties ---------------------------------------------------------------------------------------

money = st.integers(min_value=0, max_value=5_000_000)
households = st.builds(
    Household,
    monthly_income_fen=money,
    monthly_aid_fen=st.integers(min_value=0, max_value=200_000),
    marital=st.one_of(st.none(), st.sampled_from(list(Marital))),
    children=st.integers(0, 6),
    parents=st.integers(0, 2),
    others=st.integers(0, 4),
    special_causes=st.frozensets(st.sampled_from(list(SpecialCause))),
    major_illness=st.booleans(),
    medical_costs_fen=st.integers(0, 5_000_000),
    disaster_losses_fen=st.integers(0, 5_000_000),
)
lines = st.integers(min_value=10_000, max_value=300_000).map(HardshipRules)


@FAST
@given(households, lines, st.integers(min_value=0, max_value=1_000_000))
def test_less_income_never_loses_eligibility(h: Household, rules: HardshipRules, less: int) -> None:
    poorer = replace(h, monthly_income_fen=max(0, h.monthly_income_fen - less))
    assert set(assess(h, rules).criteria) <= set(assess(poorer, rules).criteria)


@FAST
@given(households, lines, st.integers(min_value=0, max_value=100_000))
def test_a_higher_living_line_never_loses_eligibility(h: Household, rules: HardshipRules, more: int) -> None:
    higher = replace(rules, living_line_fen=rules.living_line_fen + more)
    assert set(assess(h, rules).criteria) <= set(assess(h, higher).criteria)


@FAST
@given(households, lines, st.integers(0, 3_000_000), st.integers(0, 3_000_000))
def test_larger_costs_or_losses_never_lose_eligibility(h: Household, rules: HardshipRules, dm: int, dl: int) -> None:
    worse = replace(h, medical_costs_fen=h.medical_costs_fen + dm, disaster_losses_fen=h.disaster_losses_fen + dl)
    assert set(assess(h, rules).criteria) <= set(assess(worse, rules).criteria)


@FAST
@given(households, lines, st.sampled_from(list(SpecialCause)))
def test_a_special_cause_or_an_illness_never_loses_eligibility(h: Household, rules: HardshipRules, cause: SpecialCause) -> None:
    before = set(assess(h, rules).criteria)
    assert before <= set(assess(replace(h, special_causes=h.special_causes | {cause}), rules).criteria)
    assert before <= set(assess(replace(h, major_illness=True), rules).criteria)


@FAST
@given(households, lines)
def test_verdict_is_consistent_with_its_criteria(h: Household, rules: HardshipRules) -> None:
    v = assess(h, rules)
    assert v.qualifies == bool(v.criteria)
    assert len(v.reasons) == 4
    for number, reason in zip(("一", "二", "三", "四"), v.reasons, strict=True):
        assert reason.startswith(("符合" if number in v.criteria else "不符合") + f"第{number}条")
    # The tiers nest: meeting (一) means the income is also within (二)'s and (三)'s bounds.
    if "一" in v.criteria and h.special_causes:
        assert "二" in v.criteria
    if "一" in v.criteria and h.major_illness:
        assert "三" in v.criteria


@FAST
@given(st.integers(min_value=0, max_value=2_000_000_000))
def test_money_shown_is_money_read_back(fen: int) -> None:
    assert parse_yuan(yuan(fen).replace(",", "")) == fen


def test_money_parsing_refuses_what_is_not_an_amount() -> None:
    assert parse_yuan("1,170.5") == 117_050 and parse_yuan("300元") == 30_000 and parse_yuan("") is None
    for bad in ("-1", "1.001", "abc", "NaN", "1e3000", "Infinity"):
        try:
            parse_yuan(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was read as an amount")


@given(households, lines)
def test_the_income_per_head_reads_the_same_in_the_reasons_and_on_the_page(h: Household, rules: HardshipRules) -> None:
    verdict = assess(h, rules)
    assert f"家庭人均月收入(含政府救助){yuan(verdict.income_per_head_fen)} 元" in verdict.reasons[0]


def test_a_huge_amount_is_refused_with_the_limit() -> None:
    from events.money import yuan_field
    from events.validation import Problems

    problems = Problems()
    assert yuan_field(problems, "amount", "500000000", "慰问金") is None
    assert problems.items == {"amount": "慰问金不能超过 2,000 万元,请核对是否多输了位数"}


def test_an_amount_beyond_any_decimal_exponent_is_refused_with_the_limit_not_an_error() -> None:
    # "1e999999999" overflowed Decimal's context on the multiplication by 100: a 500 on every money form
    from events.money import yuan_field
    from events.validation import Problems

    for huge in ("1e999999999", "9" * 40, "1E+1000000000"):
        problems = Problems()
        assert yuan_field(problems, "amount", huge, "慰问金") is None
        assert problems.items == {"amount": "慰问金不能超过 2,000 万元,请核对是否多输了位数"}
    problems = Problems()
    assert yuan_field(problems, "amount", "1e-999999999", "慰问金") is None
    assert problems.items == {"amount": "慰问金应为不小于 0 的金额(元,最多两位小数)"}


def test_full_width_separators_typed_with_a_chinese_keyboard_are_read() -> None:
    assert parse_yuan("1,170.5") == parse_yuan("1，170.5") == parse_yuan("１，１７０.５ 元") == 117_050
