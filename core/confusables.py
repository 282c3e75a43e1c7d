"""Text a person reads as a name: invisible characters removed, look-alikes detected.

Single-line text (titles, names) loses Unicode format characters (category Cf): bidirectional
overrides and isolates, zero-width spaces and joiners, soft hyphens, byte-order marks. They
show nothing, or reorder what is shown, so "Innocence\u202eProject" would read differently
from what is stored and compared.

Two names are confusable when their UTS #39 skeletons are equal: each character is replaced
by the prototype it is confused with ("а" Cyrillic -> "a", "I" -> "l", "m" -> "rn"), between
two canonical decompositions. The confusable pairs are Unicode's confusables.txt, as shipped
by the confusable-homoglyphs package.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from confusable_homoglyphs.confusables import confusables_data

_WHITESPACE = re.compile(r"\s+")
# The package wraps right-to-left characters in left-to-right marks for display.
_DISPLAY_MARK = "\u200e"


def strip_invisible(value: str) -> str:
    """Without format characters, and with any run of whitespace (line breaks, tabs) as one
    space: what a single line of text should hold."""
    visible = "".join(char for char in value if unicodedata.category(char) != "Cf")
    return _WHITESPACE.sub(" ", visible).strip()


@cache
def _prototypes() -> dict[str, str]:
    """Character (or sequence) -> the prototype it is confused with.

    In the package's data a prototype lists everything confused with it, and everything else
    lists only its prototype; a pair that list only each other is mapped to the smaller one.
    """
    data = {
        key.replace(_DISPLAY_MARK, ""): [item["c"].replace(_DISPLAY_MARK, "") for item in items]
        for key, items in confusables_data.items()
    }
    mapping: dict[str, str] = {}
    for source, targets in data.items():
        if len(targets) != 1:
            continue
        (target,) = targets
        back = data.get(target, [])
        if source not in back:
            continue
        if back == [source]:
            target = min(source, target)
        if target != source:
            mapping[source] = target
    return mapping


def skeleton(value: str) -> str:
    prototypes = _prototypes()
    decomposed = unicodedata.normalize("NFD", strip_invisible(value))
    mapped = "".join(prototypes.get(char, char) for char in decomposed)
    return unicodedata.normalize("NFD", mapped)


def confusable(first: str, second: str) -> bool:
    """Whether the two read as the same name: equal skeletons, with or without case."""
    return skeleton(first) == skeleton(second) or skeleton(first.casefold()) == skeleton(
        second.casefold()
    )
