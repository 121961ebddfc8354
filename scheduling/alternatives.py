"""People who can be in an item only by one of several lines that exclude each other — pure.

Before a group stage is played, each player of group A may finish first or second, so the
knockout lines "A组第1名" and "A组第2名" both carry all of A's players — and the draw puts those
two lines in different halves. A player takes at most one of them, so two matches reached only
through *different* lines of one group never need the same player at once; protecting the player
against both halves at once would tie the halves together for nothing (on the 800-item benchmark
meet the table tennis could then no longer be played in three days).

The solver knows only keys that may not be in two places at once (``Item.people`` and
``Item.teams``), so the exclusion is written in keys. For someone ``w`` reached by a line:

- an item reached only through some lines of the choice carries ``w/<line>`` for those lines;
- every other item of ``w`` carries ``w/<line>`` for every line of the choice.

Two items then share a key exactly when ``w`` could be in both: an item that is not restricted
meets every item of ``w``, restricted items meet when they share a line. Someone restricted by lines of
more than one choice (two group stages) keeps the plain key everywhere: protected as before,
which is always safe.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence

import msgspec

from scheduling.timetable import Item

Line = tuple[str, str]  # (choice, alternative): ("e7gA", "1") is "event 7, group A, first place"


def token(who: str, line: Line) -> str:
    return f"{who}/{line[0]}r{line[1]}"


def base_key(key: str) -> str:
    """The person or team key a conflict key stands for: "p:12/e7gAr1" → "p:12"."""
    return key.split("/", 1)[0]


def joined(
    mine: Collection[str], my_lines: Mapping[str, frozenset[Line]],
    theirs: Collection[str], their_lines: Mapping[str, frozenset[Line]],
) -> dict[str, frozenset[Line]]:
    """Who, on two sides put together (the two of a match, a round's feeders), is there only
    through some lines, and which: someone on either side in any case is there in any case."""
    out: dict[str, frozenset[Line]] = {}
    for who in set(mine) | set(theirs):
        lines: frozenset[Line] = frozenset()
        for side, side_lines in ((mine, my_lines), (theirs, their_lines)):
            if who in side:
                if who not in side_lines:
                    break
                lines |= side_lines[who]
        else:
            out[who] = lines
    return out


def with_lines(items: Sequence[Item], only: Mapping[str, Mapping[str, frozenset[Line]]]) -> list[Item]:
    """``items`` with their conflict keys rewritten; ``only``: per item key, the people/team keys
    that are in it only through the given lines (everyone else in it is there in any case)."""
    lines_of: dict[str, set[Line]] = defaultdict(set)
    for restricted in only.values():
        for who, lines in restricted.items():
            lines_of[who] |= lines
    split = {w for w, lines in lines_of.items() if len({choice for choice, _ in lines}) == 1}
    if not split:
        return list(items)

    def keys(group: frozenset[str], restricted: Mapping[str, frozenset[Line]]) -> frozenset[str]:
        if not group & split:
            return group
        result: set[str] = set()
        for w in group:
            if w in split:
                result.update(token(w, line) for line in restricted.get(w, lines_of[w]))
            else:
                result.add(w)
        return frozenset(result)

    out = []
    for it in items:
        restricted = only.get(it.key, {})
        people, teams = keys(it.people, restricted), keys(it.teams, restricted)
        out.append(it if (people, teams) == (it.people, it.teams) else msgspec.structs.replace(it, people=people, teams=teams))
    return out
