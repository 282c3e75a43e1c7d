"""The one normalizer: documents and queries become the same terms on every backend."""

import random

import pytest

from core.search_terms import (
    normalize,
    query_groups,
    query_terms,
    search_terms,
    stem_terms,
    stemmed,
    term_forms,
)


def test_case_and_accents_are_folded():
    assert search_terms("Defensoría PÚBLICA") == ["defensoria", "publica"]
    assert normalize("Straße Ñandú") == "strasse nandu"


def test_compatibility_forms_are_unified():
    assert search_terms("ＤＮＡ ｶﾀｶﾅ ﬁle") == ["dna", "カタ", "タカ", "カナ", "file"]


def test_japanese_runs_become_overlapping_pairs():
    assert search_terms("弁護士募集") == ["弁護", "護士", "士募", "募集"]


def test_a_lone_cjk_character_stays_a_single_term():
    assert search_terms("東 京") == ["東", "京"]


def test_a_query_for_part_of_a_japanese_word_is_contained_in_the_document():
    document = set(search_terms("弁護士募集（再審請求）"))
    assert set(query_terms("弁護士")) <= document
    assert set(query_terms("弁護")) <= document


def test_kana_voicing_marks_are_letters_not_accents():
    assert search_terms("ガイド") != search_terms("カイド")


def test_latin_letters_glued_to_japanese_are_their_own_term():
    assert search_terms("DNA鑑定") == ["dna", "鑑定"]


@pytest.mark.parametrize(
    "query, terms",
    [
        ('"attorney"', ["attorney"]),
        ("attorney*", ["attorney"]),
        ("investigator NEAR attorney", ["investigator", "near", "attorney"]),
        ("-paralegal", ["paralegal"]),
        ("(policy OR fellow)", ["policy", "or", "fellow"]),
        ("title:attorney^2", ["title", "attorney", "2"]),
        ("snake_case", ["snake", "case"]),
        ("\"'\\;--", []),
    ],
)
def test_search_syntax_characters_are_plain_text(query, terms):
    assert query_terms(query) == terms


def test_ascii_text_splits_into_the_words_any_text_would():
    # ASCII takes a faster path: its words must be the ones the general one finds. "¿" is
    # no word character and keeps the text off that path.
    rng = random.Random(7)
    for _ in range(2_000):
        text = "".join(chr(rng.randrange(128)) for _ in range(rng.randrange(40)))
        assert search_terms(text) == search_terms(text + " ¿"), repr(text)
    assert search_terms("post_conviction DNA-testing, 3.5\x1fyears") == [
        "post", "conviction", "dna", "testing", "3", "5", "years"
    ]  # fmt: skip


def test_query_terms_are_distinct_and_in_order():
    assert query_terms("attorney Attorney ATTORNEY staff") == ["attorney", "staff"]


def test_a_term_never_holds_a_quote_colon_backslash_or_space():
    text = "a'b\"c:d\\e f\tg\u3000h"
    for term in search_terms(text):
        assert not set(term) & set("'\":\\ \t\u3000")


def test_a_documents_terms_are_stemmed_in_its_language_and_marked_with_it():
    assert stem_terms(["fellowships", "attorneys"], "en-US") == ["en:fellowship", "en:attorney"]
    assert stem_terms(["abogadas", "investigaciones"], "es") == ["es:abog", "es:investig"]
    # Without a stemmer (Japanese, or no language) terms stay whole: CJK pairs included.
    assert stem_terms(search_terms("弁護士 Cases"), "ja") == ["弁護", "護士", "cases"]
    assert stemmed("", "en") == ""


def test_a_query_term_is_looked_for_as_typed_and_stemmed_in_each_language():
    assert term_forms("abogados") == ["abogados", "en:abogado", "es:abog"]
    assert set(stem_terms(["abogado"], "es")) <= set(term_forms("abogadas"))
    assert set(stem_terms(["fellowship"], "en")) <= set(term_forms("fellowships"))


@pytest.mark.parametrize(
    "query, groups",
    [
        ("paralegal OR investigator", ((("paralegal",), ("investigator",)),)),
        ("a O b c", ((("a",), ("b",)), (("c",),))),
        ("full-time OR remote", ((("full", "time"), ("remote",)),)),
        ("or o", ((("or",),), (("o",),))),
        ("OR a OR", ((("a",),),)),
        ("(AND/OR)", ((("and", "or"),),)),
        ("a a OR a", ((("a",),),)),
        ("OR", ()),
    ],
)
def test_or_in_capitals_joins_the_words_beside_it(query, groups):
    assert query_groups(query) == groups
