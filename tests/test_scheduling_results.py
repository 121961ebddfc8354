"""A played match seen from either side."""

from __future__ import annotations

from scheduling.results import Played


def test_figures_are_read_from_the_asking_side() -> None:
    game = Played(1, 2, winner=2, games=(1, 3), points=(40, 44))
    assert game.mine(1, game.games) == (1, 3) and game.mine(2, game.points) == (44, 40)
    assert game.opponent(1) == 2 and game.opponent(2) == 1
    assert (game.chess_score(1), game.chess_score(2)) == (0.0, 1.0)


def test_a_draw_is_shared_honours_and_a_double_forfeit_is_not() -> None:
    assert Played(1, 2).is_draw() and Played(1, 2).chess_score(1) == 0.5
    assert not Played(1, 2, forfeited=(1, 2)).is_draw()
