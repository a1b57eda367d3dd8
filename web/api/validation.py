"""pydantic's validation errors as the REST API's answer: 422 ``invalid`` naming the first bad
JSON field (``title``, ``image_ids.0``) with a Korean message."""

from __future__ import annotations

import re
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from web.api.errors import api_error

Model = TypeVar("Model", bound=BaseModel)
_OR = re.compile(r"\s+or\s+")

_MESSAGES = {
    "missing": "값이 필요합니다.",
    "extra_forbidden": "알 수 없는 필드입니다.",
    "literal_error": "쓸 수 없는 값입니다.",
    "string_type": "문자열이어야 합니다.",
    "string_too_short": "비어 있을 수 없습니다.",
    "string_too_long": "{max_length}자 이하여야 합니다.",
    "int_type": "정수여야 합니다.",
    "int_parsing": "정수여야 합니다.",
    "int_from_float": "정수여야 합니다.",
    "greater_than_equal": "{ge} 이상이어야 합니다.",
    "less_than_equal": "{le} 이하여야 합니다.",
    "list_type": "배열이어야 합니다.",
    "too_short": "하나 이상 있어야 합니다.",
}


def validated(model: type[Model], data: object) -> Model:
    """``data`` (a decoded JSON body) as ``model``; 422 naming the first bad field otherwise."""
    if not isinstance(data, dict):
        raise api_error(422, "invalid", "요청 본문은 JSON 객체여야 합니다.")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        field, message = first_problem(error)
        raise api_error(422, "invalid", message, field) from None


def first_problem(error: ValidationError) -> tuple[str | None, str]:
    """The JSON field and a Korean message for the first problem pydantic found."""
    problems = error.errors(include_url=False)
    details = _most_telling(problems)
    first, *rest = details["loc"] or ("",)
    # after the field, pydantic names union branches ("list[...]", "constrained-str");
    # only list indexes are part of the JSON path
    loc = [str(first), *(str(part) for part in rest if isinstance(part, int))]
    field = ".".join(part for part in loc if part) or None
    if details["type"] == "value_error":
        message = str(details.get("ctx", {}).get("error", details["msg"]))
    else:
        template = _MESSAGES.get(details["type"], "값이 올바르지 않습니다.")
        message = template.format(**details.get("ctx", {}))
    if details["type"] == "literal_error":  # pydantic words the choices in English ("a or b")
        expected = _OR.sub(", ", str(details.get("ctx", {}).get("expected", "")))
        message += f" 가능한 값: {expected}"
    return field, f"{field}: {message}" if field else message


def _most_telling(problems: list[ErrorDetails]) -> ErrorDetails:
    """The first problem; for a union field, the first from a branch of the value's own JSON
    type (a too-long weekday string is a length problem, not "not an array")."""
    first = problems[0]
    same_field = [p for p in problems if p["loc"][:1] == first["loc"][:1]]
    fitting = [p for p in same_field if not p["type"].endswith("_type")]
    return fitting[0] if fitting else first
