"""Where a schedule sends: one room, several rooms, or every live room of an org subtree.

``방: 강남지점 공지방`` is one room (a campaign of one is a plain schedule),
``방: 강남지점 공지방, 257378349297847`` several (names or chat ids, in the order given) and
``방: DT01 전체`` every active live room of org DT01 and the orgs below it (a campaign).
Rooms are resolved, and each is permission-checked, by the schedule service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.plain_text import clean
from services.errors import quote
from services.schedule_values import InvalidValue, normalize

MAX_LISTED_ROOMS = 500  # rooms one `방:` line may list by name or id (an org has no limit)
ROOM_REF_MAX_LENGTH = 200
_WHOLE_ORG = re.compile(r"(?P<code>\S{1,50})\s+(?:전체|전부|모두|all)", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s*[,，、]\s*")


@dataclass(frozen=True, slots=True)
class Targets:
    """Rooms as typed (chat ids or names, in order) and/or an org code standing for its live
    rooms and those of the orgs below it."""

    rooms: tuple[str, ...] = ()
    org: str | None = None

    @property
    def single(self) -> str | None:
        """The one room when exactly one is named and no org; else None (a campaign)."""
        return self.rooms[0] if len(self.rooms) == 1 and self.org is None else None

    @classmethod
    def one(cls, room: str) -> Targets:
        return cls(rooms=(room,))


def parse_targets(raw: str) -> Targets:
    """``방:``'s value as ``Targets``; ``InvalidValue`` for an empty name or a room listed
    twice as typed (the same room named twice in different ways is found later)."""
    text = clean(raw).strip()
    whole = _WHOLE_ORG.fullmatch(normalize(text))
    if whole is not None:
        return Targets(org=text.split()[0])
    rooms = [part.strip() for part in _SEPARATORS.split(text)]
    if any(not part for part in rooms):
        raise InvalidValue("쉼표 사이에 빈 방 이름이 있습니다. 방 이름이나 chat_id를 적어 주세요.")
    if len(rooms) > MAX_LISTED_ROOMS:
        raise InvalidValue(
            f"방은 한 번에 {MAX_LISTED_ROOMS}개까지 적을 수 있습니다 (지금 {len(rooms)}개). "
            "조직의 모든 방이면 '조직코드 전체'로 적어 주세요."
        )
    for part in rooms:
        if len(part) > ROOM_REF_MAX_LENGTH:
            raise InvalidValue(f"방 이름은 {ROOM_REF_MAX_LENGTH}자까지입니다: {quote(part[:30])}")
    seen: set[str] = set()
    for part in rooms:
        if part in seen:
            raise InvalidValue(f"{quote(part)} 방이 두 번 적혀 있습니다. 한 번만 적어 주세요.")
        seen.add(part)
    return Targets(rooms=tuple(rooms))
