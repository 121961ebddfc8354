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


class Throttled(DomainError):
    status = 429
