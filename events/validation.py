"""Small checks shared by the setup services; each returns a Chinese problem or None."""

from __future__ import annotations

import enum

MAX_ID = 2**31 - 1  # the id columns' range: a longer number names no row, and the drivers refuse it


def chosen_id(text: str | None, field: str, missing: str | None, invalid: str) -> int | None:
    """The row a form picks by id, or a Chinese refusal (never an error from the database).
    Empty answers None when ``missing`` is None, else refuses with it."""
    from events.errors import DomainError

    text = (text or "").strip()
    if not text:
        if missing is None:
            return None
        raise DomainError(missing, field=field)
    if not text.isdecimal() or int(text) > MAX_ID:  # not isdigit: int() cannot read "²"
        raise DomainError(invalid, field=field)
    return int(text)


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
        value = value.replace("\x00", "").strip()  # PostgreSQL stores no NUL; JSON callers skip web.forms
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
