"""Swiss system (瑞士制) for chess and cards: pairing the next round, and its tie-breaks.

Pairing follows the Dutch idea: players ordered by score, then initial rank; within a score
group the top half meets the bottom half (1st v (m/2+1)th …); a player who cannot be paired
in the group floats down to the next one. Absolute rules are never broken: no rematch, no
colour difference beyond ±2, no colour three times running; the bye goes to the lowest-ranked
player who has not had one. A depth-first search backs out of choices that leave the rest
unpairable, so the preferred pairing is taken whenever a legal one exists.

In each ``Played`` game here ``a`` had White and ``b`` Black.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import msgspec

from scheduling.entrants import DrawError
from scheduling.results import Played
from scheduling.rounds import Pairing, Round

Colour = Literal["W", "B"]
SEARCH_LIMIT = 200_000


class PlayedRound(msgspec.Struct, frozen=True):
    games: tuple[Played, ...]
    byes: tuple[int, ...] = ()


class _Player(msgspec.Struct):
    id: int
    rank: int
    score: float = 0.0
    colours: list[Colour] = msgspec.field(default_factory=list)
    opponents: set[int] = msgspec.field(default_factory=set)
    byes: int = 0

    @property
    def colour_difference(self) -> int:
        return self.colours.count("W") - self.colours.count("B")

    def may_take(self, colour: Colour, strict: bool) -> bool:
        if not strict:
            return True
        difference = self.colour_difference + (1 if colour == "W" else -1)
        return abs(difference) <= 2 and self.colours[-2:] != [colour, colour]

    def preference(self) -> tuple[int, Colour | None]:
        """(strength, colour): 3 absolute, 2 strong, 1 mild, 0 none — after FIDE's Dutch rules."""
        if not self.colours:
            return 0, None
        difference = self.colour_difference
        due: Colour = "W" if difference < 0 or (difference == 0 and self.colours[-1] == "B") else "B"
        if abs(difference) >= 2 or self.colours[-2:] in (["W", "W"], ["B", "B"]):
            return 3, due
        return (2 if difference else 1), due


def points(rounds: Sequence[PlayedRound], bye_points: float = 1.0) -> dict[int, float]:
    totals: dict[int, float] = {}
    for rnd in rounds:
        for game in rnd.games:
            for x in (game.a, game.b):
                totals[x] = totals.get(x, 0.0) + game.chess_score(x)
        for x in rnd.byes:
            totals[x] = totals.get(x, 0.0) + bye_points
    return totals


def pair_next_round(
    ranking: Sequence[int],
    rounds: Sequence[PlayedRound],
    top_board_white: bool = True,
    bye_points: float = 1.0,
) -> Round:
    """The next round's boards; ``ranking`` is the initial order (seeds, then by lot).

    ``top_board_white`` settles colours when neither player has a preference (round one:
    the higher-ranked player has White on odd boards when it is true) — drawn by lot once.
    """
    players = _players(ranking, rounds, bye_points)
    order = sorted(players.values(), key=lambda p: (-p.score, p.rank))
    for strict in (True, False):
        found = _pair_with_bye(order, strict)
        if found is not None:
            pairs, bye = found
            return _as_round(len(rounds) + 1, pairs, bye, top_board_white, strict)
    raise DrawError("无法编排下一轮:剩下的参赛者之间已没有不重复的对阵")


def _players(ranking: Sequence[int], rounds: Sequence[PlayedRound], bye_points: float) -> dict[int, _Player]:
    if len(set(ranking)) != len(ranking):
        raise DrawError("参赛者编号重复")
    players = {x: _Player(x, rank) for rank, x in enumerate(ranking)}
    strangers = {x for rnd in rounds for g in rnd.games for x in (g.a, g.b)} | {x for r in rounds for x in r.byes}
    if strangers - players.keys():
        raise DrawError("比赛记录中有不在本项目的参赛者")
    for rnd in rounds:
        for game in rnd.games:
            white, black = players[game.a], players[game.b]
            white.colours.append("W")
            black.colours.append("B")
            white.opponents.add(black.id)
            black.opponents.add(white.id)
            white.score += game.chess_score(white.id)
            black.score += game.chess_score(black.id)
        for x in rnd.byes:
            players[x].byes += 1
            players[x].score += bye_points
    return players


def _pair_with_bye(order: list[_Player], strict: bool) -> tuple[list[tuple[_Player, _Player]], _Player | None] | None:
    budget = [SEARCH_LIMIT]
    if len(order) % 2 == 0:
        pairs = _pair(order, strict, budget)
        return None if pairs is None else (pairs, None)
    # The lowest-ranked without a bye first; a second bye only when nobody else can have it.
    for bye in sorted(reversed(order), key=lambda p: p.byes):
        rest = [p for p in order if p is not bye]
        pairs = _pair(rest, strict, budget)
        if pairs is not None:
            return pairs, bye
    return None


def _pair(remaining: list[_Player], strict: bool, budget: list[int]) -> list[tuple[_Player, _Player]] | None:
    if not remaining:
        return []
    budget[0] -= 1
    if budget[0] < 0:
        return None
    top, rest = remaining[0], remaining[1:]
    for other in _candidates(top, remaining):
        if other.id in top.opponents or not _colours_possible(top, other, strict):
            continue
        pairs = _pair([p for p in rest if p is not other], strict, budget)
        if pairs is not None:
            return [(top, other), *pairs]
    return None


def _candidates(top: _Player, remaining: list[_Player]) -> list[_Player]:
    """Top half meets bottom half: the middle of the score group first, then further down the
    group, then up into the group's top half, then those who float down from below."""
    group = [p for p in remaining if p.score == top.score]
    half = len(group) // 2
    lower = group[max(half, 1) :]
    upper = list(reversed(group[1:half]))
    below = [p for p in remaining if p.score != top.score]
    return lower + upper + below


def _colours_possible(x: _Player, y: _Player, strict: bool) -> bool:
    return (x.may_take("W", strict) and y.may_take("B", strict)) or (x.may_take("B", strict) and y.may_take("W", strict))


def _as_round(
    number: int, pairs: list[tuple[_Player, _Player]], bye: _Player | None, top_board_white: bool, strict: bool
) -> Round:
    boards = sorted(pairs, key=lambda pair: (-max(pair[0].score, pair[1].score), min(pair[0].rank, pair[1].rank)))
    pairings = []
    for board, (x, y) in enumerate(boards, start=1):
        higher, lower = (x, y) if (-x.score, x.rank) < (-y.score, y.rank) else (y, x)
        white = _white_of(higher, lower, board, top_board_white, strict)
        black = lower if white is higher else higher
        pairings.append(Pairing(home=white.id, away=black.id))
    return Round(number=number, pairings=tuple(pairings), bye=bye.id if bye else None)


def _white_of(higher: _Player, lower: _Player, board: int, top_board_white: bool, strict: bool) -> _Player:
    allowed = [
        (w, b) for w, b in ((higher, lower), (lower, higher)) if w.may_take("W", strict) and b.may_take("B", strict)
    ]
    if len(allowed) == 1:
        return allowed[0][0]
    strength_h, colour_h = higher.preference()
    strength_l, colour_l = lower.preference()
    if colour_h is None and colour_l is None:
        return higher if (board % 2 == 1) == top_board_white else lower
    # The stronger preference is granted; on equal strength, the higher-ranked player's.
    if strength_l > strength_h:
        return lower if colour_l == "W" else higher
    return higher if colour_h == "W" else lower


# Tie-breaks. An unplayed round (a bye, or a game won or lost by forfeit) counts as a game
# against a virtual opponent with the player's own final score, as FIDE's tie-break
# regulations do, so a bye neither lifts nor sinks a player's Buchholz.


def opponent_scores(player: int, games: Sequence[Played], byes: Sequence[int], score: Mapping[int, float]) -> list[float]:
    own = score.get(player, 0.0)
    found = []
    for game in games:
        if game.involves(player):
            found.append(own if game.forfeited else score.get(game.opponent(player), 0.0))
    found += [own] * sum(1 for x in byes if x == player)
    return found


def buchholz(player: int, games: Sequence[Played], byes: Sequence[int], score: Mapping[int, float]) -> float:
    return sum(opponent_scores(player, games, byes, score))


def buchholz_cut1(player: int, games: Sequence[Played], byes: Sequence[int], score: Mapping[int, float]) -> float:
    found = opponent_scores(player, games, byes, score)
    return sum(found) - min(found) if found else 0.0


def sonneborn_berger(player: int, games: Sequence[Played], score: Mapping[int, float]) -> float:
    """Full score of each opponent beaten, half of each opponent drawn; unplayed games add nothing."""
    return sum(
        game.chess_score(player) * score.get(game.opponent(player), 0.0)
        for game in games
        if game.involves(player) and not game.forfeited
    )
