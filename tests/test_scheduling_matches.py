"""Best-of-N scoring, game rules per sport, walkovers, and badminton team ties."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.matches import (
    BADMINTON,
    BADMINTON_TEAM,
    TABLE_TENNIS,
    GameRules,
    InvalidScore,
    MatchFormat,
    RosterPlayer,
    TieFormat,
    as_played,
    double_forfeit,
    forfeit,
    lineup_problems,
    score_match,
    score_problems,
    score_tally,
    score_tie,
    tie_as_played,
    tie_walkover,
    walkover,
)

FAST = settings(max_examples=200, deadline=None)
rules = st.sampled_from([TABLE_TENNIS, BADMINTON, GameRules("排球", target=25, lead=2)])


def rally_path(rule: GameRules, chance: random.Random) -> list[tuple[int, int]]:
    """Every score of a game played rally by rally until the rules (written out afresh) end it."""
    a = b = 0
    path = [(a, b)]
    while True:
        won, lost = max(a, b), min(a, b)
        if won >= rule.target and (won - lost >= rule.lead or won == rule.cap):
            return path
        if chance.random() < 0.5:
            a += 1
        else:
            b += 1
        path.append((a, b))


def rally_game(rule: GameRules, chance: random.Random) -> tuple[int, int]:
    return rally_path(rule, chance)[-1]


@FAST
@given(rules, st.integers(0, 10_000))
def test_a_game_played_to_its_end_is_valid_and_no_score_before_it_is(rule: GameRules, seed: int) -> None:
    path = rally_path(rule, random.Random(seed))
    assert rule.is_final_score(*path[-1])
    assert not any(rule.is_final_score(a, b) for a, b in path[:-1])


@FAST
@given(st.sampled_from([1, 3, 5, 7]), st.lists(st.booleans(), min_size=1, max_size=9), st.integers(0, 10_000))
def test_a_match_is_decided_exactly_when_one_side_holds_the_majority(
    best_of: int, a_wins: list[bool], seed: int
) -> None:
    fmt = MatchFormat(best_of, TABLE_TENNIS)
    chance = random.Random(seed)
    games = []
    for a_won in a_wins:
        x, y = rally_game(TABLE_TENNIS, chance)
        won, lost = max(x, y), min(x, y)
        games.append((won, lost) if a_won else (lost, won))
    decided_at = next(
        (i for i in range(1, len(a_wins) + 1) if max(sum(a_wins[:i]), i - sum(a_wins[:i])) == fmt.to_win), None
    )
    if decided_at == len(games):
        result = score_match(fmt, games)
        assert max(result.games_won) == fmt.to_win
        assert result.winner == ("a" if a_wins[-1] else "b")
        assert result.points == (sum(g[0] for g in games), sum(g[1] for g in games))
    else:
        with pytest.raises(InvalidScore):
            score_match(fmt, games)


def test_best_of_three_cannot_end_two_all() -> None:
    fmt = MatchFormat(3, TABLE_TENNIS)
    assert score_problems(fmt, [(11, 5), (5, 11), (11, 5), (5, 11)]) == ["三局两胜的比赛不能打成 2:2"]
    with pytest.raises(InvalidScore) as refused:
        score_tally(MatchFormat(3), 2, 2)
    assert refused.value.messages == ["三局两胜的比赛不能打成 2:2"]


def test_table_tennis_games_need_eleven_and_a_two_point_lead() -> None:
    problems = score_problems(MatchFormat(5, TABLE_TENNIS), [(11, 10), (11, 4), (11, 4)])
    assert problems == ["第1局 11:10 不是有效比分:乒乓球每局须先得 11 分且领先 2 分"]
    assert score_problems(MatchFormat(5, TABLE_TENNIS), [(9, 7), (13, 11), (11, 0), (11, 3)])[0].startswith("第1局 9:7")


@pytest.mark.parametrize("score", [(21, 19), (21, 0), (22, 20), (29, 27), (30, 28), (30, 29)])
def test_badminton_scores_that_stand(score: tuple[int, int]) -> None:
    assert BADMINTON.is_final_score(*score) and BADMINTON.is_final_score(score[1], score[0])


@pytest.mark.parametrize("score", [(21, 20), (20, 18), (23, 20), (30, 27), (31, 29), (22, 19)])
def test_badminton_scores_refused_with_the_rule(score: tuple[int, int]) -> None:
    problems = score_problems(MatchFormat(3, BADMINTON), [score, (21, 5)])
    assert problems and "羽毛球每局须先得 21 分且领先 2 分,30 分封顶" in problems[0]


def test_every_problem_on_the_sheet_is_reported_at_once() -> None:
    problems = score_problems(MatchFormat(3, TABLE_TENNIS), [(11, 11), (-1, 11), (11, 10)])
    assert problems == ["第1局 11:11 未分出胜负", "第2局比分不能为负数", "第3局 11:10 不是有效比分:乒乓球每局须先得 11 分且领先 2 分"]


def test_games_after_the_match_is_decided_are_refused() -> None:
    assert score_problems(MatchFormat(3, TABLE_TENNIS), [(11, 5), (11, 5), (5, 11)]) == [
        "比赛在第2局已分出胜负,不应再有第3局"
    ]


def test_an_unfinished_match_is_refused() -> None:
    assert score_problems(MatchFormat(5), [(11, 5), (5, 11)]) == [
        "五局三胜的比赛尚未分出胜负(1:1),须有一方先胜 3 局"
    ]


def test_format_names_in_chinese() -> None:
    assert [MatchFormat(n).name for n in (1, 3, 5, 7)] == ["一局定胜负", "三局两胜", "五局三胜", "七局四胜"]
    with pytest.raises(ValueError):
        MatchFormat(4)


def test_tug_of_war_counts_pulls_only() -> None:
    result = score_tally(MatchFormat(3), 2, 1)
    assert (result.winner, result.games_won, result.games) == ("a", (2, 1), ())


def test_a_walkover_is_won_in_straight_games_to_nil() -> None:
    result = walkover(MatchFormat(5, TABLE_TENNIS), "b")
    assert result.outcome == "walkover" and result.winner == "b" and result.forfeited == ("a",)
    assert result.games_won == (0, 3) and result.points == (0, 33)
    played = as_played(result, 10, 20)
    assert played.winner == 20 and played.forfeited == (10,) and played.games == (0, 3)


def test_a_forfeit_keeps_the_games_played_and_credits_the_rest() -> None:
    result = forfeit(MatchFormat(3, TABLE_TENNIS), [(11, 3)], "a")
    assert result.winner == "b" and result.games == ((11, 3), (0, 11), (0, 11)) and result.games_won == (1, 2)
    with pytest.raises(InvalidScore, match="比赛已经结束"):
        forfeit(MatchFormat(3, TABLE_TENNIS), [(3, 11), (3, 11)], "a")


def test_a_double_forfeit_has_no_winner_and_both_forfeit() -> None:
    played = as_played(double_forfeit(), 1, 2)
    assert played.winner is None and played.forfeited == (1, 2) and not played.is_draw()


ROSTER = [
    RosterPlayer(1, "张伟", "M"),
    RosterPlayer(2, "王强", "M"),
    RosterPlayer(3, "李娜", "F"),
    RosterPlayer(4, "刘芳", "F"),
]


def test_a_proper_badminton_line_up_stands() -> None:
    assert lineup_problems(BADMINTON_TEAM, {"MS": [1], "WS": [3], "XD": [2, 4]}, ROSTER) == []


def test_singles_need_the_right_gender_and_mixed_doubles_one_of_each() -> None:
    problems = lineup_problems(BADMINTON_TEAM, {"MS": [3], "WS": [1], "XD": [2, 1]}, ROSTER)
    assert "男单须由 1 名男运动员出场" in problems
    assert "女单须由 1 名女运动员出场" in problems
    assert "混双须由男、女运动员各 1 名出场" in problems


def test_a_player_may_not_play_two_rubbers_unless_the_event_allows_it() -> None:
    lineup = {"MS": [1], "WS": [3], "XD": [1, 4]}
    assert lineup_problems(BADMINTON_TEAM, lineup, ROSTER) == ["张伟不能同时参加男单、混双"]
    relaxed = TieFormat(BADMINTON_TEAM.rubbers, BADMINTON_TEAM.match, double_duty=True)
    assert lineup_problems(relaxed, lineup, ROSTER) == []


def test_line_up_names_missing_rubbers_and_strangers() -> None:
    problems = lineup_problems(BADMINTON_TEAM, {"MS": [9], "XD": [2, 4], "MD": [1, 2]}, ROSTER)
    assert problems == ["本项目没有代码为 MD 的比赛", "男单:编号 9 不在本队报名名单中", "缺少女单出场名单"]


def test_a_team_tie_is_decided_at_two_rubbers() -> None:
    fmt = BADMINTON_TEAM.match
    won = score_match(fmt, [(21, 15), (21, 18)])
    lost = score_match(fmt, [(15, 21), (18, 21)])
    tie = score_tie(BADMINTON_TEAM, [won, lost, won])
    assert (tie.winner, tie.rubbers_won, tie.games_won) == ("a", (2, 1), (4, 2))
    assert score_tie(BADMINTON_TEAM, [won, won]).rubbers_won == (2, 0)
    with pytest.raises(InvalidScore, match="团体赛在第2场已分出胜负,不应再打第3场"):
        score_tie(BADMINTON_TEAM, [won, won, lost])
    with pytest.raises(InvalidScore, match="团体赛尚未分出胜负"):
        score_tie(BADMINTON_TEAM, [won, lost])
    everything = TieFormat(BADMINTON_TEAM.rubbers, fmt, play_all_rubbers=True)
    assert score_tie(everything, [won, won, lost]).rubbers_won == (2, 1)


def test_a_tie_becomes_a_standings_record_with_rubbers_games_and_points() -> None:
    fmt = BADMINTON_TEAM.match
    tie = score_tie(BADMINTON_TEAM, [score_match(fmt, [(21, 15), (21, 18)])] * 2)
    played = tie_as_played(tie, 5, 6)
    assert played.winner == 5 and played.rubbers == (2, 0) and played.games == (4, 0) and played.points == (84, 66)
    no_show = tie_as_played(tie_walkover(BADMINTON_TEAM, "a"), 5, 6)
    assert no_show.forfeited == (6,) and no_show.rubbers == (2, 0) and no_show.points == (84, 0)
