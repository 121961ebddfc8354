"""Heats and lanes: serpentine, graded and random heats, lane priority, teammates spread, mass starts."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.entrants import DrawError
from scheduling.heats import (
    Competitor,
    HeatDraw,
    draw_heats,
    draw_sections,
    heat_sizes,
    lane_priority,
    seed_order,
    serpentine,
)
from scheduling.marks import time_mark

FAST = settings(max_examples=150, deadline=None)


def field(n: int, teams: int = 0, seeded: int | None = None) -> list[Competitor]:
    """Entrant i has the i-th best seed time (the first ``seeded`` of them have one)."""
    seeded = n if seeded is None else seeded
    return [
        Competitor(i, f"选手{i}", team_id=(i % teams) if teams else None, seed_mark=time_mark(10_000 + 10 * i) if i <= seeded else None)
        for i in range(1, n + 1)
    ]


def heat_of(draw: HeatDraw) -> dict[int, int]:
    return {s.entrant: h.number for h in draw.heats for s in h.slots}


def test_eight_lanes_fill_from_the_middle_out() -> None:
    assert lane_priority(8) == (4, 5, 3, 6, 2, 7, 1, 8)
    assert lane_priority(6) == (3, 4, 2, 5, 1, 6)
    assert lane_priority(9) == (5, 4, 6, 3, 7, 2, 8, 1, 9)


def test_twenty_sprinters_in_eight_lanes_run_in_three_heats_of_six_or_seven() -> None:
    assert heat_sizes(20, 8) == [6, 7, 7]
    with pytest.raises(DrawError, match="20 人至少需要分 3 组"):
        heat_sizes(20, 8, heat_count=2)


def test_serpentine_deals_the_best_seed_to_the_last_heat_and_snakes_back() -> None:
    assert serpentine(8, 3) == [2, 1, 0, 0, 1, 2, 2, 1]
    draw = draw_heats(field(16), lanes=8)
    heats = heat_of(draw)
    assert heats[1] == 2 and heats[2] == 1 and heats[3] == 1 and heats[4] == 2


def test_the_best_seed_of_a_heat_gets_lane_four_then_five_three_six() -> None:
    draw = draw_heats(field(8), lanes=8)
    lanes = {s.entrant: s.lane for s in draw.heats[0].slots}
    assert [lanes[i] for i in range(1, 9)] == [4, 5, 3, 6, 2, 7, 1, 8]
    assert [s.lane for s in draw.heats[0].slots] == list(range(1, 9))  # the start list reads by lane


def test_lane_priority_is_a_setting() -> None:
    draw = draw_heats(field(6), lanes=6, priority=(4, 3, 5, 2, 6, 1))
    assert {s.entrant: s.lane for s in draw.heats[0].slots} == {1: 4, 2: 3, 3: 5, 4: 2, 5: 6, 6: 1}
    with pytest.raises(DrawError, match="道次顺序应为 1 至 6 各出现一次"):
        draw_heats(field(6), lanes=6, priority=(1, 2, 3))


def test_graded_heats_put_the_best_seeds_together_in_the_last_heat() -> None:
    draw = draw_heats(field(16), lanes=8, method="graded")
    assert sorted(draw.heats[-1].entrants) == list(range(1, 9))


def test_unseeded_entrants_come_after_every_seeded_one() -> None:
    ordered = seed_order(field(10, seeded=4), random.Random(1))
    assert [c.id for c in ordered[:4]] == [1, 2, 3, 4]


def test_serpentine_moves_a_teammate_within_its_band_to_another_heat() -> None:
    entrants = [Competitor(c.id, team_id=7 if c.id in (3, 4) else c.id + 100, seed_mark=c.seed_mark) for c in field(12)]
    # The plain snake puts the 3rd and 4th seeds (one team) together in heat 1 of 3.
    assert serpentine(12, 3)[2] == serpentine(12, 3)[3]
    draw = draw_heats(entrants, lanes=8, heat_count=3)
    assert heat_of(draw)[3] != heat_of(draw)[4]
    assert draw.clashes == ()


def test_a_random_draw_is_repeated_by_its_printed_seed() -> None:
    one = draw_heats(field(30, teams=5), method="random", seed=20261120)
    assert one == draw_heats(list(reversed(field(30, teams=5))), method="random", seed=20261120)
    assert one.seed == 20261120
    assert one != draw_heats(field(30, teams=5), method="random", seed=1)


def test_a_mass_start_has_sections_without_lanes() -> None:
    draw = draw_sections(field(30), section_size=16)
    assert draw.lanes is None
    assert [len(h.slots) for h in draw.heats] == [15, 15]
    assert all(s.lane is None for h in draw.heats for s in h.slots)
    assert draw.heats[-1].slots[0].entrant == 1
    assert len(draw_sections(field(12), section_size=20).heats) == 1


def test_a_field_with_repeated_ids_is_refused() -> None:
    with pytest.raises(DrawError, match="编号重复"):
        draw_heats([Competitor(1), Competitor(1)])


sizes = st.integers(1, 70)
lane_counts = st.sampled_from([4, 6, 8, 9])
methods = st.sampled_from(["serpentine", "graded", "random"])


@FAST
@given(sizes, lane_counts, methods, st.integers(0, 12), st.integers(0, 2**32))
def test_every_entrant_runs_in_exactly_one_heat_and_one_lane(n: int, lanes: int, method: str, teams: int, seed: int) -> None:
    draw = draw_heats(field(n, teams, seeded=n // 2), lanes=lanes, method=method, seed=seed)  # type: ignore[arg-type]
    slots = [s for h in draw.heats for s in h.slots]
    assert sorted(s.entrant for s in slots) == list(range(1, n + 1))
    for h in draw.heats:
        used = [s.lane for s in h.slots]
        assert len(set(used)) == len(used) and all(1 <= lane <= lanes for lane in used)  # type: ignore[operator]
    counts = [len(h.slots) for h in draw.heats]
    assert max(counts) - min(counts) <= 1
    assert len(draw.heats) == -(-n // lanes)


@FAST
@given(sizes, lane_counts, st.integers(0, 12))
def test_serpentine_puts_the_top_seed_last_and_one_of_each_band_in_every_heat(n: int, lanes: int, teams: int) -> None:
    draw = draw_heats(field(n, teams), lanes=lanes)
    heats = heat_of(draw)
    count = len(draw.heats)
    assert heats[1] == count
    for band_start in range(1, n + 1 - count + 1, count):
        assert sorted(heats[i] for i in range(band_start, band_start + count)) == list(range(1, count + 1))


@FAST
@given(sizes, lane_counts, methods)
def test_within_a_heat_better_seeds_get_lanes_earlier_in_the_priority(n: int, lanes: int, method: str) -> None:
    if method == "random":
        return
    priority = lane_priority(lanes)
    for h in draw_heats(field(n), lanes=lanes, method=method).heats:  # type: ignore[arg-type]
        by_seed = sorted(h.slots, key=lambda s: s.entrant)
        assert [s.lane for s in by_seed] == list(priority[: len(by_seed)])


@FAST
@given(sizes, lane_counts, st.integers(1, 10), st.integers(0, 2**32))
def test_a_random_draw_gives_no_heat_more_than_its_share_of_one_team(n: int, lanes: int, teams: int, seed: int) -> None:
    draw = draw_heats(field(n, teams), lanes=lanes, method="random", seed=seed)
    team_size = Counter(i % teams for i in range(1, n + 1))
    for h in draw.heats:
        for team, k in Counter(e % teams for e in h.entrants).items():
            assert k <= -(-team_size[team] // len(draw.heats))
    assert draw.clashes == ()


@FAST
@given(sizes, lane_counts, st.integers(1, 10))
def test_spreading_teammates_never_leaves_more_clashes_than_the_plain_snake(n: int, lanes: int, teams: int) -> None:
    entrants = field(n, teams)
    spread = draw_heats(entrants, lanes=lanes)
    plain = draw_heats(entrants, lanes=lanes, spread_teams=False)
    excess = lambda d: sum(len(c.entrants) for c in d.clashes)  # noqa: E731
    assert excess(spread) <= excess(plain)


@FAST
@given(st.integers(1, 90), st.integers(1, 20), methods)
def test_sections_hold_everyone_once_within_their_size(n: int, size: int, method: str) -> None:
    draw = draw_sections(field(n, 4), section_size=size, method=method)  # type: ignore[arg-type]
    assert sorted(e for h in draw.heats for e in h.entrants) == list(range(1, n + 1))
    assert all(len(h.slots) <= size for h in draw.heats)
    assert all([s.position for s in h.slots] == list(range(1, len(h.slots) + 1)) for h in draw.heats)
