"""A dry run of an unsaved schedule form for its author: the rooms it would go to, the images
in send order, the next send times and the text each room would receive, found with the same
checks a save makes (``ServiceError`` naming the field), and nothing written.

The web wizard shows it before 등록: a mistake is reported on the step that holds the field
rather than after a save.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.message_template import Scene, render
from core.timeutil import to_local_naive
from services import schedule_checks as checks
from services import schedule_rules as rules
from services.message_text import check_text, placeholder_links, resolve_template
from services.permissions import Operation, standing_of, visible
from services.schedule_deps import ScheduleDeps
from services.schedule_form import ScheduleForm
from services.schedule_times import coming
from services.target_rooms import Place, resolve
from storage.kbot_models import Admin
from storage.models import Schedule

SHOWN_TIMES = 5


@dataclass(frozen=True, slots=True)
class RoomText:
    """What one room (or several whose text renders the same) would receive."""

    places: list[Place]
    text: str


@dataclass(frozen=True, slots=True)
class Preview:
    row: Schedule  # transient: the values as they would be saved (not in any session)
    places: list[Place]
    images: list[dict[str, Any]]  # the seed's image entries, in send order
    times: list[datetime]  # the next send times, aware, in the configured zone
    texts: list[RoomText]  # one per distinct rendered text, in the rooms' order


async def preview(
    deps: ScheduleDeps, form: ScheduleForm, actor: Admin, operation: Operation
) -> Preview:
    """``form`` (complete, as a create or a full edit gives it) checked as a save would check
    it for ``operation`` on its rooms; ``ServiceError`` for the first problem."""
    checks.check_required(form)
    targets = form.room
    assert targets is not None, "a complete form names its rooms"
    now = deps.clock.now()
    now_local = to_local_naive(now, deps.tz)
    async with deps.read_sessions() as s:
        standing = await standing_of(s, actor)
        form = await resolve_template(s, form, actor, prefix=deps.prefix)
        places = await resolve(s, standing, targets, operation)
        row = Schedule(
            target_room_id=places[0].room.chat_id if places else "",
            target_room_type=places[0].room.room_type if places else "live",
            send_order="text_first",
            send_interval_seconds=1,
            status="active",
        )
        values = rules.merged(rules.PLAIN, form)
        checks.apply(row, rules.seed_type(form), now_local=now_local)
        if form.image_ids:
            row.message_images = await checks.images_json(
                s, form.image_ids, visible(standing), deps.limits
            )
    checks.check_row(row, now_local=now_local, limits=deps.limits)
    check_text(row.message_text, [(p.org_name, p.room.name) for p in places], deps.limits)
    deps.next_send(row, values)  # a send must be left, as a save requires
    times = coming(deps, row, SHOWN_TIMES, values)
    images = list((row.message_images or {}).get("images", []))
    moment = times[0] if times else now.astimezone(deps.tz)
    return Preview(row, places, images, times, _texts(row, places, moment, deps.limits.public_url))


def _texts(row: Schedule, places: list[Place], moment: datetime, public_url: str) -> list[RoomText]:
    """The text each room receives at ``moment``, rooms with the same text together; a link
    shows as ``public_url/r/…`` (each room gets its own code when it is sent)."""
    source = row.message_text or ""
    links = placeholder_links(source, public_url)
    grouped: dict[str, list[Place]] = {}
    for place in places:
        text = render(source, Scene(place.org_name, place.room.name, moment), links)
        grouped.setdefault(text, []).append(place)
    return [RoomText(group, text) for text, group in grouped.items()]
