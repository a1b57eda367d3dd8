"""Korean particles that depend on the word before them: 은/는, 이/가, 을/를, 과/와, 으로/로.

The first form follows a syllable with a final consonant (받침), the second one without;
으로/로 also takes 로 after ㄹ. The word's last sound is read the way a Korean reader says it:
Hangul from its final consonant, numbers as Korean numerals (``12`` 십이, ``20`` 이십,
``1000`` 천, ``007`` 영영칠), acronyms by their letter names (``HQ`` 에이치큐, ``URL`` 유알엘)
and English words by a few safe endings (``-m``, ``-n``, ``-ng``, ``-l(e)`` end in a
consonant, vowel endings do not). Closing quotes and a trailing ``(…)`` or ``[…]`` are
skipped (``'제목'``, ``방(123)``). Only when the reading is truly undecidable (an ellipsis,
an emoji, ``test``) is the paired form written out: ``은(는)``, ``(으)로``.
"""

from __future__ import annotations

import re
import unicodedata

_FORMS: dict[str, tuple[str, str, str]] = {  # (after a consonant, after a vowel, undecided)
    "은": ("은", "는", "은(는)"),
    "이": ("이", "가", "이(가)"),
    "을": ("을", "를", "을(를)"),
    "과": ("과", "와", "과(와)"),
    "으로": ("으로", "로", "(으)로"),
}
_BY_FORM = {form: forms for forms in _FORMS.values() for form in forms[:2]}

_OPEN = ""  # the word ends in a vowel
_RIEUL = "ㄹ"
_FINALS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"  # index 0: none
_DIGITS = (
    "ㅇ",
    "ㄹ",
    _OPEN,
    "ㅁ",
    _OPEN,
    _OPEN,
    "ㄱ",
    "ㄹ",
    "ㄹ",
    _OPEN,
)  # 영 일 이 삼 사 오 육 칠 팔 구
# 십 백 천, then 만 (4-7 zeros), 억 (8-11), 조 (12-15)
_ZEROS = ("ㅂ", "ㄱ", "ㄴ", *["ㄴ"] * 4, *["ㄱ"] * 4, *[_OPEN] * 4)
_LETTERS = {"l": _RIEUL, "m": "ㅁ", "n": "ㄴ", "r": _RIEUL}  # 엘 엠 엔 알; the rest are open
_ENGLISH_ENDINGS = (  # longest first
    ("ng", "ㅇ"),
    ("le", _RIEUL),
    ("me", "ㅁ"),
    ("ne", "ㄴ"),
    ("er", _OPEN),
    ("or", _OPEN),
    ("ar", _OPEN),
    ("ue", _OPEN),
    ("ee", _OPEN),
    ("l", _RIEUL),
    ("m", "ㅁ"),
    ("n", "ㄴ"),
    ("a", _OPEN),
    ("i", _OPEN),
    ("o", _OPEN),
    ("u", _OPEN),
    ("w", _OPEN),
    ("y", _OPEN),
)
_CLOSING_QUOTES = " \t'\"’”」』"
_BRACKETED = re.compile(r"(.*\S)\s*(?:\([^()]*\)|\[[^\[\]]*\])", re.DOTALL)
_TRAILING_DIGITS = re.compile(r"[0-9]+$")
_TRAILING_LATIN = re.compile(r"[A-Za-z]+$")


def pick(word: str, particle: str) -> str:
    """The form of ``particle`` (either form of the pair: ``"을"`` or ``"를"``) that follows
    ``word``; the paired form (``"을(를)"``) when how ``word`` ends cannot be told."""
    try:
        consonant, vowel, undecided = _BY_FORM[particle]
    except KeyError:
        raise ValueError(f"not a particle kbot knows: {particle!r}") from None
    final = final_sound(word)
    if final is None:
        return undecided
    if final == _OPEN or (final == _RIEUL and consonant == "으로"):
        return vowel
    return consonant


def attach(word: str, particle: str) -> str:
    """``word`` followed by the right form of ``particle``: ``attach("제목", "를")`` is
    ``"제목을"``."""
    return word + pick(word, particle)


def final_sound(word: str) -> str | None:
    """The final consonant of the last syllable ``word`` is read with (a compatibility jamo
    such as ``"ㄹ"``), ``""`` when it ends in a vowel, None when that cannot be told."""
    text = _reading_end(unicodedata.normalize("NFKC", word))
    if not text:
        return None
    last = text[-1]
    if "가" <= last <= "힣":
        return _FINALS[(ord(last) - ord("가")) % 28].strip()
    digits = _TRAILING_DIGITS.search(text)
    if digits:
        return _number_final(digits.group())
    latin = _TRAILING_LATIN.search(text)
    if latin:
        return _latin_final(latin.group())
    return None


def _reading_end(text: str) -> str:
    """``text`` without what is not read before a particle: closing quotes, spaces and a
    bracketed remark at the end."""
    while True:
        text = text.rstrip(_CLOSING_QUOTES)
        bracketed = _BRACKETED.fullmatch(text)
        if bracketed is None:
            return text
        text = bracketed.group(1)


def _number_final(digits: str) -> str | None:
    if (len(digits) > 1 and digits.startswith("0")) or set(digits) == {"0"}:
        return _DIGITS[int(digits[-1])]  # read digit by digit: 007 영영칠, 00 영영
    zeros = len(digits) - len(digits.rstrip("0"))
    if zeros == 0:
        return _DIGITS[int(digits[-1])]
    return _ZEROS[zeros - 1] if zeros <= len(_ZEROS) else None


def _latin_final(letters: str) -> str | None:
    if len(letters) == 1 or letters.isupper():  # an acronym or code: letter names
        return _LETTERS.get(letters[-1].lower(), _OPEN)
    lower = letters.lower()
    for ending, final in _ENGLISH_ENDINGS:
        if lower.endswith(ending):
            return final
    return None
