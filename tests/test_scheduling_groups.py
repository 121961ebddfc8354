"""Groups then knockout: snake seeding, teammates spread over groups, crossover into the knockout."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.entrants import DrawError, Entrant
from scheduling.groups import Spot, draw_groups, fill_knockout, qualifier_lines, snake_group
from scheduling.knockout import bracket_size, team_clashes

FAST = settings(max_examples=200, deadline=None)


def field_of(n: int, teams: int, seeds: int, chance: random.Random) -> list[Entrant]:
    return [Entrant(i, team_id=chance.randrange(teams), seed=i if i <= seeds else None) for i in range(1, n + 1)]


def clash_count(groups: list[list[int]], team: dict[int, int | None]) -> int:
    total = 0
    for members in groups:
        counts = Counter(team[x] for x in members if team[x] is not None)
        total += sum(c - 1 for c in counts.values())
    return total


def test_snake_order_deals_a_b_c_d_then_d_c_b_a() -> None:
    field = [Entrant(i, seed=i) for i in range(1, 13)]
    stage = draw_groups(field, 4, random.Random(1))
    assert [g.entrants for g in stage.groups] == [(1, 8, 9), (2, 7, 10), (3, 6, 11), (4, 5, 12)]
    assert [g.name for g in stage.groups] == ["A", "B", "C", "D"]


@FAST
@given(st.integers(4, 60), st.integers(1, 12), st.integers(0, 60), st.integers(0, 10_000))
def test_group_sizes_differ_by_at_most_one_and_everyone_is_placed_once(
    n: int, teams: int, seeds: int, seed: int
) -> None:
    group_count = max(1, n // 4)
    stage = draw_groups(field_of(n, teams, seeds, random.Random(seed)), group_count, random.Random(seed))
    sizes = [len(g.entrants) for g in stage.groups]
    assert max(sizes) - min(sizes) <= 1
    assert sorted(x for g in stage.groups for x in g.entrants) == list(range(1, n + 1))


@FAST
@given(st.integers(4, 60), st.integers(1, 12), st.integers(0, 60), st.integers(0, 10_000))
def test_seeds_stay_in_snake_order_whatever_their_teams(n: int, teams: int, seeds: int, seed: int) -> None:
    group_count = max(1, n // 4)
    stage = draw_groups(field_of(n, teams, seeds, random.Random(seed)), group_count, random.Random(seed))
    group_of = {x: g for g, group in enumerate(stage.groups) for x in group.entrants}
    for position in range(min(seeds, n)):
        assert group_of[position + 1] == snake_group(position, group_count)


@FAST
@given(st.integers(4, 80), st.integers(1, 30), st.integers(0, 10_000))
def test_unseeded_teammates_never_share_a_group_when_no_team_outnumbers_the_groups(
    n: int, teams: int, seed: int
) -> None:
    group_count = max(1, n // 4)
    chance = random.Random(seed)
    field = field_of(n, teams, 0, chance)
    if max(Counter(e.team_id for e in field).values()) > group_count:
        field = [Entrant(e.id, team_id=e.id // group_count) for e in field]
    stage = draw_groups(field, group_count, random.Random(seed))
    assert stage.clashes == ()


def _fewest_possible_clashes(field: list[Entrant], group_count: int) -> int:
    """Brute force over every way of putting the unseeded into the places the seeds leave."""
    seeded = sorted((e for e in field if e.seed is not None), key=lambda e: e.seed or 0)
    unseeded = [e for e in field if e.seed is None]
    base: list[list[int]] = [[] for _ in range(group_count)]
    for position, e in enumerate(seeded):
        base[snake_group(position, group_count)].append(e.id)
    room = Counter(snake_group(p, group_count) for p in range(len(seeded), len(field)))
    team = {e.id: e.team_id for e in field}
    best = len(field)
    for choice in itertools.product(range(group_count), repeat=len(unseeded)):
        if Counter(choice) != room:
            continue
        groups = [list(g) for g in base]
        for e, g in zip(unseeded, choice):
            groups[g].append(e.id)
        best = min(best, clash_count(groups, team))
    return best


@settings(max_examples=100, deadline=None)
@given(st.integers(4, 8), st.integers(2, 3), st.integers(1, 4), st.integers(0, 4), st.integers(0, 10_000))
def test_teammates_share_a_group_only_when_it_cannot_be_helped(
    n: int, group_count: int, teams: int, seeds: int, seed: int
) -> None:
    group_count = min(group_count, n // 2)
    field = field_of(n, teams, seeds, random.Random(seed))
    stage = draw_groups(field, group_count, random.Random(seed))
    team = {e.id: e.team_id for e in field}
    found = clash_count([list(g.entrants) for g in stage.groups], team)
    assert found == _fewest_possible_clashes(field, group_count)
    reported = sum(len(c.entrants) - 1 for c in stage.clashes)
    assert reported == found


def test_an_unavoidable_clash_is_reported_with_its_group() -> None:
    field = [Entrant(i, team_id=100 if i <= 3 else i) for i in range(1, 9)]
    stage = draw_groups(field, 2, random.Random(3))
    assert len(stage.clashes) == 1
    clash = stage.clashes[0]
    assert clash.team_id == 100 and len(clash.entrants) == 2 and clash.where.endswith("组")


def test_too_many_groups_for_the_field_are_refused() -> None:
    with pytest.raises(DrawError, match="不能分成 3 个小组"):
        draw_groups([Entrant(i) for i in range(1, 6)], 3, random.Random(0))


@pytest.mark.parametrize("group_count", [2, 4, 8, 16])
def test_runners_up_cross_over_to_the_paired_group_winner(group_count: int) -> None:
    lines = qualifier_lines(group_count, 2)
    for i in range(0, len(lines), 2):
        first, second = lines[i], lines[i + 1]
        assert first is not None and second is not None and first.rank == 1 and second.rank == 2
        partner = chr(((ord(first.group) - ord("A")) ^ 1) + ord("A"))
        assert second.group == partner
    assert [s.label for s in qualifier_lines(2, 2)] == ["A1", "B2", "B1", "A2"]  # type: ignore[union-attr]


@pytest.mark.parametrize("qualifiers", [1, 2, 3, 4])
@pytest.mark.parametrize("group_count", list(range(1, 33)))
def test_qualifiers_of_one_group_land_in_different_halves_or_quarters(group_count: int, qualifiers: int) -> None:
    lines = qualifier_lines(group_count, qualifiers)
    spots = [s for s in lines if s is not None]
    assert len(spots) == len(set(spots)) == group_count * qualifiers
    segment = len(lines) // bracket_size(qualifiers)
    segments: dict[str, list[int]] = {}
    for i, spot in enumerate(lines):
        if spot is not None:
            segments.setdefault(spot.group, []).append(i // segment)
    assert all(len(set(v)) == len(v) for v in segments.values())
    for a, b in zip(lines[::2], lines[1::2]):
        assert not (a is None and b is None)


@pytest.mark.parametrize("group_count", [3, 5, 6, 7])
def test_byes_in_the_knockout_go_to_the_group_winners_first(group_count: int) -> None:
    lines = qualifier_lines(group_count, 2)
    with_bye = [a or b for a, b in zip(lines[::2], lines[1::2]) if a is None or b is None]
    byes = len(lines) - 2 * group_count
    winners_with_bye = sum(1 for s in with_bye if s is not None and s.rank == 1)
    assert winners_with_bye == min(byes, group_count)


def test_group_finishers_fill_the_knockout_lines() -> None:
    template = qualifier_lines(2, 2)
    lines, clashes = fill_knockout(template, {"A": [11, 12, 13], "B": [21, 22, 23]}, {}, random.Random(0))
    assert lines == [11, 22, 21, 12] and clashes == []


def test_teammates_meeting_in_the_first_knockout_round_are_moved_apart() -> None:
    template = qualifier_lines(4, 2)  # A1 B2 D1 C2 B1 A2 C1 D2
    finishing = {"A": [1, 2], "B": [3, 4], "C": [5, 6], "D": [7, 8]}
    team = {1: 9, 4: 9}  # A1 and B2 come from the same workshop
    lines, clashes = fill_knockout(template, finishing, team, random.Random(0))
    assert clashes == []
    assert lines.index(1) == 0 and lines[1] != 4
    assert lines[1] == 6 and lines[3] == 4  # B2 swaps with C2, the other runner-up of that half


@FAST
@given(st.sampled_from([2, 3, 4, 5, 6, 8]), st.integers(1, 3), st.integers(0, 10_000))
def test_moving_teammates_apart_keeps_each_group_in_its_own_half(group_count: int, teams: int, seed: int) -> None:
    chance = random.Random(seed)
    template = qualifier_lines(group_count, 2)
    groups = [chr(ord("A") + g) for g in range(group_count)]
    finishing = {name: [10 * g + 1, 10 * g + 2] for g, name in enumerate(groups)}
    team = {x: chance.randrange(teams) for xs in finishing.values() for x in xs}
    lines, clashes = fill_knockout(template, finishing, team, random.Random(seed))
    half = len(lines) // 2
    for first, second in finishing.values():
        assert (lines.index(first) < half) != (lines.index(second) < half)
    for g, name in enumerate(groups):  # winners never move
        assert lines[template.index(Spot(name, 1))] == finishing[name][0]
    assert len(clashes) == len(team_clashes(lines, team))


def test_a_group_without_enough_finishers_is_refused() -> None:
    with pytest.raises(DrawError, match="B组没有第 2 名"):
        fill_knockout(qualifier_lines(2, 2), {"A": [1, 2], "B": [3]}, {}, random.Random(0))


def _fewest_knockout_clashes(template: list[Spot | None], finishing: dict[str, list[int]], team: dict) -> int:
    """Brute force over every placement of the runners-up that keeps each group in its halves."""
    runner_lines = [i for i, s in enumerate(template) if s is not None and s.rank == 2]
    half = len(template) // 2
    best = len(template)
    for order in itertools.permutations(sorted(finishing)):
        lines = [finishing[s.group][0] if s is not None and s.rank == 1 else None for s in template]
        ok = True
        for line, group in zip(runner_lines, order):
            winner_line = template.index(Spot(group, 1))
            ok &= (winner_line < half) != (line < half)
            lines[line] = finishing[group][1]
        if ok:
            best = min(best, len(team_clashes(lines, team)))
    return best


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([2, 3, 4, 5]), st.integers(1, 3), st.integers(0, 10_000))
def test_teammates_meet_in_the_first_knockout_round_only_when_it_cannot_be_helped(
    group_count: int, teams: int, seed: int
) -> None:
    chance = random.Random(seed)
    template = qualifier_lines(group_count, 2)
    finishing = {chr(ord("A") + g): [10 * g + 1, 10 * g + 2] for g in range(group_count)}
    team = {x: chance.randrange(teams) for xs in finishing.values() for x in xs}
    lines, clashes = fill_knockout(template, finishing, team, random.Random(seed))
    assert len(clashes) == _fewest_knockout_clashes(template, finishing, team)
