"""A large knockout tree printed in parts (分区): each part one A4 page, the last one from where
the parts meet to the final. Rules: every match appears, each part's boxes keep the tree's
shape (box i of a round is fed by boxes 2i and 2i+1 of the round before), a part ends where its
half or quarter has one match left, and the final part starts with those matches."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from events.bracket_tree import PART_FIRST_ROUND, Box, Column, Side, Tree, parts
from scheduling import knockout


def tree(lines: int) -> Tree:
    rounds = lines.bit_length() - 1
    columns = []
    for r in range(1, rounds + 1):
        n = lines >> r
        columns.append(Column(knockout.round_label(r, rounds), [
            Box(f"r{r}m{i}", None, Side(f"r{r}m{i}a"), Side(f"r{r}m{i}b")) for i in range(n)
        ]))
    return Tree(columns, None, Side("冠军"), planned=False)


def test_a_tree_of_sixteen_lines_prints_whole() -> None:
    t = tree(16)
    (only,) = parts(t)
    assert only.title == "" and only.columns == t.columns and only.champion == t.champion


def test_sixty_four_lines_print_as_four_quarters_then_the_quarter_finals_on() -> None:
    t = tree(64)
    ps = parts(t)
    assert [p.title for p in ps] == ["第一区", "第二区", "第三区", "第四区", "1/4决赛至决赛"]
    first = ps[0]
    assert [len(c.boxes) for c in first.columns] == [8, 4, 2, 1]
    assert [c.title for c in first.columns] == ["第1轮", "1/16决赛", "1/8决赛", "1/4决赛"]
    assert first.columns[0].boxes == t.columns[0].boxes[:8]
    assert ps[3].columns[1].boxes == t.columns[1].boxes[12:16]
    last = ps[-1]
    assert [len(c.boxes) for c in last.columns] == [4, 2, 1]
    assert last.champion == t.champion and all(p.champion is None for p in ps[:-1])


def test_thirty_two_lines_print_as_halves() -> None:
    ps = parts(tree(32))
    assert [p.title for p in ps] == ["上半区", "下半区", "半决赛至决赛"]


@given(st.integers(min_value=1, max_value=10))
def test_every_match_is_printed_and_each_part_keeps_the_tree_shape(power: int) -> None:
    t = tree(2**power)
    ps = parts(t)
    shown = {b.label for p in ps for c in p.columns for b in c.boxes}
    assert shown == {b.label for c in t.columns for b in c.boxes}
    for p in ps:
        assert len(p.columns[0].boxes) <= PART_FIRST_ROUND
        for before, after in zip(p.columns, p.columns[1:], strict=False):
            assert len(before.boxes) == 2 * len(after.boxes)
            for i, box in enumerate(after.boxes):  # fed by boxes 2i and 2i+1 of the round before
                r, m = box.label[1:].split("m")
                for feeder in before.boxes[2 * i: 2 * i + 2]:
                    fr, fm = feeder.label[1:].split("m")
                    assert int(fr) == int(r) - 1 and int(fm) // 2 == int(m)
    # a part that is not the last ends with one match: its half or quarter's winner
    for p in ps[:-1]:
        assert len(p.columns[-1].boxes) == 1
    assert ps[-1].columns[-1].boxes == t.columns[-1].boxes


def _render(t: Tree, *, parts_only: bool) -> str:
    from pathlib import Path

    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent.parent / "web" / "templates"), autoescape=True)

    class Sheet:
        tree = t

    class Event:
        is_team_event = False

    return env.get_template("draws/partials/tree.html").render(sheet=Sheet, event=Event, parts_only=parts_only)


def test_the_draw_page_scrolls_the_whole_tree_on_screen_and_prints_the_parts() -> None:
    html = _render(tree(64), parts_only=False)
    assert html.count('class="ko-tree"') == 1 + 5  # the whole tree, then four quarters and the rounds after
    assert 'class="ko-scroll ko-screen"' in html  # hidden in print
    assert '<div class="ko-parts">' in html  # shown in print only
    assert "第一区" in html and "1/4决赛至决赛" in html


def test_the_programme_prints_a_large_tree_in_parts_only_and_a_small_one_whole() -> None:
    html = _render(tree(64), parts_only=True)
    assert html.count('class="ko-tree"') == 5 and "ko-screen" not in html and "ko-parts ko-parts-shown" in html
    small = _render(tree(16), parts_only=True)
    assert small.count('class="ko-tree"') == 1 and "ko-parts" not in small and "第一区" not in small


def test_each_part_of_the_programme_tells_a_phone_that_it_scrolls_sideways() -> None:
    # on a narrow screen .ko-hint shows (and never in print): each part of a big tree is wider than a phone
    html = _render(tree(64), parts_only=True)
    parts = html.split('class="ko-part"')[1:]
    assert len(parts) == 5
    assert all("左右滑动查看后面各轮" in part for part in parts)


def test_a_tree_of_512_lines_names_each_gathering_part_by_the_parts_it_gathers() -> None:
    titles = [p.title for p in parts(tree(512))]
    assert titles[:2] == ["第1区", "第2区"] and titles[31] == "第32区"
    assert titles[32:] == ["第1–8区汇合", "第9–16区汇合", "第17–24区汇合", "第25–32区汇合", "1/4决赛至决赛"]
