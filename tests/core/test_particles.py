"""Korean particles chosen from the word before them (core.particles)."""

from __future__ import annotations

import pytest

from core.particles import attach, final_sound, pick


@pytest.mark.parametrize(
    ("word", "particle", "expected"),
    [
        # Hangul: a final consonant or not; 으로/로 also looks for ㄹ
        ("제목", "을", "제목을"),
        ("제목", "를", "제목을"),
        ("시간", "을(를)", None),  # only plain forms are accepted, see below
        ("스케줄", "를", "스케줄을"),
        ("요일", "은", "요일은"),
        ("날짜", "을", "날짜를"),
        ("날짜", "은", "날짜는"),
        ("방", "이", "방이"),
        ("코드", "이", "코드가"),
        ("지점", "과", "지점과"),
        ("본사", "과", "본사와"),
        ("방", "으로", "방으로"),
        ("테스트", "으로", "테스트로"),
        ("서울", "으로", "서울로"),  # ㄹ takes 로
        ("서울", "은", "서울은"),  # but 은, not 는
        # quotes, spaces and a bracketed remark are not read
        ("'제목'", "를", "'제목'을"),
        ("'날씨'", "은", "'날씨'는"),
        ("“주간 특가”", "이", "“주간 특가”가"),
        ("테스트 방(257378349297847)", "으로", "테스트 방(257378349297847)으로"),
        ("BR1(branch)", "이", "BR1(branch)이"),
        ("이 방 ", "은", "이 방 은"),
        # numbers as Korean numerals
        ("12", "은", "12는"),  # 십이
        ("#3", "이", "#3이"),  # 삼
        ("'25:00'", "은", "'25:00'은"),  # 영영
        ("2026-12-01 09:30", "은", "2026-12-01 09:30은"),  # 삼십
        ("7", "으로", "7로"),  # 칠
        ("6", "으로", "6으로"),  # 육
        ("10", "은", "10은"),  # 십
        ("100", "이", "100이"),  # 백
        ("1000", "과", "1000과"),  # 천
        ("20000", "를", "20000을"),  # 이만
        ("300000000", "은", "300000000은"),  # 삼억
        ("2000000000000", "이", "2000000000000가"),  # 이조
        ("007", "은", "007은"),  # 영영칠
        ("'0'", "이", "'0'이"),  # 영
        ("257378349297847", "은", "257378349297847은"),  # ...칠
        ("１２", "은", "１２는"),  # full-width
        ("'BR001'", "을", "'BR001'을"),  # 일
        # acronyms and codes by their letter names
        ("HQ", "은", "HQ는"),
        ("URL", "을", "URL을"),
        ("'ABCDEFGHJKLM'", "이", "'ABCDEFGHJKLM'이"),
        ("'XYZ'", "으로", "'XYZ'로"),
        ("CSV", "으로", "CSV로"),
        ("R", "으로", "R로"),
        ("M", "으로", "M으로"),
        # English words by their endings
        ("Python", "은", "Python은"),
        ("'schedule'", "을", "'schedule'을"),
        ("email", "으로", "email로"),
        ("morning", "이", "morning이"),
        ("iPhone", "으로", "iPhone으로"),
        ("Kakao", "과", "Kakao와"),
        ("user", "이", "user가"),
        ("time", "을", "time을"),
        # undecidable: the paired form
        ("'!test'", "은", "'!test'은(는)"),
        ("'!hello'", "은", "'!hello'는"),
        ("chat", "이", "chat이(가)"),
        ("'아주 긴 제목…'", "을", "'아주 긴 제목…'을(를)"),
        ("🎉", "과", "🎉과(와)"),
        ("ㅋㅋ", "으로", "ㅋㅋ(으)로"),
        ("", "이", "이(가)"),
        ("(123)", "은", "(123)은(는)"),
    ],
)
def test_particle_follows_how_the_word_is_read(
    word: str, particle: str, expected: str | None
) -> None:
    if expected is None:
        with pytest.raises(ValueError, match="particle"):
            attach(word, particle)
    else:
        assert attach(word, particle) == expected


@pytest.mark.parametrize(
    ("particle", "after_consonant", "after_vowel", "after_rieul", "undecided"),
    [
        ("은", "은", "는", "은", "은(는)"),
        ("는", "은", "는", "은", "은(는)"),
        ("이", "이", "가", "이", "이(가)"),
        ("가", "이", "가", "이", "이(가)"),
        ("을", "을", "를", "을", "을(를)"),
        ("를", "을", "를", "을", "을(를)"),
        ("과", "과", "와", "과", "과(와)"),
        ("와", "과", "와", "과", "과(와)"),
        ("으로", "으로", "로", "로", "(으)로"),
        ("로", "으로", "로", "로", "(으)로"),
    ],
)
def test_either_form_of_a_pair_names_it(
    particle: str, after_consonant: str, after_vowel: str, after_rieul: str, undecided: str
) -> None:
    assert pick("책", particle) == after_consonant
    assert pick("나무", particle) == after_vowel
    assert pick("길", particle) == after_rieul
    assert pick("…", particle) == undecided


def test_final_sound_names_the_consonant() -> None:
    assert final_sound("값") == "ㅄ"
    assert final_sound("나무") == ""
    assert final_sound("길") == "ㄹ"
    assert final_sound("...") is None
