"""The cost of the result snippets (jobs/snippets.py): a page of 20 results, each with a
description of a given size, with and without a query whose word is found late or not at all.

    .venv/bin/python bench/snippet_bench.py [--characters 4000] [--runs 200]

Prints the time per page of 20 snippets for each case: the fastest run (what the code costs,
least disturbed by other work on the machine) and the median.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jobs.snippets import snippet  # noqa: E402

ROWS = 20
SENTENCE = (
    "<p>The <strong>investigator</strong> reviews trial records, finds and interviews "
    "witnesses &amp; works with the attorneys on post-conviction claims.</p>"
)


def description(characters: int, closing_word: str) -> str:
    body = SENTENCE * (characters // len(SENTENCE) + 1)
    return body[: characters - len(closing_word) - 7] + f"<p>{closing_word}</p>"


def per_page(jobs: list[SimpleNamespace], terms: list[str], runs: int) -> tuple[float, float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        for job in jobs:
            snippet(job, terms)
        timings.append(time.perf_counter() - started)
    return min(timings) * 1000, statistics.median(timings) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--characters", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=200)
    arguments = parser.parse_args()
    jobs = [
        SimpleNamespace(
            description_html=description(arguments.characters, "paralegal"),
            description_markdown="",
        )
        for _ in range(ROWS)
    ]
    cases = {
        "no query": [],
        "word in the opening": ["investigator"],
        "word at the end": ["paralegal"],
        "word nowhere": ["zzzz"],
    }
    print(f"{ROWS} snippets of {arguments.characters:,}-character descriptions, per page:")
    for name, terms in cases.items():
        fastest, median = per_page(jobs, terms, arguments.runs)
        print(f"  {name:42} fastest {fastest:5.2f} ms, median {median:5.2f} ms")


if __name__ == "__main__":
    main()
