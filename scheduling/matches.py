"""Best-of-N match scoring (三局两胜, 五局三胜 …), walkovers, and team ties with line-ups.

Sport rules are parameters, not code: a game "to 11, 2 clear" or "to 21, 2 clear, capped at
30" is a ``GameRules``; a sport that only counts games won (tug-of-war pulls) has none.
Everything that checks input returns Chinese messages for the referee, all problems at once
rather than the first, so one correction fixes the whole sheet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Literal

import msgspec

from scheduling.results import Played

Side = Literal["a", "b"]
Outcome = Literal["played", "walkover", "forfeit", "double_forfeit"]

_DIGITS = "零一二三四五六七八九"


class InvalidScore(ValueError):
    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__(";".join(messages))
        self.messages = list(messages)


class GameRules(msgspec.Struct, frozen=True):
    sport: str
    target: int
    lead: int = 2
    cap: int | None = None

    def rule_text(self) -> str:
        text = f"{self.sport}每局须先得 {self.target} 分且领先 {self.lead} 分"
        return text + (f",{self.cap} 分封顶" if self.cap is not None else "")

    def is_final_score(self, a: int, b: int) -> bool:
        won, lost = max(a, b), min(a, b)
        if won < self.target or (self.cap is not None and won > self.cap):
            return False
        if self.cap is not None and won == self.cap:
            return self.cap - self.lead <= lost < self.cap
        if won == self.target:
            return won - lost >= self.lead
        return won - lost == self.lead


TABLE_TENNIS = GameRules("乒乓球", target=11, lead=2)
BADMINTON = GameRules("羽毛球", target=21, lead=2, cap=30)


class MatchFormat(msgspec.Struct, frozen=True):
    best_of: int = 3
    game: GameRules | None = None

    def __post_init__(self) -> None:
        if self.best_of < 1 or self.best_of % 2 == 0 or self.best_of > 9:
            raise ValueError("局数须为 1 到 9 之间的奇数")

    @property
    def to_win(self) -> int:
        return self.best_of // 2 + 1

    @property
    def name(self) -> str:
        if self.best_of == 1:
            return "一局定胜负"
        wins = "两" if self.to_win == 2 else _DIGITS[self.to_win]
        return f"{_DIGITS[self.best_of]}局{wins}胜"


class MatchScore(msgspec.Struct, frozen=True):
    outcome: Outcome
    winner: Side | None
    games_won: tuple[int, int]
    points: tuple[int, int] = (0, 0)
    games: tuple[tuple[int, int], ...] = ()
    forfeited: tuple[Side, ...] = ()


def score_problems(fmt: MatchFormat, games: Sequence[tuple[int, int]]) -> list[str]:
    """Everything wrong with a sheet of game scores, in Chinese; empty when it stands."""
    problems = []
    for number, (a, b) in enumerate(games, start=1):
        if a < 0 or b < 0:
            problems.append(f"第{number}局比分不能为负数")
        elif a == b:
            problems.append(f"第{number}局 {a}:{b} 未分出胜负")
        elif fmt.game is not None and not fmt.game.is_final_score(a, b):
            problems.append(f"第{number}局 {a}:{b} 不是有效比分:{fmt.game.rule_text()}")
    if problems:
        return problems
    won = _tally(games)
    problems += tally_problems(fmt, *won)
    if problems:
        return problems
    decided_at = _decided_at(fmt, games)
    if decided_at is not None and decided_at < len(games):
        problems.append(f"比赛在第{decided_at}局已分出胜负,不应再有第{decided_at + 1}局")
    return problems


def tally_problems(fmt: MatchFormat, a_games: int, b_games: int) -> list[str]:
    if a_games < 0 or b_games < 0:
        return ["局数不能为负数"]
    if a_games + b_games > fmt.best_of or (a_games >= fmt.to_win and b_games >= fmt.to_win):
        return [f"{fmt.name}的比赛不能打成 {a_games}:{b_games}"]
    if max(a_games, b_games) < fmt.to_win:
        return [f"{fmt.name}的比赛尚未分出胜负({a_games}:{b_games}),须有一方先胜 {fmt.to_win} 局"]
    return []


def score_match(fmt: MatchFormat, games: Sequence[tuple[int, int]]) -> MatchScore:
    """The result of a played match from its game scores; ``InvalidScore`` if they cannot stand."""
    problems = score_problems(fmt, games)
    if problems:
        raise InvalidScore(problems)
    won = _tally(games)
    points = (sum(a for a, _ in games), sum(b for _, b in games))
    return MatchScore("played", _leader(won), won, points, tuple(tuple(g) for g in games))


def score_tally(fmt: MatchFormat, a_games: int, b_games: int) -> MatchScore:
    """The result when only games won are kept (tug-of-war pulls, a chess mini-match)."""
    problems = tally_problems(fmt, a_games, b_games)
    if problems:
        raise InvalidScore(problems)
    return MatchScore("played", _leader((a_games, b_games)), (a_games, b_games))


def walkover(fmt: MatchFormat, winner: Side) -> MatchScore:
    """The other side did not turn up: recorded as won in straight games, each to nil.

    Crediting the minimum winning score keeps game and point ratios meaningful for the
    tie-breaks instead of leaving a hole in them.
    """
    games = tuple(_nil_game(fmt, winner) for _ in range(fmt.to_win)) if fmt.game else ()
    won = (fmt.to_win, 0) if winner == "a" else (0, fmt.to_win)
    return MatchScore("walkover", winner, won, _sum_points(games), games, (_other(winner),))


def forfeit(fmt: MatchFormat, games_played: Sequence[tuple[int, int]], forfeiting: Side) -> MatchScore:
    """A side gave up part-way (retired, disqualified): games played stand, the rest are
    credited to the opponent, and the forfeiting side earns no match points."""
    problems = [p for p in score_problems(fmt, games_played) if "尚未分出胜负" not in p]
    if problems:
        raise InvalidScore(problems)
    winner = _other(forfeiting)
    played = tuple(tuple(g) for g in games_played)
    won = _tally(played)
    missing = fmt.to_win - (won[0] if winner == "a" else won[1])
    if missing <= 0:
        raise InvalidScore(["比赛已经结束,不能再判弃权"])
    credited = tuple(_nil_game(fmt, winner) for _ in range(missing)) if fmt.game else ()
    won = (won[0] + missing, won[1]) if winner == "a" else (won[0], won[1] + missing)
    games = played + credited
    return MatchScore("forfeit", winner, won, _sum_points(games), games, (forfeiting,))


def double_forfeit() -> MatchScore:
    """Neither side played: nobody wins and both earn what a forfeit earns (usually nothing)."""
    return MatchScore("double_forfeit", None, (0, 0), forfeited=("a", "b"))


def as_played(score: MatchScore, a: int, b: int) -> Played:
    ids = {"a": a, "b": b}
    return Played(
        a=a,
        b=b,
        winner=ids[score.winner] if score.winner else None,
        forfeited=tuple(ids[s] for s in score.forfeited),
        games=score.games_won,
        points=score.points,
    )


def _tally(games: Sequence[tuple[int, int]]) -> tuple[int, int]:
    return sum(1 for a, b in games if a > b), sum(1 for a, b in games if b > a)


def _decided_at(fmt: MatchFormat, games: Sequence[tuple[int, int]]) -> int | None:
    a = b = 0
    for number, (x, y) in enumerate(games, start=1):
        a, b = a + (x > y), b + (y > x)
        if max(a, b) >= fmt.to_win:
            return number
    return None


def _leader(won: tuple[int, int]) -> Side:
    return "a" if won[0] > won[1] else "b"


def _other(side: Side) -> Side:
    return "b" if side == "a" else "a"


def _nil_game(fmt: MatchFormat, winner: Side) -> tuple[int, int]:
    target = fmt.game.target if fmt.game else 1
    return (target, 0) if winner == "a" else (0, target)


def _sum_points(games: Sequence[tuple[int, int]]) -> tuple[int, int]:
    return sum(a for a, _ in games), sum(b for _, b in games)


# Team ties (团体赛): a tie is won by taking the majority of its rubbers.


class Rubber(msgspec.Struct, frozen=True):
    code: str
    label: str
    men: int = 0
    women: int = 0

    @property
    def players(self) -> int:
        return self.men + self.women

    def who_text(self) -> str:
        if self.men and self.women:
            return f"男、女运动员各 {self.men} 名" if self.men == self.women else f" {self.men} 男 {self.women} 女"
        return f" {self.men} 名男运动员" if self.men else f" {self.women} 名女运动员"


MEN_SINGLES = Rubber("MS", "男单", men=1)
WOMEN_SINGLES = Rubber("WS", "女单", women=1)
MIXED_DOUBLES = Rubber("XD", "混双", men=1, women=1)
MEN_DOUBLES = Rubber("MD", "男双", men=2)
WOMEN_DOUBLES = Rubber("WD", "女双", women=2)


class TieFormat(msgspec.Struct, frozen=True):
    rubbers: tuple[Rubber, ...]
    match: MatchFormat
    double_duty: bool = False
    play_all_rubbers: bool = False

    @property
    def to_win(self) -> int:
        return len(self.rubbers) // 2 + 1


BADMINTON_TEAM = TieFormat((MEN_SINGLES, WOMEN_SINGLES, MIXED_DOUBLES), MatchFormat(3, BADMINTON))


class RosterPlayer(msgspec.Struct, frozen=True):
    id: int
    name: str
    gender: Literal["M", "F"]


def lineup_problems(
    fmt: TieFormat, lineup: Mapping[str, Sequence[int]], roster: Sequence[RosterPlayer]
) -> list[str]:
    """What is wrong with a team's 出场名单 for one tie, in Chinese; empty when it stands."""
    by_id = {p.id: p for p in roster}
    codes = {r.code for r in fmt.rubbers}
    problems = [f"本项目没有代码为 {code} 的比赛" for code in lineup if code not in codes]
    for rubber in fmt.rubbers:
        players = list(lineup.get(rubber.code, ()))
        if not players:
            problems.append(f"缺少{rubber.label}出场名单")
            continue
        unknown = [x for x in players if x not in by_id]
        problems += [f"{rubber.label}:编号 {x} 不在本队报名名单中" for x in unknown]
        if unknown:
            continue
        if len(set(players)) != len(players):
            problems.append(f"{rubber.label}:同一名运动员不能重复出场")
        genders = Counter(by_id[x].gender for x in players)
        if len(players) != rubber.players or genders["M"] != rubber.men or genders["F"] != rubber.women:
            problems.append(f"{rubber.label}须由{rubber.who_text()}出场")
    if not fmt.double_duty:
        appearances: dict[int, list[str]] = {}
        for rubber in fmt.rubbers:
            for x in set(lineup.get(rubber.code, ())):
                appearances.setdefault(x, []).append(rubber.label)
        for x, labels in appearances.items():
            if len(labels) > 1 and x in by_id:
                problems.append(f"{by_id[x].name}不能同时参加{'、'.join(labels)}")
    return problems


class TieScore(msgspec.Struct, frozen=True):
    outcome: Outcome
    winner: Side | None
    rubbers_won: tuple[int, int]
    games_won: tuple[int, int]
    points: tuple[int, int]
    rubbers: tuple[MatchScore, ...] = ()
    forfeited: tuple[Side, ...] = ()


def tie_problems(fmt: TieFormat, rubbers: Sequence[MatchScore]) -> list[str]:
    won = [0, 0]
    for number, rubber in enumerate(rubbers, start=1):
        if max(won) >= fmt.to_win and not fmt.play_all_rubbers:
            return [f"团体赛在第{number - 1}场已分出胜负,不应再打第{number}场"]
        if rubber.winner is not None:
            won["ab".index(rubber.winner)] += 1
    if len(rubbers) > len(fmt.rubbers):
        return [f"团体赛只有 {len(fmt.rubbers)} 场比赛"]
    if max(won) < fmt.to_win:
        return [f"团体赛尚未分出胜负({won[0]}:{won[1]}),须有一方先胜 {fmt.to_win} 场"]
    return []


def score_tie(fmt: TieFormat, rubbers: Sequence[MatchScore]) -> TieScore:
    """The tie's result from its rubbers in playing order (MS, WS, XD …)."""
    problems = tie_problems(fmt, rubbers)
    if problems:
        raise InvalidScore(problems)
    won = (sum(r.winner == "a" for r in rubbers), sum(r.winner == "b" for r in rubbers))
    games = (sum(r.games_won[0] for r in rubbers), sum(r.games_won[1] for r in rubbers))
    points = (sum(r.points[0] for r in rubbers), sum(r.points[1] for r in rubbers))
    return TieScore("played", _leader(won), won, games, points, tuple(rubbers))


def tie_walkover(fmt: TieFormat, winner: Side) -> TieScore:
    rubbers = tuple(walkover(fmt.match, winner) for _ in range(fmt.to_win))
    won = (fmt.to_win, 0) if winner == "a" else (0, fmt.to_win)
    games = (sum(r.games_won[0] for r in rubbers), sum(r.games_won[1] for r in rubbers))
    points = (sum(r.points[0] for r in rubbers), sum(r.points[1] for r in rubbers))
    return TieScore("walkover", winner, won, games, points, rubbers, (_other(winner),))


def tie_as_played(tie: TieScore, a: int, b: int) -> Played:
    ids = {"a": a, "b": b}
    return Played(
        a=a,
        b=b,
        winner=ids[tie.winner] if tie.winner else None,
        forfeited=tuple(ids[s] for s in tie.forfeited),
        rubbers=tie.rubbers_won,
        games=tie.games_won,
        points=tie.points,
    )
