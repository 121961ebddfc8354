"""Single elimination (淘汰赛): seed placement, byes, and filling the bracket as results arrive.

A bracket of ``size`` lines (the next power of two) is described line by line: each line holds
an entrant id or ``None`` for a bye. Lines 2i and 2i+1 meet in the first round. Matches are
numbered round by round from the top (第1场, 第2场 …), the final last and the 3rd-place match
after it; each match says where its winner (and, for a semi-final, its loser) goes, so the
bracket fills itself in as winners are advanced.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

import msgspec
from msgspec.structs import replace

from scheduling.entrants import DrawError, Entrant, seeded_first, team_of

Side = Literal["a", "b"]
ThirdPlace = Literal["match", "shared", "none"]


class SlotRef(msgspec.Struct, frozen=True):
    match: int
    side: Side


class Match(msgspec.Struct, frozen=True):
    id: int
    round: int
    position: int
    label: str
    a: int | None = None
    b: int | None = None
    bye: bool = False
    winner: int | None = None
    winner_to: SlotRef | None = None
    loser_to: SlotRef | None = None

    @property
    def loser(self) -> int | None:
        if self.winner is None or self.bye:
            return None
        return self.b if self.winner == self.a else self.a


class Bracket(msgspec.Struct, frozen=True):
    size: int
    rounds: int
    third_place: ThirdPlace
    lines: tuple[int | None, ...]
    matches: tuple[Match, ...]

    def match(self, match_id: int) -> Match:
        if not 1 <= match_id <= len(self.matches):
            raise DrawError(f"没有第 {match_id} 场比赛")
        return self.matches[match_id - 1]

    def round_matches(self, round_number: int) -> list[Match]:
        return [m for m in self.matches if m.round == round_number and m.id < self.size]

    def final(self) -> Match:
        return self.matches[self.size - 2]

    def third_place_match(self) -> Match | None:
        return self.matches[self.size - 1] if len(self.matches) == self.size else None


def bracket_size(n: int) -> int:
    size = 1
    while size < n:
        size *= 2
    return size


def standard_order(size: int) -> list[int]:
    """Seed numbers line by line: 1 v 16, 8 v 9, 4 v 13, 5 v 12, 2 v 15, …

    Each doubling pairs every seed s with its mirror size+1-s, so seeds 1 and 2 fall in
    opposite halves, 1–4 in different quarters, 1–8 in different eighths.
    """
    order = [1]
    while len(order) < size:
        mirror = 2 * len(order) + 1
        order = [line for s in order for line in (s, mirror - s)]
    return order


def seeded_lines(ids_in_seed_order: Sequence[int]) -> list[int | None]:
    """Lines for a field already in seed order; the byes fall to the top seeds."""
    size = bracket_size(len(ids_in_seed_order))
    n = len(ids_in_seed_order)
    return [ids_in_seed_order[s - 1] if s <= n else None for s in standard_order(size)]


def draw_lines(entrants: Sequence[Entrant], rng: random.Random) -> list[int | None]:
    """Seeds on their standard lines, the rest by lot, teammates kept apart in round one."""
    ordered = seeded_first(entrants, rng)
    lines = seeded_lines([e.id for e in ordered])
    unseeded = {e.id for e in ordered if e.seed is None}
    movable = {i for i, x in enumerate(lines) if x in unseeded}
    return separate_teams(lines, movable, team_of(entrants), rng)


def first_round_pairs(lines: Sequence[int | None]) -> list[tuple[int | None, int | None]]:
    return [(lines[i], lines[i + 1]) for i in range(0, len(lines), 2)]


def team_clashes(lines: Sequence[int | None], team: Mapping[int, int | None]) -> list[tuple[int, int, int]]:
    """(team id, entrant, entrant) for each first-round match between two of one 代表队."""
    clashes = []
    for a, b in first_round_pairs(lines):
        if a is not None and b is not None:
            t = team.get(a)
            if t is not None and t == team.get(b):
                clashes.append((t, a, b))
    return clashes


def separate_teams(
    lines: Sequence[int | None],
    movable: set[int],
    team: Mapping[int, int | None],
    rng: random.Random,
    may_swap: Callable[[Sequence[int | None], int, int], bool] = lambda lines, i, j: True,
) -> list[int | None]:
    """Swap movable lines until no single swap removes another first-round meeting of teammates.

    ``movable`` holds line indices (seeded lines stay where the seeding put them);
    ``may_swap`` lets a caller forbid swaps that would break its own placement rules.
    """
    lines = list(lines)

    def clashing(pair: int) -> int:
        a, b = lines[2 * pair], lines[2 * pair + 1]
        return int(a is not None and b is not None and team.get(a) is not None and team.get(a) == team.get(b))

    improved = True
    while improved:
        improved = False
        candidates = sorted(movable)
        rng.shuffle(candidates)
        for i in candidates:
            if not clashing(i // 2):
                continue
            for j in candidates:
                if i // 2 == j // 2 or not may_swap(lines, i, j):
                    continue
                before = clashing(i // 2) + clashing(j // 2)
                lines[i], lines[j] = lines[j], lines[i]
                if clashing(i // 2) + clashing(j // 2) < before:
                    improved = True
                    break
                lines[i], lines[j] = lines[j], lines[i]
    return lines


def round_label(round_number: int, rounds: int) -> str:
    left = rounds - round_number
    if left == 0:
        return "决赛"
    if left == 1:
        return "半决赛"
    if left <= 4:
        return f"1/{2 ** left}决赛"
    return f"第{round_number}轮"


THIRD_PLACE_LABEL = "三四名决赛"


def build_bracket(lines: Sequence[int | None], third_place: ThirdPlace = "match") -> Bracket:
    """Matches for the given lines, with the byes already advanced."""
    size = len(lines)
    if size < 2 or size & (size - 1):
        raise DrawError("签位数必须是 2 的幂")
    for a, b in first_round_pairs(lines):
        if a is None and b is None:
            raise DrawError("轮空不能对轮空")
    rounds = size.bit_length() - 1
    matches: list[Match] = []
    first_id = {}
    next_id = 1
    for r in range(1, rounds + 1):
        first_id[r] = next_id
        next_id += size >> r
    with_third = third_place == "match" and rounds >= 2 and not _semi_final_has_bye(lines)
    for r in range(1, rounds + 1):
        for p in range(1, (size >> r) + 1):
            winner_to = None if r == rounds else SlotRef(first_id[r + 1] + (p - 1) // 2, "a" if p % 2 else "b")
            loser_to = SlotRef(size, "a" if p % 2 else "b") if with_third and r == rounds - 1 else None
            match = Match(
                id=first_id[r] + p - 1,
                round=r,
                position=p,
                label=round_label(r, rounds),
                winner_to=winner_to,
                loser_to=loser_to,
            )
            if r == 1:
                a, b = lines[2 * p - 2], lines[2 * p - 1]
                match = replace(match, a=a, b=b, bye=a is None or b is None)
            matches.append(match)
    if with_third:
        matches.append(Match(id=size, round=rounds, position=2, label=THIRD_PLACE_LABEL))
    bracket = Bracket(size, rounds, third_place, tuple(lines), tuple(matches))
    for match in bracket.round_matches(1):
        if match.bye:
            bracket = _decide(bracket, match.id, match.a if match.a is not None else match.b)
    return bracket


def _semi_final_has_bye(lines: Sequence[int | None]) -> bool:
    # Only a field of three: one semi-final is a walk-through, so there is no second loser
    # to play for third place; the loser of the other semi-final takes it.
    return len(lines) == 4 and None in lines


def advance_winner(bracket: Bracket, match_id: int, winner: int) -> Bracket:
    """Record the winner of a match and fill the matches it feeds.

    A corrected winner replaces the earlier one downstream; any later result that depended
    on the replaced entrant is cleared, since that match now has a different pairing.
    """
    match = bracket.match(match_id)
    if match.a is None or match.b is None:
        raise DrawError(f"第 {match_id} 场的对阵双方尚未确定")
    if winner not in (match.a, match.b):
        raise DrawError(f"第 {match_id} 场的胜者必须是对阵双方之一")
    return _decide(bracket, match_id, winner)


def clear_result(bracket: Bracket, match_id: int) -> Bracket:
    """Withdraw a match result and everything that followed from it."""
    match = bracket.match(match_id)
    if match.bye:
        raise DrawError(f"第 {match_id} 场是轮空,没有比赛结果可撤销")
    matches = list(bracket.matches)
    _unsettle(matches, match_id)
    return replace(bracket, matches=tuple(matches))


def _decide(bracket: Bracket, match_id: int, winner: int) -> Bracket:
    matches = list(bracket.matches)
    match = matches[match_id - 1]
    if match.winner is not None and match.winner != winner:
        _unsettle(matches, match_id)
    match = replace(matches[match_id - 1], winner=winner)
    matches[match_id - 1] = match
    if match.winner_to is not None:
        _put(matches, match.winner_to, winner)
    if match.loser_to is not None and match.loser is not None:
        _put(matches, match.loser_to, match.loser)
    return replace(bracket, matches=tuple(matches))


def _put(matches: list[Match], slot: SlotRef, entrant: int | None) -> None:
    target = matches[slot.match - 1]
    if getattr(target, slot.side) == entrant:
        return
    if target.winner is not None:
        _unsettle(matches, target.id)
        target = matches[slot.match - 1]
    matches[slot.match - 1] = replace(target, **{slot.side: entrant})


def _unsettle(matches: list[Match], match_id: int) -> None:
    match = matches[match_id - 1]
    if match.winner is None:
        return
    for slot in (match.winner_to, match.loser_to):
        if slot is not None:
            _put(matches, slot, None)
    matches[match_id - 1] = replace(matches[match_id - 1], winner=None)


def champion(bracket: Bracket) -> int | None:
    return bracket.final().winner


def podium(bracket: Bracket) -> list[tuple[int, int]]:
    """(place, entrant) for the places the bracket decides; a shared 3rd lists both."""
    final = bracket.final()
    places: list[tuple[int, int]] = []
    if final.winner is None:
        return places
    places += [(1, final.winner)] + ([(2, final.loser)] if final.loser is not None else [])
    if bracket.rounds < 2 or bracket.third_place == "none":
        return places
    third = bracket.third_place_match()
    if third is not None:
        if third.winner is not None and third.loser is not None:
            places += [(3, third.winner), (4, third.loser)]
        return places
    semis = bracket.round_matches(bracket.rounds - 1)
    places += [(3, m.loser) for m in semis if m.loser is not None]
    return places
