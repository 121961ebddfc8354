"""HTML forms into msgspec Structs.

Browsers send empty strings for empty optional numbers, one value for a one-item list and
"on" for a ticked box; this is the one place that turns that into what the Struct expects,
and turns type errors into Chinese messages about the field.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any, TypeVar

import msgspec

from events.errors import DomainError
from events.schemas import LABELS

S = TypeVar("S", bound=msgspec.Struct)
_PATH = re.compile(r"`\$\.(\w+)")
_MISSING = re.compile(r"missing required field `(\w+)`")
_BOUND = re.compile(r"Expected `int` ([<>]=) (-?\d+)")


def _field_types(struct: type[msgspec.Struct]) -> dict[str, Any]:
    return typing.get_type_hints(struct)


def _is_list(tp: Any) -> bool:
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (types.UnionType, typing.Union):
        return any(_is_list(a) for a in args if a is not type(None))
    return typing.get_origin(tp) is list


def _is_optional(tp: Any) -> bool:
    return type(None) in typing.get_args(tp)


def normalise(form: Any, struct: type[msgspec.Struct]) -> dict[str, Any]:
    """Plain dict for ``msgspec.convert`` from a multi-dict of form values."""
    data: dict[str, Any] = {}
    defaults = dict(zip(struct.__struct_fields__, _defaults(struct), strict=True))
    for name, tp in _field_types(struct).items():
        if tp is bool or tp == "bool":
            data[name] = form.get(name) in ("on", "true", "1", "yes")
            continue
        if _is_list(tp):
            values = [v for v in form.getall(name, []) if v != ""] if hasattr(form, "getall") else form.get(name, [])
            data[name] = list(values)
            continue
        value = form.get(name)
        if value is None:
            continue
        value = value.strip() if isinstance(value, str) else value
        if value == "":
            if _is_optional(tp):
                data[name] = None
            elif tp is str:
                data[name] = ""
            elif defaults[name] is not msgspec.NODEFAULT:
                continue
            else:
                data[name] = value
            continue
        data[name] = value
    return data


def _defaults(struct: type[msgspec.Struct]) -> list[Any]:
    n_required = len(struct.__struct_fields__) - len(struct.__struct_defaults__)
    return [msgspec.NODEFAULT] * n_required + list(struct.__struct_defaults__)


def convert(data: dict[str, Any], struct: type[S]) -> S:
    try:
        return msgspec.convert(data, struct, strict=False)
    except msgspec.ValidationError as exc:
        match = _MISSING.search(str(exc)) or _PATH.search(str(exc))
        field = match.group(1) if match else None
        raise DomainError(field_problem(str(exc), field), field=field) from exc


def field_problem(error: str, field: str | None) -> str:
    """msgspec's complaint about one field (a form's or a JSON body's), in Chinese."""
    known = LABELS.get(re.sub(r"\[\d+\]", "", field or ""))  # games[0][0] → games
    if known is None:
        return "请求参数无效"  # a field no form shows by that name (the API's): never its English key
    label = known
    if "missing required field" in error.lower():
        return f"请填写{label}"
    bound = _BOUND.search(error)
    if bound and (field or "").endswith("_id"):
        return f"{label}编号无效"
    if bound:
        return f"「{label}」不能{'小于' if bound.group(1) == '>=' else '大于'} {bound.group(2)}"
    return f"「{label}」格式不正确"


def parse(form: Any, struct: type[S]) -> S:
    """The submitted form as a Struct; DomainError (Chinese, naming the field) if it does not fit."""
    return convert(normalise(form, struct), struct)
