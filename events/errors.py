"""Errors a service raises; each carries a message a person can read (Chinese)."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the request. ``field`` names the form field at fault, if any."""

    status = 422

    def __init__(self, message: str, *, field: str | None = None, problems: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.problems = problems or ({field: message} if field else {})


class NotFound(DomainError):
    status = 404

    def __init__(self, what: str = "对象") -> None:
        super().__init__(f"找不到该{what}")


class Forbidden(DomainError):
    status = 403

    def __init__(self, message: str = "没有权限执行此操作") -> None:
        super().__init__(message)


class Conflict(DomainError):
    status = 409


class ChangedSinceSent(Conflict):
    """A submission sent again under its idempotency key (a tablet's retry) with other values
    than the first time, which was stored: the stored one stands, and the new values are not
    taken silently as if they were the same. Changing a stored result is a correction."""

    def __init__(self, saved: str, typed: str) -> None:
        super().__init__(f"这次提交此前已保存为「{saved}」,与现在填写的「{typed}」不同。如需修改,请填写理由后更正。")
        self.saved = saved
        self.typed = typed


class Throttled(DomainError):
    status = 429
