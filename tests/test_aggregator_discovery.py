"""Finding a site's feeds from its HTML page."""

from __future__ import annotations

from feeds.aggregate.discovery import discover_feeds, looks_like_html

PAGE_URL = "https://member.example/about/careers"


def test_alternate_feed_links_are_found_and_resolved_in_page_order() -> None:
    page = b"""<!DOCTYPE html><html><head>
    <link rel="stylesheet" href="/style.css">
    <link rel="alternate" type="application/rss+xml" href="/careers.rss" title="RSS">
    <link rel="Alternate Home" type="Application/Atom+XML" href="feed.atom">
    <link rel="alternate" type="application/feed+json; charset=utf-8" href="https://cdn.example/j.json"/>
    <link rel="alternate" type="text/html" href="/es/">
    <link rel="alternate" type="application/rss+xml" href="/careers.rss">
    </head><body></body></html>"""
    assert discover_feeds(page, PAGE_URL) == [
        "https://member.example/careers.rss",
        "https://member.example/about/feed.atom",
        "https://cdn.example/j.json",
    ]


def test_a_base_element_changes_where_relative_links_point() -> None:
    page = b'<head><base href="https://other.example/news/"><link rel=alternate type=application/atom+xml href=feed></head>'
    assert discover_feeds(page, PAGE_URL) == ["https://other.example/news/feed"]


def test_links_that_are_not_web_addresses_are_ignored() -> None:
    page = (
        b'<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
        b'<link rel="alternate" type="application/rss+xml" href="file:///etc/passwd">'
        b'<link rel="alternate" type="application/rss+xml" href="http://[::1">'
        b'<link rel="alternate" type="application/rss+xml">'
    )
    assert discover_feeds(page, PAGE_URL) == []


def test_broken_html_and_odd_bytes_do_not_stop_discovery() -> None:
    page = b'\xff\xfe<html><head <<<><link rel="alternate" type="application/atom+xml" href="/f.atom"><script>'
    assert discover_feeds(page, PAGE_URL) == ["https://member.example/f.atom"]


def test_html_is_recognised_by_type_or_by_its_start() -> None:
    assert looks_like_html(b"anything", "text/html; charset=utf-8")
    assert looks_like_html(b"  <!DOCTYPE html><html>", "application/xml")
    assert not looks_like_html(b"<?xml version='1.0'?><rss/>", "application/xml")


def test_pages_that_trip_the_html_tokenizer_still_give_what_came_before() -> None:
    head = b'<link rel="alternate" type="application/atom+xml" href="/f.atom">'
    for trap in (b"<![ifhttp://[ x", b"&#99999999999999999999; <a", b"<!DOCTYPE<![CDATA[<!--&#x"):
        assert discover_feeds(head + trap, PAGE_URL) == ["https://member.example/f.atom"]
