"""The draw factory: one entry point, serialisable output, the same draw from the same seed."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.draw import (
    GroupsKnockoutDraw,
    GroupsKnockoutSettings,
    KnockoutDraw,
    RoundRobinDraw,
    SwissDraw,
    decode_draw,
    encode_draw,
    knockout_after_groups,
    make_draw,
    next_swiss_round,
)
from scheduling.entrants import DrawError, Entrant
from scheduling.results import Played
from scheduling.swiss import PlayedRound

FORMATS = ["round_robin", "knockout", "groups_knockout", "swiss"]


def field(n: int, teams: int = 4, seeds: int = 2) -> list[Entrant]:
    return [Entrant(i, f"选手{i}", team_id=i % teams, seed=i if i <= seeds else None) for i in range(1, n + 1)]


@pytest.mark.parametrize(
    ("format", "kind"),
    [("round_robin", RoundRobinDraw), ("knockout", KnockoutDraw), ("groups_knockout", GroupsKnockoutDraw), ("swiss", SwissDraw)],
)
def test_each_format_gives_its_own_draw_that_survives_json(format: str, kind: type) -> None:
    draw = make_draw(format, field(10), None, 7)
    assert isinstance(draw, kind)
    data = encode_draw(draw)
    assert f'"format":"{format}"'.encode() in data
    assert decode_draw(data) == draw


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(FORMATS), st.integers(4, 40), st.integers(0, 2**32), st.randoms(use_true_random=False))
def test_the_same_seed_regenerates_the_identical_draw(format: str, n: int, seed: int, chance: random.Random) -> None:
    entrants = field(n)
    shuffled = list(entrants)
    chance.shuffle(shuffled)
    first = encode_draw(make_draw(format, entrants, None, seed))
    assert encode_draw(make_draw(format, entrants, None, seed)) == first
    assert encode_draw(make_draw(format, shuffled, None, seed)) == first


@pytest.mark.parametrize("format", FORMATS)
def test_another_seed_gives_another_draw(format: str) -> None:
    entrants = field(16, teams=16, seeds=0)
    draws = {encode_draw(make_draw(format, entrants, None, seed)) for seed in range(5)}
    assert len(draws) > 1


def test_settings_may_come_as_a_plain_mapping() -> None:
    draw = make_draw("groups_knockout", field(12), {"group_count": 3, "qualifiers": 2}, 1)
    assert isinstance(draw, GroupsKnockoutDraw)
    assert len(draw.groups) == 3 and draw.settings == GroupsKnockoutSettings(group_count=3)
    assert all(len(rounds) == 3 for rounds in draw.group_rounds)  # four per group: three rounds
    assert sum(1 for s in draw.knockout if s is not None) == 6


def test_group_count_follows_the_group_size_when_not_given() -> None:
    draw = make_draw("groups_knockout", field(10), {"group_size": 4}, 1)
    assert isinstance(draw, GroupsKnockoutDraw)
    assert sorted(len(g.entrants) for g in draw.groups) == [3, 3, 4]


def test_double_round_robin_and_shared_third_place_settings() -> None:
    double = make_draw("round_robin", field(4), {"double": True}, 1)
    assert isinstance(double, RoundRobinDraw) and len(double.rounds) == 6
    shared = make_draw("knockout", field(8), {"third_place": "shared"}, 1)
    assert isinstance(shared, KnockoutDraw) and shared.bracket.third_place_match() is None


def test_swiss_draw_pairs_round_one_and_plans_the_rounds() -> None:
    draw = make_draw("swiss", field(9), None, 3)
    assert isinstance(draw, SwissDraw)
    assert draw.planned_rounds == 5
    assert sorted(draw.rounds[0].entrants()) == list(range(1, 10))
    assert draw.rounds[0].bye == draw.ranking[-1]


def test_teammates_forced_together_in_round_one_are_reported() -> None:
    draw = make_draw("knockout", field(4, teams=1), None, 1)
    assert isinstance(draw, KnockoutDraw)
    assert len(draw.clashes) == 2 and draw.clashes[0].where.startswith("第1轮")


@pytest.mark.parametrize(
    ("format", "entrants", "settings", "message"),
    [
        ("ladder", field(4), None, "不支持的赛制"),
        ("knockout", field(1), None, "参赛者不足 2 个"),
        ("knockout", field(3) + [Entrant(3)], None, "参赛者编号重复"),
        ("knockout", [Entrant(1, seed=1), Entrant(2, seed=1)], None, "种子序号重复"),
        ("round_robin", field(4), {"doubel": True}, "编排设置有误"),
        ("groups_knockout", field(8), {"group_count": 4, "qualifiers": 3}, "每组出线名额须在 1 到 2 之间"),
        ("groups_knockout", field(8), {"group_count": 5}, "不能分成 5 个小组"),
        ("knockout", field(4), GroupsKnockoutSettings(), "编排设置类型不对"),
    ],
)
def test_bad_input_is_refused_in_chinese(format: str, entrants: list[Entrant], settings: object, message: str) -> None:
    with pytest.raises(DrawError, match=message):
        make_draw(format, entrants, settings, 1)  # type: ignore[arg-type]


def test_the_knockout_after_the_groups_is_filled_from_their_final_order() -> None:
    draw = make_draw("groups_knockout", field(8, teams=8, seeds=0), {"group_count": 2}, 11)
    assert isinstance(draw, GroupsKnockoutDraw)
    finishing = {g.name: list(g.entrants) for g in draw.groups}
    bracket, clashes = knockout_after_groups(draw, finishing)
    a, b = finishing["A"], finishing["B"]
    assert bracket.lines == (a[0], b[1], b[0], a[1]) and clashes == ()
    assert knockout_after_groups(draw, finishing) == (bracket, clashes)
    assert bracket.third_place_match() is not None


def test_later_swiss_rounds_come_from_the_results_up_to_the_planned_number() -> None:
    draw = make_draw("swiss", field(6), {"rounds": 2}, 5)
    assert isinstance(draw, SwissDraw)
    first = draw.rounds[0]
    played = [PlayedRound(tuple(Played(p.home, p.away, winner=p.home) for p in first.pairings))]
    second = next_swiss_round(draw, played)
    assert second.number == 2
    met = {frozenset((p.home, p.away)) for p in first.pairings}
    assert not met & {frozenset((p.home, p.away)) for p in second.pairings}
    played.append(PlayedRound(tuple(Played(p.home, p.away, winner=p.away) for p in second.pairings)))
    with pytest.raises(DrawError, match="计划 2 轮"):
        next_swiss_round(draw, played)
