"""The normalizer gives exactly the terms of its plain definition, on every kind of text.

Stored terms on both databases and every query depend on this output: a faster formulation
must not change a single term. The reference below is the definition written the plain way,
one word and one character at a time.
"""

import random
import re
import unicodedata
from pathlib import Path

import pytest

from core.search_terms import _CJK, MAX_TERM_LENGTH, search_terms

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
KANA_VOICING = ("\u3099", "\u309a")


def reference_terms(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold().lower()
    unaccented = "".join(
        char
        for char in unicodedata.normalize("NFD", folded)
        if char in KANA_VOICING or not unicodedata.category(char).startswith("M")
    )
    terms: list[str] = []
    for word in re.findall(r"[^\W_]+", unicodedata.normalize("NFC", unaccented)):
        for cjk, other in re.findall(f"([{_CJK}]+)|([^{_CJK}]+)", word):
            if len(cjk) == 1:
                terms.append(cjk)
            elif cjk:
                terms.extend(cjk[index : index + 2] for index in range(len(cjk) - 1))
            elif len(other) <= MAX_TERM_LENGTH:
                terms.append(other)
    return terms


EXAMPLES = [
    "",
    "   ",
    "Staff Attorney – Post-Conviction Litigation, Innocence Project (New York, NY)",
    "Defensoría Pública del Estado de São Paulo; Ñandú, Øresund, Ærø, Łódź, Straße",
    "Việt Nam: Luật sư bào chữa, Thành phố Hồ Chí Minh",
    "İstanbul ıspanak ǰ ΐ ΰ ŉ ﬀ ﬁ ﬃ ſt Ǆ ǅ ǆ",
    "弁護士募集（再審請求）東京都千代田区",
    "刑事辩护律师，北京市；無罪推定の原則",
    "변호사 채용 서울특별시 형사 변호",
    "\u1100\u1161\u11a8 \u1112\u1161\u11ab",
    "abc日本語def DNA鑑定 R2-D2は東京へ",
    "ガイド カイド ｶﾞｲﾄﾞ か\u3099 は\u309a a\u3099 \u3099\u309a",
    "ᏣᎳᎩ ꮳꮃꭹ Ꮳ ꭰ ᏸ ᏼ",
    "snake_case __init__ a_b_c _ __",
    "2026 ٣٤٥ ४२ ¾ ² ⅻ 〇 〡〢",
    "x" * 100,
    "y" * 101,
    "z" * 5000 + " kept",
    "日" * 150,
    "\ufa6e\ufa6f\ufada 東\ufa6e京 \U0002a6e0\U0002a6df",
    "Ａｔｔｏｒｎｅｙ　ｗａｎｔｅｄ　＃１",
    "मानवाधिकार वकील ; محامي حقوق الإنسان ; עורך דין",
    "emoji 👩🏽‍⚖️ and ZWJ\u200dtext and soft\u00adhyphen",
    "a'b\"c:d\\e f\tg\u3000h\ni\r\nj",
    "ＤＮＡ ｶﾀｶﾅ ﬁle Ⅻ ㍻ ㋿ ㌀",
]


def random_texts(count: int) -> list[str]:
    rng = random.Random(20261123)
    pool = [
        *"aAzZ09_ -'.,éÉñßİıǰ",
        *"\u0301\u0308\u0327\u3099\u309a\u0345\u0903",
        *"日本語東京弁護士ガカｶﾞ々〆〇ー・가각\u1100\u1161\u11a8Ꭰꭰ",
        *(chr(rng.randrange(0x80, 0x3400)) for _ in range(200)),
        *(chr(rng.randrange(0xF900, 0xFB00)) for _ in range(20)),
        *(chr(rng.randrange(0x20000, 0x31400)) for _ in range(20)),
    ]
    return ["".join(rng.choices(pool, k=rng.randrange(1, 60))) for _ in range(count)]


def shared_texts() -> list[str]:
    """Real job postings and the hostile feed corpus, when the checkout has them."""
    paths = [*sorted((SHARED / "data").glob("*.csv")), *sorted((SHARED / "corpus").rglob("*"))]
    return [path.read_bytes().decode("utf-8", "replace") for path in paths if path.is_file()]


@pytest.mark.parametrize("text", EXAMPLES)
def test_terms_of_varied_texts_are_those_of_the_definition(text):
    assert search_terms(text) == reference_terms(text)


def test_terms_of_random_mixed_scripts_are_those_of_the_definition():
    mismatches = [
        text for text in random_texts(3000) if search_terms(text) != reference_terms(text)
    ]
    assert mismatches == []


def test_terms_of_each_character_alone_and_between_letters_are_those_of_the_definition():
    characters = [chr(point) for point in range(0x3400)]
    characters += [chr(point) for point in range(0xF900, 0x10000)]
    texts = [text for char in characters for text in (char, f"a{char}b", f"日{char}本")]
    mismatches = [text for text in texts if search_terms(text) != reference_terms(text)]
    assert mismatches == []


def test_terms_of_real_postings_and_feeds_are_those_of_the_definition():
    texts = shared_texts()
    if not texts:
        pytest.skip("the shared postings and feed corpus are absent")
    mismatches = [text[:80] for text in texts if search_terms(text) != reference_terms(text)]
    assert mismatches == []
