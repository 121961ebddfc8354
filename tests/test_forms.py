"""HTML form values into msgspec Structs (web/forms.py): what browsers send must fit."""

from __future__ import annotations

import datetime as dt

import pytest
from litestar.datastructures import FormMultiDict

from events.errors import DomainError
from events.schemas import AccountUpdate, EventInput, MeetInput, PersonInput
from web.forms import parse


def form(*pairs: tuple[str, str]) -> FormMultiDict:
    return FormMultiDict(list(pairs))


def test_empty_optional_numbers_become_none() -> None:
    data = parse(
        form(("code", "XQ"), ("name", "中国象棋"), ("sport", "chess"), ("division", "open"), ("kind", "individual_match"),
             ("format", "knockout"), ("team_quota", ""), ("final_best_of", ""), ("award_places", "3")),
        EventInput,
    )
    assert (data.team_quota, data.final_best_of, data.award_places) == (None, None, 3)


def test_empty_number_with_a_default_keeps_the_default() -> None:
    data = parse(
        form(("code", "XQ"), ("name", "中国象棋"), ("sport", "chess"), ("division", "open"), ("kind", "individual_match"),
             ("format", "knockout"), ("best_of", "")),
        EventInput,
    )
    assert data.best_of == 1


def test_ticked_box_is_true_and_missing_box_is_false() -> None:
    ticked = parse(form(("display_name", "甲"), ("role", "referee"), ("is_active", "on")), AccountUpdate)
    unticked = parse(form(("display_name", "甲"), ("role", "referee")), AccountUpdate)
    assert (ticked.is_active, unticked.is_active) == (True, False)


def test_repeated_values_become_a_list_and_a_single_value_a_one_item_list() -> None:
    base = [("name", "第七届"), ("edition", "7"), ("starts_on", "2027-11-20"), ("ends_on", "2027-11-21"),
            ("registration_opens", "2027-11-01"), ("registration_closes", "2027-11-10")]
    many = parse(form(*base, ("counted_kinds", "relay"), ("counted_kinds", "team_timed")), MeetInput)
    one = parse(form(*base, ("counted_kinds", "relay")), MeetInput)
    assert (many.counted_kinds, one.counted_kinds) == (["relay", "team_timed"], ["relay"])
    assert many.starts_on == dt.date(2027, 11, 20)


def test_a_malformed_number_names_the_field_in_chinese() -> None:
    with pytest.raises(DomainError) as excinfo:
        parse(form(("name", "第七届"), ("edition", "七"), ("starts_on", "2027-11-20"), ("ends_on", "2027-11-21"),
                   ("registration_opens", "2027-11-01"), ("registration_closes", "2027-11-10")), MeetInput)
    assert (excinfo.value.message, excinfo.value.field) == ("「届次」格式不正确", "edition")


def test_a_missing_field_names_the_field_in_chinese() -> None:
    with pytest.raises(DomainError) as excinfo:
        parse(form(("name", "张三"), ("gender", "M")), PersonInput)
    assert excinfo.value.message == "请填写工号"
    assert excinfo.value.problems == {"employee_no": "请填写工号"}


def test_a_malformed_date_names_the_field() -> None:
    with pytest.raises(DomainError) as excinfo:
        parse(form(("name", "张三"), ("gender", "M"), ("employee_no", "A1"), ("birth_date", "1990年1月1日")), PersonInput)
    assert excinfo.value.problems == {"birth_date": "「出生日期」格式不正确"}
