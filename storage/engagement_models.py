"""kbot's tables behind reports and live notices (issue 19): what came back after a send.

Nothing here holds message text or who wrote a message: a reply is a row tying KakaoTalk's
id of the reply to the bot message it answers, room activity is a count per room and hour,
a click is a time and a daily-salted hash used only to drop repeats within a short window.
Times are naive UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.kbot_models import BIGINT_PK
from storage.models import MYSQL_TABLE_ARGS, Base


class Reply(Base):
    """A member's KakaoTalk 답장 to a message the bot sent (Iris: ``json.type`` 26, the
    attachment's ``src_logId`` = the answered message's id, which the bot's own echo gave
    ``kbot_receipts.echo_id``). ``reply_id`` is the reply's own message id: unique, so the
    same reply forwarded by two devices in the room counts once."""

    __tablename__ = "kbot_replies"
    __table_args__ = (
        UniqueConstraint("reply_id", name="uq_kbot_replies_reply_id"),
        Index("ix_kbot_replies_log_id", "log_id"),
        Index("ix_kbot_replies_schedule_replied", "schedule_id", "replied_at"),
        MYSQL_TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    reply_id: Mapped[str] = mapped_column(String(32), nullable=False)
    src_echo_id: Mapped[str] = mapped_column(String(32), nullable=False)
    log_id: Mapped[int | None] = mapped_column(Integer)  # kb_schedule_logs.id
    schedule_id: Mapped[int | None] = mapped_column(Integer)
    room_id: Mapped[str] = mapped_column(String(100), nullable=False)
    replied_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class RoomActivity(Base):
    """How many messages members wrote in a registered room during one hour (``hour``: the
    hour's start, naive UTC). Counts only: never the text, never the writer."""

    __tablename__ = "kbot_room_activity"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    room_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    hour: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    messages: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


class ShortLink(Base):
    """``{링크:URL}`` in a schedule's text, for one room: the bot sends
    ``server.public_url/r/<code>`` instead of the URL, and ``GET /r/<code>`` redirects to
    ``url`` and counts the click. One row per (schedule, room, URL): every send of the
    schedule to that room carries the same code. ``url_hash`` (sha256 of ``url``) keeps the
    unique key short enough for MariaDB's index limit. No foreign key to the schedule: a
    message already in a room keeps working after its schedule is deleted."""

    __tablename__ = "kbot_links"
    __table_args__ = (
        UniqueConstraint("code", name="uq_kbot_links_code"),
        UniqueConstraint("schedule_id", "room_id", "url_hash", name="uq_kbot_links_target"),
        MYSQL_TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(16), nullable=False)
    schedule_id: Mapped[int] = mapped_column(Integer, nullable=False)
    room_id: Mapped[str] = mapped_column(String(100), nullable=False)
    url: Mapped[str] = mapped_column(String(1000), nullable=False)
    url_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class LinkClick(Base):
    """One counted click on a short link (bots and link previews are not counted, nor a
    repeat by the same ``visitor`` within the dedup window). ``visitor`` is a hash of the
    client address and user agent salted with the day and the server's secret: it cannot be
    turned back into either and means nothing the next day."""

    __tablename__ = "kbot_link_clicks"
    __table_args__ = (
        Index("ix_kbot_link_clicks_link_clicked", "link_id", "clicked_at"),
        Index("ix_kbot_link_clicks_visitor", "link_id", "visitor", "clicked_at"),
        MYSQL_TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(BIGINT_PK, primary_key=True, autoincrement=True)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("kbot_links.id", ondelete="CASCADE"), nullable=False
    )
    clicked_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    visitor: Mapped[str] = mapped_column(String(32), nullable=False)


class Notice(Base):
    """A live notice or digest that has been sent (or is being sent) once, by whichever kbot
    process inserted its ``key`` first: ``send:<log id>``, ``campaign:<id>:<round>``,
    ``digest:<week start>``."""

    __tablename__ = "kbot_notices"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
