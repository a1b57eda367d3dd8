"""The shape of a send log's ``api_response`` (``kb_schedule_logs``), written by the scheduler
and read by every door. Pure.

An object::

    {"responses": [...],            # Iris's raw answers and each failed attempt's detail
     "parts": [{"part": 0, "kind": "text", "device": "phone1", "confirmed": true,
                "echo_id": "3530028521861085185", "latency_ms": 812}, ...],
     "confirmed": true | false | null,
     "confirmation": "confirmed" | "unconfirmed" | "pending" | "none" | "not_applicable"}

``parts`` lists every part handed to an Iris device, in order; a part's ``confirmed`` is
true once the bot's own echo of it came back (``echo_id`` is KakaoTalk's message id of that
echo, ``latency_ms`` the time from Iris's acceptance to the echo), false when none came
within ``bot.confirm_timeout_s``, null while waiting. The send's ``confirmed`` is true when
every part is, false when any is not, null while any is waiting, when no part was handed
over (``"none"``) or when confirmation does not apply (the dry run: ``"not_applicable"``).

Rows written before delivery receipts existed hold a plain list of responses: they read as
``"unknown"``.
"""

from __future__ import annotations

from typing import Any, Literal

Confirmation = Literal["confirmed", "unconfirmed", "pending", "none", "not_applicable", "unknown"]
CONFIRMATIONS: tuple[Confirmation, ...] = (
    "confirmed",
    "unconfirmed",
    "pending",
    "none",
    "not_applicable",
    "unknown",
)


def summary(parts: list[dict[str, Any]]) -> Confirmation:
    """What the parts say about the whole send."""
    if not parts:
        return "none"
    states = [part.get("confirmed") for part in parts]
    if any(state is None for state in states):
        return "pending"
    return "confirmed" if all(state is True for state in states) else "unconfirmed"


def record(
    responses: list[Any], parts: list[dict[str, Any]], *, applicable: bool
) -> dict[str, Any]:
    """The ``api_response`` of a send: its responses and what became of its parts."""
    confirmation: Confirmation = summary(parts) if applicable else "not_applicable"
    return {
        "responses": responses,
        "parts": parts,
        "confirmed": {"confirmed": True, "unconfirmed": False}.get(confirmation),
        "confirmation": confirmation,
    }


def confirmation_of(api_response: Any) -> Confirmation:
    """The confirmation a stored ``api_response`` records (checked: it is input)."""
    if isinstance(api_response, dict):
        value = api_response.get("confirmation")
        if isinstance(value, str) and value in CONFIRMATIONS:
            return value
    return "unknown"


def confirmed_of(api_response: Any) -> bool | None:
    """The send's ``confirmed`` flag (None when waiting, unknown or not applicable)."""
    return {"confirmed": True, "unconfirmed": False}.get(confirmation_of(api_response))


def responses_of(api_response: Any) -> list[Any]:
    """The raw responses of a stored ``api_response`` (either shape)."""
    if isinstance(api_response, list):
        return api_response
    if isinstance(api_response, dict) and isinstance(api_response.get("responses"), list):
        return list(api_response["responses"])
    return []
