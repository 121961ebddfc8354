"""Round robin (循环赛) by the circle method, as in Berger tables.

Number the entrants 0..n-1 (an odd field gets a phantom last number: whoever meets it has the
bye). The last number stays fixed and the others turn around it. Written arithmetically with
m = n-1 turning numbers: in round r, x and y meet when x + y ≡ r (mod m), and the one with
2x ≡ r meets the fixed number. Round 0 pairs as Berger's first round: 1–n, 2–(n-1), …

Home and away: between turning numbers, x is at home when (y − x) mod m lies in the lower
half of 1..m-1, so each turning number is at home against exactly (m-1)/2 of the others; the
fixed number alternates home and away round by round. Every entrant therefore has
⌊(n-1)/2⌋ or ⌈(n-1)/2⌉ home games (exactly half when the field is odd, since the phantom's
games are not played).
"""

from __future__ import annotations

from collections.abc import Sequence

from scheduling.rounds import Pairing, Round


def berger_rounds(ids: Sequence[int], double: bool = False) -> tuple[Round, ...]:
    """All rounds for the entrants in Berger-number order; ``double`` adds the return legs."""
    if len(ids) < 2:
        return ()
    numbers = list(ids) + ([None] if len(ids) % 2 else [])
    m = len(numbers) - 1
    first_leg = tuple(_one_round(numbers, m, r) for r in range(m))
    if not double:
        return first_leg
    return first_leg + tuple(_mirrored(rnd, m) for rnd in first_leg)


def _one_round(numbers: list[int | None], m: int, r: int) -> Round:
    # Each pair {x, y} with x + y ≡ r is listed once, at the smaller of the two numbers.
    fixed = numbers[m]
    against_fixed = (r * ((m + 1) // 2)) % m  # 2x ≡ r: (m+1)/2 is the inverse of 2 mod m
    half = (m - 1) // 2
    pairings: list[Pairing] = []
    bye: int | None = None
    for x in range(m):
        if x == against_fixed:
            a, b = (fixed, numbers[x]) if _fixed_is_home(r) else (numbers[x], fixed)
        else:
            y = (r - x) % m
            if y < x:
                continue
            a, b = (numbers[x], numbers[y]) if 1 <= (y - x) % m <= half else (numbers[y], numbers[x])
        if a is None or b is None:
            bye = b if a is None else a
        else:
            pairings.append(Pairing(a, b))
    return Round(r + 1, tuple(pairings), bye)


def _x_is_home(x: int, y: int, m: int) -> bool:
    return 1 <= (y - x) % m <= (m - 1) // 2


def _fixed_is_home(r: int) -> bool:
    # Berger tables start the fixed number away in round one so it ends with the extra home
    # game only when it has an odd number of rounds to share out.
    return r % 2 == 1


def _mirrored(rnd: Round, m: int) -> Round:
    return Round(
        number=rnd.number + m,
        pairings=tuple(Pairing(home=p.away, away=p.home) for p in rnd.pairings),
        bye=rnd.bye,
    )
