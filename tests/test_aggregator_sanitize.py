"""Imported text is made safe whatever the parser did: markup reduced, scripts gone."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.search_terms import normalize
from feeds.aggregate.parse import parse_feed
from feeds.aggregate.sanitize import (
    clean_html,
    clean_html_text,
    clean_text,
    html_to_text,
    looks_like_html,
)
from jobs.markdown import markup_text, render_markdown

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
        "<h1>t</h1><hr><table><thead><tr><th>k</th></tr></thead><tbody><tr><td>v</td></tr>"
        '</tbody></table><s>old</s><del>gone</del><ol start="3"><li>three</li></ol>'
    )
    assert clean_html(markup) == markup.replace('start="3"', 'start="3"')


def test_imported_html_ends_in_the_markup_our_own_markdown_makes() -> None:
    # One policy for both paths: what this instance publishes survives another's import.
    rendered = render_markdown(
        "# Role\n\n| Day | Hours |\n|:----|------:|\n| Mon | 9 |\n\n---\n\n"
        '~~old~~ and [apply](https://a.example/apply "Apply now") <span lang="x">here</span>'
    )
    assert "<table>" in rendered and "<hr>" in rendered and 'title="Apply now"' in rendered
    assert clean_html(rendered, base_url="https://a.example/feed") == rendered


def test_links_are_marked_and_limited_to_web_and_mail() -> None:
    cleaned = clean_html(
        '<a href="https://x.example/apply" target="_blank" title="t">Apply</a>'
        '<a href="mailto:jobs@x.example">Mail</a><a href="ftp://x.example/f">F</a>'
    )
    assert cleaned == (
        '<a href="https://x.example/apply" title="t" rel="nofollow noopener ugc">Apply</a>'
        '<a href="mailto:jobs@x.example" rel="nofollow noopener ugc">Mail</a>'
        '<a rel="nofollow noopener ugc">F</a>'
    )


def test_relative_links_are_resolved_against_the_feed_or_dropped() -> None:
    markup = '<a href="/jobs/7">Job</a>'
    assert 'href="https://a.example/jobs/7"' in clean_html(markup, base_url="https://a.example/f")
    assert "href" not in clean_html(markup)
    assert "href" not in clean_html(markup, base_url="http://[::1")


def test_a_relative_link_beside_absolute_ones_or_however_written_is_still_resolved() -> None:
    base = "https://a.example/f"
    for markup in (
        '<a href="https://b.example/x">B</a> <a href="jobs/7">Job</a>',
        "<a HREF = 'jobs/7'>Job</a>",
        "<a href=jobs/7>Job</a>",
        '<a href="&#x6A;obs/7">Job</a>',
    ):
        assert 'href="https://a.example/jobs/7"' in clean_html(markup, base_url=base), markup


def test_control_characters_are_removed_from_markup_and_text() -> None:
    assert clean_html("<p>a\x00b\x1bc\ufffe</p>") == "<p>abc</p>"
    assert clean_text("a\x00b\x07c\x7f\ud800") == "abc"
    assert html_to_text("<b>a\x00b</b>") == "ab"


def test_plain_text_keeps_its_angle_brackets_and_loses_extra_whitespace() -> None:
    assert (
        clean_text("  Staff & <Investigator>\n\n\t (remote) ") == "Staff & <Investigator> (remote)"
    )


def test_markup_becomes_text_without_tags_scripts_or_entities() -> None:
    markup = "  Staff <b>Attorney</b> &amp; Investigator\n\n\t<script>steal()</script> (&eacute;)  "
    assert html_to_text(markup) == "Staff Attorney & Investigator (é)"
    assert html_to_text("Use &lt;b&gt; tags") == "Use <b> tags"


@pytest.mark.parametrize(
    ("text", "is_markup"),
    [
        ("Staff &amp; Investigator", True),
        ("<b>Bold</b> move", True),
        ("Staff & <Investigator>", False),
        ("Plain words", False),
        ("<script>x</script>", False),
    ],
)
def test_ambiguous_text_counts_as_markup_only_with_known_tags_or_entities(
    text: str, is_markup: bool
) -> None:
    assert looks_like_html(text) is is_markup


TRICKY_MARKUP = [
    *HOSTILE,
    '<p>Apply <a href="https://a.example/?q=a>b&amp;c=&quot;d&quot;">here</a>now</p>',
    "<pre>\nfirst\n  second</pre>after<textarea>\nx</textarea>",
    "<p>one</p><p>two</p>three<br>four<li>five</li>",
    "<b>bold<p>para</b>tail</p><a href=1><a href=2>inner</a>outer</a>",
    "<table><tr><td>cell</td>text</tr></table><caption>c</caption>",
    "a &amp;lt;b&amp;gt; &lt;c&gt; &nbsp;&#233;&eacute;&#x1F600; &copy d&amp;e",
    "<!-- comment <p>x</p> -->kept<![CDATA[data]]>",
    "<p>Ünïcödé 日本語の<em>求人</em>です ガイド</p>",
    "<noscript><p>ns</p></noscript><template>tpl</template><title>t</title>",
    "unclosed <p>tags <b>everywhere <i>and",
    "<p\nclass=x>spaced</p ><br/>self<br />closing",
    "x<y and z>w",
]


def _markup_samples() -> list[str]:
    samples = list(TRICKY_MARKUP)
    corpus = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
    for path in sorted(corpus.rglob("*.xml")):
        parsed = parse_feed(path.read_bytes(), "https://corpus.example/feed")
        samples += [m for e in parsed.entries for m in (e.content_html, e.summary_html) if m]
    return samples


def test_the_text_of_cleaned_markup_gives_the_search_terms_a_parser_gives() -> None:
    differences = []
    for markup in _markup_samples():
        cleaned = clean_html(markup, base_url="https://a.example/feed")
        if normalize(clean_html_text(cleaned)) != normalize(markup_text(cleaned)):
            differences.append(markup)
    assert differences == []
