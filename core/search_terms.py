"""The one normalizer: text -> search terms, the same for documents and queries, on every backend.

The search index only ever sees the space-separated terms produced here, so a query finds the
same jobs whichever database holds them: no tokenizer, stemmer or query syntax of the engine's
or a database's decides anything.

Stemming (Snowball, English and Spanish) is applied on top of the folded terms: a document's
terms are stemmed in its own language and marked with it ("en:fellowship", "es:abog";
stem_terms), and each query term is looked for in every form it can take in the index
(term_forms): as typed, and stemmed in each stemmed language. The page's language says nothing
about the language of the jobs searched (an English page searching Spanish jobs for "abogados"
is common in a federated directory), so a query is stemmed in all of them; the mark keeps one
language's stem from finding another's ("litigante" -> es:litig does not find "litigation" ->
en:litig). A job in any other language keeps its words whole, which the unstemmed form finds.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from operator import add

import Stemmer

# Runs of word characters; the underscore separates words, as both backends' tokenizers agree.
_WORD = re.compile(r"[^\W_]+")
# Every ASCII character but a letter or digit, as a space (search_terms on ASCII text).
_ASCII_SEPARATORS = {code: " " for code in range(128) if not chr(code).isalnum()}
# Han (with extensions and compatibility ideographs), Hiragana, Katakana (and its extensions).
_CJK = (
    "\u3005\u3007\u3021-\u3029\u3038-\u303b"
    "\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0002fa1f\U00030000-\U0003134f"
)
_HAS_CJK = re.compile(f"[{_CJK}]")
# The words of a text that has CJK, in one pass: a CJK run (group 1; the ranges hold unassigned
# code points, which are not word characters, hence the lookahead), or a run of the other word
# characters. A word like "abc日本語def" thus yields "abc", "日本語" and "def".
_CJK_RUN_OR_WORD = re.compile(f"((?:(?=\\w)[{_CJK}])+)|[^\\W_{_CJK}]+")
# Kana voicing marks are part of the letter ("ガ" is not "カ"); every other mark is an accent.
_KEPT_MARKS = frozenset({"\u3099", "\u309a"})
# A term longer than this is not a word anyone searches for (PostgreSQL drops lexemes over 2047
# bytes, so both backends agree by never seeing one).
MAX_TERM_LENGTH = 100


def _strip_accents(text: str) -> str:
    """The text without its combining marks (but kana voicing), composed again (NFC)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    accents = [
        char
        for char in set(decomposed)
        if unicodedata.category(char).startswith("M") and char not in _KEPT_MARKS
    ]
    if not accents:
        # The NFC of the decomposed text is the NFC of the text, which normalize() returns as
        # it is after a quick check in the usual case: the text was composed already.
        return unicodedata.normalize("NFC", text)
    # A text holds few distinct marks: one replace() each is far cheaper than a translate().
    for accent in accents:
        decomposed = decomposed.replace(accent, "")
    return unicodedata.normalize("NFC", decomposed)


def _cjk_terms(text: str) -> list[str]:
    """Words, with each CJK run replaced by its overlapping character pairs."""
    terms: list[str] = []
    for match in _CJK_RUN_OR_WORD.finditer(text):
        run = match.group(1)
        if run is None:
            word = match.group()
            if len(word) <= MAX_TERM_LENGTH:
                terms.append(word)
        elif len(run) == 1:
            terms.append(run)
        else:
            terms.extend(map(add, run[:-1], run[1:]))
    return terms


def search_terms(text: str) -> list[str]:
    """Terms in reading order: NFKC, case-folded, accents removed, CJK as character bigrams."""
    # lower() after casefold(): casefold maps some lowercase letters (Cherokee) to capitals.
    folded = _strip_accents(unicodedata.normalize("NFKC", text).casefold().lower())
    if folded.isascii():
        # The same words as _WORD finds in ASCII, three times faster: its letters and digits
        # are the word characters, everything else separates.
        words = folded.translate(_ASCII_SEPARATORS).split()
    elif _HAS_CJK.search(folded):
        return _cjk_terms(folded)
    else:
        words = _WORD.findall(folded)
    if max(map(len, words), default=0) <= MAX_TERM_LENGTH:
        return words
    return [word for word in words if len(word) <= MAX_TERM_LENGTH]


def normalize(text: str) -> str:
    """The stored form: terms joined by single spaces."""
    return " ".join(search_terms(text))


def query_terms(text: str) -> list[str]:
    """The distinct terms of a query, in order; every one of them must match."""
    return list(dict.fromkeys(search_terms(text)))


# --- stemming -----------------------------------------------------------------------------

# Primary language subtag -> Snowball algorithm. Terms are stemmed after accent folding, on
# documents and queries alike, so both sides always agree (Snowball's Spanish rules give the
# same stem to "investigacion" and "investigaciones" without the accent).
STEMMERS = {"en": "english", "es": "spanish"}
# PyStemmer's stemmers keep a cache and are not safe to share between threads.
_local = threading.local()


def _stemmer(language: str) -> Stemmer.Stemmer | None:
    algorithm = STEMMERS.get(language.split("-", 1)[0].lower())
    if algorithm is None:
        return None
    stemmers = _local.__dict__.setdefault("stemmers", {})
    stemmer = stemmers.get(algorithm)
    if stemmer is None:
        stemmer = stemmers[algorithm] = Stemmer.Stemmer(algorithm)
    return stemmer


def stem_terms(terms: Sequence[str], language: str) -> list[str]:
    """Terms as the index holds them for a text in this language (a BCP 47 tag): their
    Snowball stems marked with the language in English and Spanish ("en:fellowship"; a term
    never holds ":"), as they are in any other language."""
    stemmer = _stemmer(language)
    if stemmer is None:
        return list(terms)
    mark = f"{language.split('-', 1)[0].lower()}:"
    return [mark + stem for stem in stemmer.stemWords(terms)]


def stemmed(text_terms: str, language: str) -> str:
    """Space-separated terms (normalize's form) stemmed in the language."""
    if _stemmer(language) is None:
        return text_terms
    return " ".join(stem_terms(text_terms.split(), language))


def term_forms(term: str) -> list[str]:
    """Every form under which a query term may be indexed: as typed (jobs in a language
    without a stemmer) and its stem in each stemmed language."""
    forms = [term]
    for language in STEMMERS:
        stem = stem_terms([term], language)[0]
        if stem not in forms:
            forms.append(stem)
    return forms


# --- query syntax -------------------------------------------------------------------------

# Typed in capitals between two words, these join them as alternatives ("O" is Spanish's "or";
# a lowercase "or"/"o" stays a word, as search engines do). Quotes around words make them a
# phrase: "wrongful conviction" finds the two words side by side, in that order. Nothing else
# is syntax.
OR_WORDS = frozenset({"OR", "O"})
# Straight, curly (as phones and word processors type them) and Japanese corner quotes; a
# phrase left open runs to the end of the query.
_OPENING_QUOTES = '"“「'
_CLOSING_QUOTES = '"”」'
_QUOTES = _OPENING_QUOTES + _CLOSING_QUOTES
_PHRASE_OR_WORD = re.compile(
    f"[{_OPENING_QUOTES}]([^{_CLOSING_QUOTES}]*)(?:[{_CLOSING_QUOTES}]|$)|[^\\s{_QUOTES}]+"
)


class Phrase(tuple[str, ...]):
    """Terms that must follow one another, in this order (a quoted phrase). Never equal to
    the plain alternative of the same terms, whose terms may be anywhere."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is Phrase and tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((Phrase, tuple(self)))


# A query: every group must match; a group matches when one of its alternatives does; an
# alternative is the terms of one typed word ("full-time" -> full, time), all required, or a
# Phrase of the terms of the quoted words, side by side.
Alternative = tuple[str, ...]
Group = tuple[Alternative, ...]


def _typed_parts(text: str) -> list[tuple[str, Alternative | None]]:
    """The words and quoted phrases of a query as typed, each with its terms (None for OR)."""
    parts: list[tuple[str, Alternative | None]] = []
    for match in _PHRASE_OR_WORD.finditer(text):
        typed = match.group()
        if match.group(1) is None:
            if typed in OR_WORDS:
                parts.append((typed, None))
                continue
            terms: Alternative = tuple(dict.fromkeys(search_terms(typed)))
        else:
            # A phrase keeps repeated terms: each is one position of it.
            phrase = Phrase(search_terms(match.group(1)))
            terms = phrase if len(phrase) > 1 else tuple(phrase)
            typed = f'"{" ".join(match.group(1).split())}"'
        if terms:
            parts.append((typed, terms))
    return parts


def typed_groups(text: str) -> list[tuple[str, Group]]:
    """Each group of the query (query_groups) with the words typed for it, as typed."""
    parsed: list[tuple[list[str], list[Alternative]]] = []
    joined = False
    for word, terms in _typed_parts(text):
        if terms is None:
            joined = bool(parsed)
            continue
        if joined:
            parsed[-1][0].extend(("OR", word))
            parsed[-1][1].append(terms)
        else:
            parsed.append(([word], [terms]))
        joined = False
    unique: dict[Group, str] = {}
    for words, alternatives in parsed:
        unique.setdefault(tuple(dict.fromkeys(alternatives)), " ".join(words))
    return [(words, group) for group, words in unique.items()]


def query_groups(text: str) -> tuple[Group, ...]:
    """The query as groups of alternatives: "paralegal OR investigator remote" is
    (paralegal | investigator) & remote. OR joins the words (or phrases) on either side of
    it; an OR with no word on one side is ignored."""
    return tuple(group for _, group in typed_groups(text))


def group_terms(groups: Iterable[Group]) -> list[str]:
    """The distinct terms of a parsed query, in order."""
    return list(
        dict.fromkeys(term for group in groups for alternative in group for term in alternative)
    )


def canonical_query(groups: Iterable[Group]) -> str:
    """One text per meaning of a query (cache keys): alternatives joined by " OR ", the terms
    of one typed word by "+", those of a phrase by spaces within quotes."""
    return " ".join(
        " OR ".join(
            f'"{" ".join(alt)}"' if isinstance(alt, Phrase) else "+".join(alt) for alt in group
        )
        for group in groups
    )
