"""Imported text is made safe whatever the parser did: markup reduced, scripts gone."""

from __future__ import annotations

import pytest

from feeds.sanitize import clean_html, clean_text

HOSTILE = [
    "<script>alert(1)</script><p>ok</p>",
    '<p onclick="steal()">ok</p>',
    '<img src=x onerror="steal()">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    "<svg><script>alert(1)</script></svg>",
    '<style>body{display:none}</style><p style="position:fixed">x</p>',
    '<form action="https://evil.example"><input name=q></form>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<<script>script>alert(1)<</script>/script>",
]


@pytest.mark.parametrize("markup", HOSTILE)
def test_scripts_event_handlers_and_dangerous_urls_never_survive(markup: str) -> None:
    cleaned = clean_html(markup, base_url="https://a.example/feed").lower()
    assert "<script" not in cleaned
    assert "javascript:" not in cleaned
    assert "onerror" not in cleaned and "onclick" not in cleaned
    for tag in ("<iframe", "<style", "<form", "<object", "<embed", "<svg", "<img", "<math"):
        assert tag not in cleaned
    assert "data:" not in cleaned


def test_the_markup_a_job_description_needs_is_kept() -> None:
    markup = (
        "<h2>Role</h2><p>We <strong>need</strong> <em>you</em>.</p>"
        "<ul><li>one</li></ul><ol><li>two</li></ol><blockquote>q</blockquote>"
        "<pre><code>x</code></pre><h3>a</h3><h4>b</h4><b>b</b><i>i</i><br>"
    )
    assert clean_html(markup) == markup


def test_links_are_marked_and_limited_to_web_and_mail() -> None:
    cleaned = clean_html(
        '<a href="https://x.example/apply" target="_blank" title="t">Apply</a>'
        '<a href="mailto:jobs@x.example">Mail</a><a href="ftp://x.example/f">F</a>'
    )
    assert cleaned == (
        '<a href="https://x.example/apply" rel="nofollow noopener ugc">Apply</a>'
        '<a href="mailto:jobs@x.example" rel="nofollow noopener ugc">Mail</a>'
        '<a rel="nofollow noopener ugc">F</a>'
    )


def test_relative_links_are_resolved_against_the_feed_or_dropped() -> None:
    markup = '<a href="/jobs/7">Job</a>'
    assert 'href="https://a.example/jobs/7"' in clean_html(markup, base_url="https://a.example/f")
    assert "href" not in clean_html(markup)
    assert "href" not in clean_html(markup, base_url="http://[::1")


def test_control_characters_are_removed_from_markup_and_text() -> None:
    assert clean_html("<p>a\x00b\x1bc\ufffe</p>") == "<p>abc</p>"
    assert clean_text("a\x00b\x07c\x7f\ud800") == "abc"


def test_clean_text_strips_tags_decodes_entities_and_collapses_whitespace() -> None:
    text = "  Staff <b>Attorney</b> &amp; Investigator\n\n\t<script>steal()</script> (&eacute;)  "
    assert clean_text(text) == "Staff Attorney & Investigator (é)"


def test_clean_text_keeps_escaped_markup_as_plain_text() -> None:
    assert clean_text("Use &lt;b&gt; tags") == "Use <b> tags"
