"""Money as integer fen (分): parsing what a person types in yuan, and showing it again.

Never a float: "0.1 + 0.2" yuan must be exactly 30 fen in a budget sum.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from events.validation import Problems
from scheduling.hardship import yuan as hardship_yuan

MAX_FEN = 2_000_000_000  # 20 000 000 yuan: beyond any campaign, and inside a 32-bit column
MAX_YUAN_DIGITS = len(str(MAX_FEN // 100))  # a larger exponent is over the limit, whatever its digits


class AmountTooLarge(ValueError):
    """An amount over MAX_FEN: a slip of the keyboard, not a grant."""


def parse_yuan(text: str | None) -> int | None:
    """'1,170.5' → 117050; '' → None; ValueError for anything that is not an amount ≥ 0."""
    # A Chinese keyboard types the full-width comma (，) as readily as the ASCII one.
    cleaned = (text or "").strip().replace(",", "").replace("，", "").removesuffix("元").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(cleaned) from exc
    # Bounds first: quantizing a huge exponent ("1e3000") raises instead of answering.
    if not value.is_finite() or value < 0:
        raise ValueError(cleaned)
    # The magnitude before any arithmetic: "1e999999999" × 100 overflows Decimal's context.
    if (not value.is_zero() and value.adjusted() > MAX_YUAN_DIGITS) or value * 100 > MAX_FEN:
        raise AmountTooLarge(cleaned)
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(cleaned)
    return int(value * 100)


def yuan_field(problems: Problems, field: str, text: str | None, label: str, *, required: bool = False) -> int | None:
    """A money field of a form: fen, or a Chinese problem about it."""
    try:
        fen = parse_yuan(text)
    except AmountTooLarge:
        problems.add(field, f"{label}不能超过 {MAX_FEN // 100 // 10_000:,} 万元,请核对是否多输了位数")
        return None
    except ValueError:
        problems.add(field, f"{label}应为不小于 0 的金额(元,最多两位小数)")
        return None
    if fen is None and required:
        problems.add(field, f"请填写{label}")
    return fen


def yuan(fen: int | None) -> str:
    """117000 → '1,170', 117050 → '1,170.50', None → ''."""
    return "" if fen is None else hardship_yuan(fen)


def yuan_plain(fen: int | None) -> str:
    """For a form field: 117050 → '1170.5'; None → ''."""
    if fen is None:
        return ""
    value = Decimal(fen) / 100
    return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))
