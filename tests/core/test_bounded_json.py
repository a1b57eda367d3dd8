"""``core.bounded_json``: the nesting is measured without recursion, brackets inside strings do
not count, and deep or unbalanced text is a ``ValueError`` instead of a ``RecursionError``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.bounded_json import TooDeep, loads

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:가'),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=20,
)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    return 0


@given(JSON_VALUES)
def test_values_up_to_the_limit_decode_and_deeper_ones_are_refused(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False)
    assert loads(text, max_depth=depth(value)) == value
    assert loads(text.encode("utf-16"), max_depth=depth(value)) == value
    if depth(value) > 0:
        with pytest.raises(TooDeep):
            loads(text, max_depth=depth(value) - 1)


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("[" * 100_000 + "]" * 100_000, TooDeep),
        ('{"a": ' * 100_000 + "1" + "}" * 100_000, TooDeep),
        ("[" * 100_000 + "}" * 100_000, TooDeep),  # and unbalanced
        ("[" * 100_000, TooDeep),
        ("[[]" * 100_000 + "]" * 100_000, TooDeep),  # no long run of openers
        ("[[[[1]]]", json.JSONDecodeError),
        ('{"a": [}', json.JSONDecodeError),
    ],
    ids=[
        "deep arrays",
        "deep objects",
        "deep and unbalanced",
        "unclosed",
        "climbing",
        "one short",
        "crossed",
    ],
)
def test_deep_or_unbalanced_text_is_a_value_error(text: str, refusal: type[ValueError]) -> None:
    with pytest.raises(refusal):
        loads(text, max_depth=32)
    with pytest.raises(refusal):
        loads(text.encode(), max_depth=32)


def test_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps({"text": "[[[[{{{{" * 1000, "escaped": '\\"[[[['})
    assert loads(text, max_depth=1) == json.loads(text)


def test_bytes_that_are_not_utf8_are_a_value_error() -> None:
    with pytest.raises(UnicodeDecodeError):
        loads(b'{"a": "\xff"}')
