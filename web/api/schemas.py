"""The response schemas of the REST API for the OpenAPI document (closed objects: a response
key that is not described here fails the conformance test), plus the request body schemas
generated from the pydantic models, with the limits that come from the configuration
(``scheduler.max_text_length``, ``web.max_images_per_schedule``) filled in."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from core.config import Config
from storage.send_kinds import KINDS
from storage.send_record import CONFIRMATIONS
from storage.types import LOG_STATUSES, ORG_TYPES, SCHEDULE_STATUSES
from web.api.models import ScheduleCreateIn, ScheduleIn, SendIn, TestSendIn
from web.api.report_schemas import report_schemas

JSON = dict[str, Any]
REF = "#/components/schemas/"


def _t(kind: str, nullable: bool = False) -> JSON:
    return {"type": [kind, "null"] if nullable else kind}


def _obj(properties: JSON) -> JSON:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def ref(name: str) -> JSON:
    return {"$ref": REF + name}


def _page(key: str, item: str) -> JSON:
    return _obj(
        {
            key: {"type": "array", "items": ref(item)},
            "page": _t("integer"),
            "per_page": _t("integer"),
            "total": _t("integer"),
        }
    )


def _input(model: type[BaseModel], cfg: Config) -> JSON:
    schema = model.model_json_schema(ref_template=REF + "{model}")
    properties = schema["properties"]
    _branch(properties["message_text"], "string")["maxLength"] = cfg.scheduler.max_text_length
    _branch(properties["image_ids"], "array")["maxItems"] = cfg.web.max_images_per_schedule
    return schema


def _branch(schema: JSON, kind: str) -> JSON:
    """The ``kind`` branch of a nullable property (``anyOf: [{type: kind}, {type: null}]``)."""
    options = schema.get("anyOf", [schema])
    return next(option for option in options if option.get("type") == kind)


def schemas(cfg: Config) -> JSON:
    text, num = _t("string"), _t("integer")
    opt_text, opt_num = _t("string", True), _t("integer", True)
    counts = dict.fromkeys(LOG_STATUSES, num)
    image_fields = ("filename", "original_name", "file_path", "file_url", "mime_type")
    return {
        "ScheduleCreateInput": _input(ScheduleCreateIn, cfg),
        "ScheduleInput": _input(ScheduleIn, cfg),
        "SendInput": SendIn.model_json_schema(ref_template=REF + "{model}"),
        "TestSendInput": TestSendIn.model_json_schema(ref_template=REF + "{model}"),
        "Schedule": _obj(
            {
                "id": num,
                "title": text,
                "description": opt_text,
                "created_by_type": text,
                "created_by_id": text,
                "created_by_mb_id": text,
                "target_room_id": text,
                "target_room_type": opt_text,
                "message_text": opt_text,
                # as stored: kbot writes the seed's {"images": [...]}, other writers may not
                "message_images": {},
                "send_order": opt_text,
                "send_interval_seconds": opt_num,
                "schedule_type": text,
                "schedule_date": opt_text,
                "schedule_time": text,
                "schedule_weekdays": {"type": ["array", "null"], "items": text},
                "valid_from": text,
                "valid_until": text,
                "status": {"type": ["string", "null"], "enum": [*SCHEDULE_STATUSES, None]},
                "last_sent_at": opt_text,
                "next_send_at": opt_text,
                "send_count": opt_num,
                "created_at": text,
                "updated_at": text,
                "image_ids": {"type": "array", "items": num},
                "test_room": opt_text,
                "campaign_id": opt_num,
                "month_day": opt_num,
                "month_last": _t("boolean"),
                "month_nth": opt_num,
                "month_weekday": opt_text,
                "times": {"type": ["array", "null"], "items": text},
                "max_sends": opt_num,
                "sends_done": opt_num,
                "holiday_policy": opt_text,
                "notify": {"type": "string", "enum": ["failures", "all", "off"]},
                "skip_at": opt_text,
                "paused_until": opt_text,
            }
        ),
        "CampaignCreated": _obj(
            {
                "campaign_id": num,
                "rooms": num,
                "schedules": {"type": "array", "items": ref("Schedule")},
            }
        ),
        "ScheduleCreated": {"anyOf": [ref("Schedule"), ref("CampaignCreated")]},
        "ScheduleList": _page("schedules", "Schedule"),
        "ScheduleDeleted": _obj(
            {
                "deleted": _t("boolean"),
                "id": num,
                "archived_logs": num,
                "archive_files": {"type": "array", "items": text},
            }
        ),
        "Log": _obj(
            {
                "id": num,
                "schedule_id": num,
                "target_room_id": text,
                "sent_message_text": opt_text,
                "sent_images": {},
                "send_order": opt_text,
                "status": {"type": "string", "enum": list(LOG_STATUSES)},
                "error_message": opt_text,
                "api_response": {},
                # true: every part handed to Iris came back as the bot's own echo; false: one
                # did not within bot.confirm_timeout_s; null: waiting, nothing handed over,
                # not applicable (dry run) or a row from before delivery receipts
                "confirmed": _t("boolean", True),
                "confirmation": {"type": "string", "enum": list(CONFIRMATIONS)},
                "scheduled_at": text,
                "started_at": text,
                "completed_at": opt_text,
                "duration_ms": opt_num,
                "created_at": text,
                "kind": {"type": "string", "enum": list(KINDS)},
            }
        ),
        "LogList": _page("logs", "Log"),
        "SendOutcome": _obj(
            {
                "id": num,
                "kind": {"type": "string", "enum": ["manual", "test"]},
                "room_id": text,
                "status": {
                    "type": "string",
                    "enum": ["success", "failed", "partial", "interrupted", "pending"],
                    "description": "pending: not done within 15 s; it goes on in the background",
                },
                "error": {
                    "type": ["string", "null"],
                    "description": "why it is not (yet) fully sent, in Korean",
                },
                "starts_in_s": {
                    "type": ["integer", "null"],
                    "description": "pending: seconds until it starts (the room's next free slot)",
                },
            }
        ),
        "Room": _obj(
            {
                "id": num,
                "chat_id": text,
                "name": text,
                "room_type": text,
                "org_id": num,
                "org_code": text,
                "org_name": text,
                "active": _t("boolean"),
            }
        ),
        "RoomList": _obj({"rooms": {"type": "array", "items": ref("Room")}}),
        "DayStats": _obj({"date": text, "total": num, **counts}),
        "RoomStats": _obj(
            {
                "target_room_id": text,
                "name": opt_text,
                "total": num,
                **counts,
                "success_rate": _t("number", True),
                "per_day": {"type": "array", "items": ref("DayStats")},
            }
        ),
        "Stats": _obj(
            {
                "days": num,
                "date_from": text,
                "date_to": text,
                "rooms": {"type": "array", "items": ref("RoomStats")},
            }
        ),
        "Image": _obj(
            {
                "id": num,
                **dict.fromkeys(image_fields, text),
                "file_size": num,
                "upload_date": text,
                "width": num,
                "height": num,
                "sha256": text,
            }
        ),
        "ImageList": _page("images", "Image"),
        "Deleted": _obj({"deleted": _t("boolean"), "id": num}),
        **_access_schemas(),
        **report_schemas(),
        "Error": _obj(
            {"error": _obj({"code": text, "message": text, "field": opt_text})},
        ),
    }


def _access_schemas() -> JSON:
    """``/api/admins`` and ``/api/tokens`` (``web.api.admins``)."""
    text, num, flag, when = _t("string"), _t("integer"), _t("boolean"), _t("string", True)
    admin = {
        "id": num,
        "kakao_user_id": text,
        "name": text,
        "org_code": text,
        "org_name": text,
        "org_type": {"type": "string", "enum": list(ORG_TYPES)},
        "active": flag,
        "org_active": flag,
        "created_at": text,
    }
    token = {
        "id": num,
        "name": text,
        "created_at": text,
        "last_used_at": when,
        "revoked_at": when,
    }
    return {
        "Admin": _obj(admin),
        "AdminList": _obj({"admins": {"type": "array", "items": ref("Admin")}}),
        "AdminChanged": _obj(admin | {"changed": flag}),
        "AdminDeactivated": _obj(admin | {"changed": flag, "revoked_tokens": num}),
        "Token": _obj(token),
        "TokenList": _obj({"tokens": {"type": "array", "items": ref("Token")}}),
        "TokenRevoked": _obj(token | {"changed": flag}),
    }
