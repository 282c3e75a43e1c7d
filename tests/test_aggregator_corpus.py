"""Every document of the hostile feed corpus, served over HTTP, is fetched and parsed by each
parser backend without an exception, and nothing dangerous survives sanitizing."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from core.outbound import outbound_client
from core.settings import Settings
from feeds.aggregate.fetch import FetchLimiter, FetchResult, fetch_feed
from feeds.aggregate.parse import parse_feed
from feeds.aggregate.parse_backends import BACKENDS
from feeds.aggregate.sanitize import clean_html
from tests.helpers_hostile_servers import RawRequest, raw_server, send

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "feedparser"
SETTINGS = Settings(allow_private_addresses=True)


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        message = f"the feed corpus is absent (expected at {CORPUS})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must provide it.")
        pytest.skip(f"Skipped because {message}.")
    return sorted(path for path in CORPUS.rglob("*") if path.is_file() and path.name != "LICENSE")


def content_type(path: Path) -> str:
    return "application/feed+json" if path.suffix == ".json" else "application/xml"


async def fetch_corpus(files: list[Path]) -> list[tuple[Path, FetchResult]]:
    by_path = {"/" + path.relative_to(CORPUS).as_posix(): path for path in files}

    async def serve(request: RawRequest, writer: asyncio.StreamWriter) -> None:
        path = by_path[request.path]
        await send(writer, 200, path.read_bytes(), {"Content-Type": content_type(path)})

    limiter = FetchLimiter(total=16, per_host=16)
    async with raw_server({"*": serve}) as server, outbound_client(SETTINGS) as client:

        async def one(route: str) -> tuple[Path, FetchResult]:
            async with limiter.slot(server.url):
                return by_path[route], await fetch_feed(client, f"{server.url}{route}")

        return await asyncio.gather(*(one(route) for route in by_path))


@pytest.fixture(scope="module")
def fetched_corpus() -> list[tuple[Path, FetchResult]]:
    return asyncio.run(fetch_corpus(corpus_files()))


class _Markup(HTMLParser):
    """Collects what a browser would treat as active: tags, event handlers, script URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.dangers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "style", "svg", "math", "form"):
            self.dangers.append(f"<{tag}>")
        for name, value in attrs:
            squeezed = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name.startswith("on"):
                self.dangers.append(f"{name}=")
            if squeezed.startswith(("javascript:", "vbscript:", "data:")):
                self.dangers.append(f"{name}={value}")


def dangers_in(markup: str) -> list[str]:
    found = ["<script"] if re.search(r"<\s*script", markup, re.IGNORECASE) else []
    parser = _Markup()
    parser.feed(markup)
    parser.close()
    return found + parser.dangers


def test_the_whole_corpus_is_served_and_fetched(fetched_corpus: list) -> None:
    assert len(fetched_corpus) > 2000
    failures = [(path.name, result.error) for path, result in fetched_corpus if not result.ok]
    assert failures == []


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_every_corpus_document_parses_and_sanitizes_safely(
    fetched_corpus: list, backend: str
) -> None:
    unsafe: list[tuple[str, list[str]]] = []
    feeds = 0
    for path, result in fetched_corpus:
        parsed = parse_feed(result.body, result.final_url, result.content_type, backend=backend)
        feeds += parsed.is_feed
        for entry in parsed.entries:
            for text in (entry.title, entry.summary_html, entry.content_html):
                dangers = dangers_in(clean_html(text, base_url=entry.link or result.final_url))
                if dangers:
                    unsafe.append((path.name, dangers))
    assert unsafe == []
    assert feeds > 1900


def test_a_missing_corpus_fails_in_ci_and_is_skipped_with_a_plain_message_elsewhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CORPUS", tmp_path / "absent")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="the feed corpus is absent"):
        corpus_files()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="Skipped because the feed corpus is absent"):
        corpus_files()
