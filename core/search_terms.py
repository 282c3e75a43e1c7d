"""The one normalizer: text -> search terms, the same for documents and queries, on every backend.

The search index only ever sees the space-separated terms produced here, so a query finds the
same jobs whichever database holds them: no tokenizer, stemmer or query syntax of the engine's
or a database's decides anything.
"""

from __future__ import annotations

import re
import unicodedata
from operator import add

# Runs of word characters; the underscore separates words, as both backends' tokenizers agree.
_WORD = re.compile(r"[^\W_]+")
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
    if not folded.isascii() and _HAS_CJK.search(folded):
        return _cjk_terms(folded)
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
