"""The acting user, and the authorization questions services ask about them.

Authorization is decided here and in services, never from an id in a URL alone: a team leader
is bound to one team and every team-scoped service checks the object's team against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from events.errors import Forbidden
from events.models import Role


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int | None
    role: str | None  # None: the anonymous public
    display_name: str = "访客"
    team_id: int | None = None
    event_ids: frozenset[int] = field(default_factory=frozenset)
    venue_ids: frozenset[int] = field(default_factory=frozenset)
    is_chief_referee: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    @property
    def is_organiser(self) -> bool:
        return self.role == Role.ORGANISER

    @property
    def is_leader(self) -> bool:
        return self.role == Role.LEADER

    @property
    def is_referee(self) -> bool:
        return self.role == Role.REFEREE

    def require_signed_in(self) -> None:
        if self.is_anonymous:
            raise Forbidden("请先登录")

    def require_organiser(self) -> None:
        if not self.is_organiser:
            raise Forbidden("只有组委会(会务组)可以执行此操作")

    def require_chief_referee(self) -> None:
        """Records are ratified by the chief referee (裁判长), or by the organising committee."""
        if not (self.is_organiser or (self.is_referee and self.is_chief_referee)):
            raise Forbidden("只有裁判长或组委会可以审批纪录")

    def require_team(self, team_id: int) -> None:
        """Organisers see every team; a leader only their own."""
        if self.is_organiser:
            return
        if self.is_leader and self.team_id == team_id:
            return
        raise Forbidden("只能查看和管理本队的信息")

    def can_referee(self, event_id: int, venue_id: int | None) -> bool:
        if self.is_organiser:
            return True
        if not self.is_referee:
            return False
        return event_id in self.event_ids or (venue_id is not None and venue_id in self.venue_ids)


ANONYMOUS = Actor(user_id=None, role=None)
