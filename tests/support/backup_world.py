"""The rows ``tests/storage/test_backup.py`` backs up and restores: one or more in every
backed-up table (``storage.backup.format.TABLES``), with emoji, odd ids and every column type
a backup must carry."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from storage import tokens
from storage.engagement_models import ShortLink
from storage.kbot_models import (
    Admin,
    Campaign,
    HolidayDay,
    Image,
    MessageTemplate,
    Org,
    Room,
    ScheduleMeta,
    ScheduleRule,
)
from storage.models import Schedule

AT = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
IMAGE_BYTES = {
    "img_20261126_0123456789abcdef_o1.png": b"\x89PNG\r\n\x1a\n fake png \xf0\x9f\x98\x80",
    "img_20261125_fedcba9876543210_o1.jpg": b"\xff\xd8\xff fake jpeg " * 100,
}


def upload_dir(cfg: Config) -> Path:
    return Path(cfg.web.upload_dir)


async def populate(sessions: async_sessionmaker[AsyncSession], cfg: Config) -> str:
    """Rows in every backed-up table; returns a plain API token that must not be backed up."""
    images = upload_dir(cfg)
    images.mkdir(parents=True, exist_ok=True)
    async with sessions.begin() as s:
        # the parent has the larger id: restore must order by parent, not by id
        s.add(Org(id=7, type="headquarters", code="HQ", name="본사 🏢"))
        await s.flush()
        s.add(Org(id=3, type="branch", code="BR001", name="강남지점", parent_id=7, active=False))
        await s.flush()
        s.add(Admin(id=4, kakao_user_id="252507685", org_id=3, name="김지점장 😀", mb_id="kim"))
        s.add(Room(id=9, chat_id="257378349297847", name="강남 단톡 🎉", org_id=3, device="p2"))
        await s.flush()
        for n, (filename, data) in enumerate(IMAGE_BYTES.items(), start=11):
            (images / filename).write_bytes(data)
            s.add(
                Image(
                    id=n,
                    filename=filename,
                    original_name=f"사진 {n}.png",
                    file_path=str(images / filename),
                    file_url=f"http://127.0.0.1:8080/images/{filename}",
                    file_size=len(data),
                    mime_type="image/png",
                    width=800,
                    height=600,
                    sha256=hashlib.sha256(data).hexdigest(),
                    org_id=3,
                    uploaded_by=4,
                    upload_date=datetime(2026, 11, 26, 14, 0, 5),
                )
            )
        _, plain = await tokens.create_token(
            s, kakao_user_id="252507685", name="php 연동", at=AT, actor="cli"
        )
        weekly = Schedule(
            id=41,
            title="주간 특가 안내 🔥",
            description=None,
            created_by_type="branch",
            created_by_id="BR001",
            created_by_mb_id="kim",
            target_room_id="257378349297847",
            message_text="이번 주 특가 😀\n매장에서 확인하세요!",
            message_images={
                "images": [{"id": 11, "filename": "img_20261126_0123456789abcdef_o1.png"}]
            },
            send_order="images_first",
            send_interval_seconds=3,
            schedule_type="weekly",
            schedule_time=time(9, 30, 15),
            schedule_weekdays=frozenset({"monday", "friday", "sunday"}),
            valid_from=datetime(2026, 12, 1),
            valid_until=datetime(2027, 6, 30, 23, 59, 59),
            last_sent_at=datetime(2026, 11, 23, 9, 30, 15),
            next_send_at=datetime(2026, 11, 27, 9, 30, 15),
            send_count=12,
            created_at=datetime(2026, 11, 1, 8, 0),
            updated_at=datetime(2026, 11, 23, 9, 30, 16),
        )
        once = Schedule(
            id=58,
            title="1회 공지",
            created_by_type="headquarters",
            created_by_id="HQ",
            created_by_mb_id="admin",
            target_room_id="257378349297847",
            target_room_type="test",
            message_text="공지 ✅",
            send_order="text_only",
            schedule_type="once",
            schedule_date=date(2026, 12, 24),
            schedule_time=time(18, 0),
            valid_from=datetime(2026, 12, 1),
            valid_until=datetime(2026, 12, 31),
            status="inactive",
            created_at=datetime(2026, 11, 2),
            updated_at=datetime(2026, 11, 2),
        )
        s.add_all([weekly, once])
        await s.flush()
        s.add(
            Campaign(
                id=5,
                title="봄 세일 🌸",
                owner_org_id=7,
                creator_admin_id=4,
                target_org_id=3,
                spread_s=60,
                base_time=time(9, 30),
                created_at=datetime(2026, 11, 1, 8, 0),
            )
        )
        s.add(
            MessageTemplate(
                id=2,
                org_id=3,
                name="주말 공지",
                body="{지점명} 주말 특가 😀",
                created_by_admin_id=4,
                created_at=datetime(2026, 11, 3),
                updated_at=datetime(2026, 11, 4),
            )
        )
        await s.flush()
        s.add(
            ScheduleMeta(
                schedule_id=41,
                creator_admin_id=4,
                notify_room_id="r1",
                version=5,
                campaign_id=5,
                notify="all",
            )
        )
        s.add(ScheduleMeta(schedule_id=58, consecutive_failures=2))
        s.add(
            ScheduleRule(
                schedule_id=41,
                times="09:30:15,18:00",
                holiday_policy="next_business_day",
                max_sends=10,
                sends_done=3,
                skip_at=datetime(2026, 12, 4, 9, 30, 15),
                paused_until=date(2026, 12, 20),
                seed_fingerprint="f" * 64,
                updated_at=datetime(2026, 11, 23, 9, 30, 16),
            )
        )
        s.add(
            ShortLink(
                id=3,
                code="abcdefghij",
                schedule_id=41,
                room_id="257378349297847",
                url="https://example.com/sale?x=1",
                url_hash=hashlib.sha256(b"https://example.com/sale?x=1").hexdigest(),
                created_at=datetime(2026, 11, 23, 0, 30, 15),
            )
        )
        s.add(
            HolidayDay(
                day=date(2026, 12, 31),
                name="회사 휴무",
                off=True,
                actor="cli",
                created_at=datetime(2026, 11, 20),
            )
        )
    return plain
