"""The OpenAPI schemas of ``GET /api/reports`` (``web.api.reports``), derived from the report
dataclasses (``services.reports``) so that the document and the answer cannot drift apart."""

from __future__ import annotations

import types
import typing
from dataclasses import fields
from typing import Any

from services.report_notes import MEANINGS
from services.reports import CampaignReport, RoomReport, ScheduleReport

JSON = dict[str, Any]
REF = "#/components/schemas/"
_KINDS = {int: "integer", float: "number", str: "string", bool: "boolean"}
_ITEMS = {RoomReport: "RoomReport"}


def _closed(properties: JSON) -> JSON:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _of(hint: Any) -> JSON:
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        kinds = [_KINDS[a] for a in args if a is not type(None)]
        return {"type": [*kinds, "null"]}
    if typing.get_origin(hint) is list:
        return {"type": "array", "items": {"$ref": REF + _ITEMS[args[0]]}}
    return {"type": _KINDS[hint]}


def _dataclass_schema(cls: type) -> JSON:
    hints = typing.get_type_hints(cls)
    return _closed({f.name: _of(hints[f.name]) for f in fields(cls)})


def report_schemas() -> JSON:
    text, day = {"type": "string"}, {"type": "string", "format": "date"}
    meanings = _closed({name: text for name, _ in MEANINGS})
    notes = _closed({"meanings": meanings, "limits": {"type": "array", "items": text}})
    return {
        "RoomReport": _dataclass_schema(RoomReport),
        "ScheduleReport": _dataclass_schema(ScheduleReport),
        "CampaignReport": _dataclass_schema(CampaignReport),
        "Report": _closed(
            {
                "date_from": day,
                "date_to": day,
                "org": {"type": ["string", "null"]},
                "schedules": {"type": "array", "items": {"$ref": REF + "ScheduleReport"}},
                "campaigns": {"type": "array", "items": {"$ref": REF + "CampaignReport"}},
                "notes": notes,
            }
        ),
    }
