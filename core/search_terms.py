"""The one normalizer: text -> search terms, the same for documents and queries, on every backend.

Both databases only ever see the space-separated terms produced here, so a query finds the same
jobs on SQLite (FTS5) and PostgreSQL (tsvector): neither backend's own tokenizer, stemmer or
query syntax decides anything.
"""

from __future__ import annotations

import re
import unicodedata

# Runs of word characters; the underscore separates words, as both backends' tokenizers agree.
_WORD = re.compile(r"[^\W_]+")
# Han (with extensions and compatibility ideographs), Hiragana, Katakana (and its extensions).
_CJK = (
    "\u3005\u3007\u3021-\u3029\u3038-\u303b"
    "\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0002fa1f\U00030000-\U0003134f"
)
_CJK_RUN = re.compile(f"[{_CJK}]+")
# Kana voicing marks are part of the letter ("ガ" is not "カ"); every other mark is an accent.
_KEPT_MARKS = {"\u3099", "\u309a"}
# A term longer than this is not a word anyone searches for (PostgreSQL drops lexemes over 2047
# bytes, so both backends agree by never seeing one).
MAX_TERM_LENGTH = 100


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    kept = (
        char
        for char in decomposed
        if char in _KEPT_MARKS or not unicodedata.category(char).startswith("M")
    )
    return unicodedata.normalize("NFC", "".join(kept))


def _split_word(word: str) -> list[str]:
    """A word, with each CJK run inside it replaced by its overlapping character pairs."""
    terms: list[str] = []
    position = 0
    for run in _CJK_RUN.finditer(word):
        if run.start() > position:
            terms.append(word[position : run.start()])
        chars = run.group()
        if len(chars) == 1:
            terms.append(chars)
        else:
            terms.extend(chars[index : index + 2] for index in range(len(chars) - 1))
        position = run.end()
    if position < len(word):
        terms.append(word[position:])
    return terms


def search_terms(text: str) -> list[str]:
    """Terms in reading order: NFKC, case-folded, accents removed, CJK as character bigrams."""
    # lower() after casefold(): casefold maps some lowercase letters (Cherokee) to capitals.
    folded = _strip_accents(unicodedata.normalize("NFKC", text).casefold().lower())
    terms: list[str] = []
    for word in _WORD.findall(folded):
        terms.extend(term for term in _split_word(word) if len(term) <= MAX_TERM_LENGTH)
    return terms


def normalize(text: str) -> str:
    """The stored form: terms joined by single spaces."""
    return " ".join(search_terms(text))


def query_terms(text: str) -> list[str]:
    """The distinct terms of a query, in order; every one of them must match."""
    return list(dict.fromkeys(search_terms(text)))
