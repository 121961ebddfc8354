"""Small checks shared by the setup services; each returns a Chinese problem or None."""

from __future__ import annotations

import enum
from typing import Annotated

import msgspec

MAX_ID = 2**31 - 1  # the id columns' range: a longer number names no row, and the drivers refuse it

# An id a form or the API names, refused when decoded (web.forms / the API answer in Chinese):
# beyond the column no row exists, and PostgreSQL's driver refuses the number with a 500.
RowId = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]


def plain_int(text: str) -> int | None:
    """The number typed as plain decimal digits, else None: not isdigit ("²" is a digit int() cannot
    read), and not past 18 digits (no column holds them; int() refuses past 4300 with a ValueError)."""
    return int(text) if text.isdecimal() and len(text) <= 18 else None


def ids_of(values: list[str]) -> list[int]:
    """The ids among ticked boxes; what no id column holds names no row and is dropped."""
    return [n for v in values if (n := plain_int(str(v))) is not None and 1 <= n <= MAX_ID]


def chosen_id(text: str | None, field: str, missing: str | None, invalid: str) -> int | None:
    """The row a form picks by id, or a Chinese refusal (never an error from the database).
    Empty answers None when ``missing`` is None, else refuses with it."""
    from events.errors import DomainError

    text = (text or "").strip()
    if not text:
        if missing is None:
            return None
        raise DomainError(missing, field=field)
    number = plain_int(text)
    if number is None or number > MAX_ID:
        raise DomainError(invalid, field=field)
    return number


class Problems:
    """Collects field problems and raises them together."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.items.setdefault(field, message)

    def check(self, condition: bool, field: str, message: str) -> None:
        if not condition:
            self.add(field, message)

    def text(self, field: str, value: str, label: str, *, max_len: int, required: bool = True) -> str:
        value = value.replace("\x00", "").strip()  # a NUL alone is no name (the database drops NULs: Database)
        if required and not value:
            self.add(field, f"请填写{label}")
        elif len(value) > max_len:
            self.add(field, f"{label}不能超过 {max_len} 个字")
        return value

    def choice(self, field: str, value: str, enum_cls: type[enum.StrEnum], label: str) -> None:
        if value not in enum_cls._value2member_map_:
            self.add(field, f"{label}无效")

    def raise_if_any(self) -> None:
        if self.items:
            from events.errors import DomainError

            raise DomainError(next(iter(self.items.values())), problems=dict(self.items))
