"""The site in a real browser (Chromium through Playwright): the workflow a member and a job
seeker go through, with and without JavaScript, in English, Spanish and Japanese, at desktop
and phone widths; axe-core on every page kind; no internals or stray English on the page.

Screenshots of each page go to screenshots/ at the project root (see the README)."""

from __future__ import annotations

import functools
import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from activitypub.models import BlockedDomain, Delivery, Follower
from core.i18n import LOCALE_DIR
from core.i18n import gettext as _
from core.settings import Settings
from core.urls import JOB_FEED_FORMATS
from directory.models import Role
from feeds.aggregate.importer import plain_words
from feeds.models import FeedSubscription, SubscriptionKind, SubscriptionStatus
from jobs.models import Job, JobStatus
from tests.helpers_directory import PASSWORD, make_account, make_admin, make_organization
from tests.helpers_jobs import job_input, make_job

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = PROJECT_ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / "screenshots"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# Names that stay as they are in every language: the network's configured name (its
# operator's words, not the catalogue's) and the feed formats' own names ("JSON Feed").
PROPER_NAMES = (Settings.network_name, *JOB_FEED_FORMATS.values())
# E-mail and web addresses are identifiers, not words ("owner@…" is not the word owner).
ADDRESSES = re.compile(r"\S+@\S+|\w+://\S+")
INTERNALS = re.compile(r"<function |object at 0x|<bound method |\bNone\b|LazyProxy")

playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")


def _missing() -> str:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (make install puts it there)"
    if not AXE.exists():
        return f"{AXE} is missing (make install runs npm ci in tests/browser)"
    return ""


@pytest.fixture
async def chromium():
    missing = _missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        await browser.close()


async def _sign_in(page, base: str, email: str) -> None:
    await page.goto(f"{base}/sign-in")
    await _sign_in_here(page, email)


async def _sign_in_here(page, email: str) -> None:
    """Fills in and sends the sign-in form the page shows."""
    await page.fill("#f-email", email)
    await page.fill("#f-password", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_load_state()


# What a page says in its own language: its text and the attributes people hear or see
# (labels, titles, placeholders, button values), leaving out content written in another
# language and marked so (a job posted in English carries lang="en"), code and scripts.
# The document's <title> is left out: it mixes such content (a job's title) with words of
# the page, and cannot mark which is which; its words are the page's headings.
_OWN_LANGUAGE_TEXT = """(language) => {
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); return; }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    if (["SCRIPT", "STYLE", "CODE", "TEMPLATE"].includes(node.tagName)) return;
    const lang = node.getAttribute("lang");
    if (lang && lang.split("-")[0] !== language) return;
    for (const attribute of ["aria-label", "title", "placeholder", "alt"]) {
      if (node.hasAttribute(attribute)) parts.push(node.getAttribute(attribute));
    }
    if (node.tagName === "INPUT" && ["submit", "button"].includes(node.type)) parts.push(node.value);
    for (const child of node.childNodes) walk(child);
  };
  walk(document.body);
  return parts.join(" \\n ");
}"""
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


@functools.cache
def _english_phrases(language: str) -> re.Pattern[str]:
    """Every English message the language's catalogue translates (and its fixed parts
    between placeholders, when they are phrases of two words or more), as one pattern:
    seen on a page in that language, it is a string the page forgot to translate."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    phrases: set[str] = set()
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not message.id or not any(strings) or set(strings) <= set(ids):
            continue
        for msgid in ids:
            parts = _PLACEHOLDER.split(msgid)
            if len(parts) == 1:
                phrases.add(" ".join(msgid.split()))
            phrases.update(
                " ".join(part.split())
                for part in parts
                if len(parts) > 1 and len(part.split()) >= 2 and re.search(r"[A-Za-z]{3}", part)
            )
    ordered = sorted((phrase for phrase in phrases if phrase), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, ordered)) + r")(?!\w)")


async def _check(page, name: str, language: str, width: str) -> None:
    """axe-core finds nothing; no internals, no message of the English catalogue shown
    untranslated on a Spanish or Japanese page; a screenshot."""
    text = await page.inner_text("body")
    assert not INTERNALS.search(text), f"{name} ({language}) shows internals"
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    problems = [
        f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']][:3]}"
        for v in result["violations"]
    ]
    assert not problems, f"axe on {name} ({language}, {width}): {problems}"
    if language != "en":
        shown = await page.evaluate(_OWN_LANGUAGE_TEXT, language)
        for proper_name in PROPER_NAMES:
            shown = shown.replace(proper_name, "")
        shown = ADDRESSES.sub("", shown)
        english = _english_phrases(language).findall(" ".join(shown.split()))
        assert not english, f"{name} ({language}) shows English: {sorted(set(english))}"
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}-{language}-{width}.png"), full_page=True)


async def _administration_data() -> None:
    """What the feed subscriptions and fediverse pages show once they are used: a failing
    subscription with its health, a member's feed awaiting approval, followers, deliveries
    that failed and a blocked domain, their diagnostics written as the workers write them."""
    now = datetime.now(UTC)
    await make_organization(
        "rosales", name="Rosales", jobs_feed_url="https://rosales.example.org/jobs.atom"
    )
    await FeedSubscription.create(
        url="https://partner.example.org/federation/jobs.atom",
        name="Red Aliada",
        network="Red Aliada",
        status=SubscriptionStatus.PAUSED,
        last_fetched_at=now,
        last_success_at=now - timedelta(days=2),
        last_status=503,
        consecutive_failures=4,
        last_error=_("The server answered %(status)s %(reason)s.")
        % {"status": 503, "reason": "Service Unavailable"},
        parse_warnings=plain_words(
            [_("An entry without a title was skipped."), _("An entry without a title was skipped.")]
        ),
        items_imported_last=3,
        items_imported_total=41,
    )
    await FeedSubscription.create(
        url="https://active.example.org/jobs.json",
        name="Bolsa Norte",
        kind=SubscriptionKind.JOBS,
        last_fetched_at=now,
        last_success_at=now,
        last_status=200,
        next_poll_at=now + timedelta(hours=1),
    )
    for number in range(2):
        await Follower.create(
            actor="browser-clinic",
            follower_id=f"https://social.example/users/reader{number}",
            inbox=f"https://social.example/users/reader{number}/inbox",
        )
    await Delivery.create(
        actor="browser-clinic",
        inbox="https://social.example/users/reader0/inbox",
        activity="{}",
        attempts=3,
        next_attempt_at=now + timedelta(minutes=10),
        last_error="HTTP 503",
    )
    await Delivery.create(
        actor="browser-clinic",
        inbox="https://social.example/users/reader1/inbox",
        activity="{}",
        attempts=1,
        next_attempt_at=now,
        delivered_at=now,
    )
    await BlockedDomain.create(domain="spam.example")


async def _not_checked(page, name: str, language: str, width: str) -> None:
    """Where scripts are off: no axe-core, but still no internals on the page."""
    assert not INTERNALS.search(await page.inner_text("body")), f"{name} ({language}) internals"


async def test_every_page_kind_is_accessible_translated_and_shown_at_both_widths(
    chromium, live_server
):
    base = live_server.url
    organization = await make_organization("browser-clinic", name="Browser Clinic")
    await make_account("owner@browser.example.org", organization, role=Role.OWNER)
    await make_admin()
    job = await make_job(organization, live_server.settings, JobStatus.PUBLISHED)
    # More drafts than a page holds: the dashboard's groups have their own page links.
    for number in range(26):
        await make_job(organization, live_server.settings, JobStatus.DRAFT, title=f"Draft {number}")
    await _administration_data()
    public = {
        "home": "/",
        "search": "/jobs?q=attorney",
        # Nothing found: the suggested searches ("attorney" alone finds the job).
        "search-none": "/jobs?q=attorney+astronaut",
        "job": f"/jobs/{job.slug}",
        "directory": "/directory",
        "organization": "/orgs/browser-clinic",
        "apply": "/apply",
        "sign-in": "/sign-in",
        "follow": "/follow/jobs?q=attorney",
    }
    member = {
        "dashboard": "/dashboard",
        "jobs-dashboard": "/dashboard/jobs",
        "job-form": "/dashboard/jobs/new",
    }
    admin = {
        "admin": "/admin",
        "applications": "/admin/applications",
        "members": "/admin/members",
        "admin-organization": "/admin/orgs/browser-clinic",
        "moderation": "/admin/jobs",
        "feed-subscriptions": "/admin/feeds",
        "fediverse": "/admin/fediverse",
    }
    for width, viewport in WIDTHS.items():
        context = await chromium.new_context(viewport=viewport, bypass_csp=True)
        page = await context.new_page()
        for language in ("en", "es", "ja"):
            for name, path in public.items():
                joiner = "&" if "?" in path else "?"
                await page.goto(f"{base}{path}{joiner}lang={language}")
                await _check(page, name, language, width)
            # A form with errors: the application sent empty.
            await page.goto(f"{base}/apply?lang={language}")
            await page.click("main form button[type=submit]")
            await page.wait_for_load_state()
            await _check(page, "apply-errors", language, width)
        await context.close()
        for email, pages in (
            ("owner@browser.example.org", member),
            ("admin@network.example.org", admin),
        ):
            context = await chromium.new_context(viewport=viewport, bypass_csp=True)
            page = await context.new_page()
            await _sign_in(page, base, email)
            for language in ("en", "es", "ja"):
                for name, path in pages.items():
                    await page.goto(f"{base}{path}?lang={language}")
                    await _check(page, name, language, width)
            await context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_post_review_search_follow_and_fill_in_a_browser(chromium, live_server, javascript):
    base = live_server.url
    organization = await make_organization("flow-clinic", name="Flow Clinic")
    await make_account("owner@flow.example.org", organization, role=Role.OWNER)
    await make_admin()
    member = await chromium.new_context(java_script_enabled=javascript, viewport=WIDTHS["phone"])
    page = await member.new_page()
    await _sign_in(page, base, "owner@flow.example.org")
    await page.goto(f"{base}/dashboard/jobs/new")
    await page.fill("#f-title", "Exoneration Investigator")
    await page.fill("#f-description", "Find the **evidence** that frees innocent people.")
    await page.select_option("#f-employment_type", "FULL_TIME")
    await page.select_option("#f-category", "investigator")
    await page.select_option("#f-work_mode", "onsite")
    await page.fill("#f-city", "Chicago")
    await page.fill("#f-salary_min", "60000")
    await page.select_option("#f-salary_currency", "USD")
    await page.select_option("#f-salary_unit", "YEAR")
    await page.fill("#f-apply_email", "jobs@flow.example.org")
    await page.click("button[name=intent][value=preview]")
    await page.wait_for_load_state()
    assert await page.inner_text(".preview strong") == "evidence"
    assert await page.input_value("#f-title") == "Exoneration Investigator"
    await page.click("button[name=intent][value=publish]")
    await page.wait_for_load_state()
    assert "waits for review" in await page.inner_text("main"), await page.inner_text(".has-error")

    admin = await chromium.new_context(java_script_enabled=javascript)
    admin_page = await admin.new_page()
    await _sign_in(admin_page, base, "admin@network.example.org")
    await admin_page.goto(f"{base}/admin/jobs")
    await admin_page.click("text=Approve")
    await admin_page.wait_for_load_state()
    assert "is published" in await admin_page.inner_text("main")

    seeker = await chromium.new_context(java_script_enabled=javascript)
    seeker_page = await seeker.new_page()
    await seeker_page.goto(f"{base}/jobs?q=investigator&lang=es")
    assert "Exoneration Investigator" in await seeker_page.inner_text("main")
    await seeker_page.click("main a[href^='/follow/jobs']")
    await seeker_page.wait_for_load_state()
    assert "/jobs/feed.atom?q=investigator" in await seeker_page.inner_text("main")

    await page.goto(f"{base}/dashboard/jobs")
    await page.click("summary:has-text('Mark filled')")
    await page.fill("input[name=reason]:visible", "Hired")
    await page.click("button:has-text('Yes, mark')")
    await page.wait_for_load_state()
    assert "is marked filled" in await page.inner_text("main")
    await seeker_page.goto(f"{base}/jobs?q=investigator")
    assert "Exoneration Investigator" not in await seeker_page.inner_text("main")

    # The filled job is the start of the next one: duplicated as a new draft.
    await page.goto(f"{base}/dashboard/jobs")
    await page.click("main a:has-text('Duplicate')")
    await page.wait_for_load_state()
    assert await page.input_value("#f-title") == "Exoneration Investigator"
    await page.click("button[name=intent][value=draft]")
    await page.wait_for_load_state()
    assert len(await page.query_selector_all("[data-status=draft]")) == 1
    for context in (member, admin, seeker):
        await context.close()


async def test_several_countries_are_chosen_with_checkboxes_without_javascript(
    chromium, live_server
):
    base = live_server.url
    organization = await make_organization("choice-clinic", name="Choice Clinic")
    for country, city in (("US", "Boston"), ("CA", "Toronto"), ("MX", "Monterrey")):
        await make_job(organization, live_server.settings, country=country, city=city, region="")
    context = await chromium.new_context(java_script_enabled=False, viewport=WIDTHS["phone"])
    page = await context.new_page()
    await page.goto(f"{base}/jobs?q=attorney&country=US")
    await page.click("details.filters > summary")
    await page.check("aside.facets input[name=country][value=CA]")
    await page.click("aside.facets button[type=submit]")
    await page.wait_for_load_state()
    assert sorted(re.findall(r"country=(\w+)", page.url)) == ["CA", "US"]
    assert "q=attorney" in page.url
    results = await page.inner_text("section[aria-labelledby=results-heading]")
    assert "Boston" in results and "Toronto" in results and "Monterrey" not in results
    await context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_a_job_form_sent_after_the_session_ended_comes_back_after_signing_in(
    chromium, live_server, javascript
):
    """On a phone, in Spanish: countries ticked in the job form's checkbox list (no Ctrl
    key on a phone), then the session ends before the form is sent; signing in leads back
    to the form as typed, saving nothing until it is sent again."""
    base = live_server.url
    organization = await make_organization("kept-clinic", name="Kept Clinic")
    await make_account("owner@kept.example.org", organization, role=Role.OWNER)
    context = await chromium.new_context(
        viewport=WIDTHS["phone"], java_script_enabled=javascript, bypass_csp=True
    )
    page = await context.new_page()
    await _sign_in(page, base, "owner@kept.example.org")
    await page.goto(f"{base}/dashboard/jobs/new?lang=es")
    for field, text in (
        ("#f-title", "Investigadora remota"),
        ("#f-description", "Un texto **largo**, escrito con cuidado."),
    ):
        await page.fill(field, text)
    await page.fill("#f-salary_min", "60000")
    for field, value in (
        ("#f-employment_type", "FULL_TIME"),
        ("#f-category", "investigator"),
        ("#f-work_mode", "remote"),
        ("#f-salary_currency", "USD"),
        ("#f-salary_unit", "YEAR"),
    ):
        await page.select_option(field, value)
    for country in ("Uruguay", "Chile"):
        box = page.locator(f"#f-remote_countries label:has-text('{country}') input")
        await box.scroll_into_view_if_needed()
        await box.check()
    chooser = await page.locator("#f-remote_countries").bounding_box()
    assert chooser["x"] >= 0 and chooser["x"] + chooser["width"] <= WIDTHS["phone"]["width"]
    assert await page.evaluate("document.documentElement.scrollWidth") <= WIDTHS["phone"]["width"]
    # axe-core is a script: it checks the pages where scripts run.
    check = _check if javascript else _not_checked
    await check(page, "job-form-choices", "es", "phone")

    await context.clear_cookies(name="amicus_session")
    await page.click("button[name=intent][value=draft]")
    await page.wait_for_load_state()
    assert "no se guardó nada" in await page.inner_text("#sign-in-notice")
    await check(page, "kept-sign-in", "es", "phone")
    await _sign_in_here(page, "owner@kept.example.org")
    await check(page, "kept-continue", "es", "phone")
    assert await Job.filter(organization_id=organization.id).count() == 0
    await page.click("main form button[type=submit]")
    await page.wait_for_load_state()
    await check(page, "kept-form", "es", "phone")
    assert "Todavía no se guardó nada" in await page.inner_text("main")
    assert await page.input_value("#f-title") == "Investigadora remota"
    assert await page.is_checked("#f-remote_countries label:has-text('Uruguay') input")
    assert await page.is_checked("#f-remote_countries label:has-text('Chile') input")
    assert await Job.filter(organization_id=organization.id).count() == 0
    await page.click("button[name=intent][value=draft]")
    await page.wait_for_load_state()
    job = await Job.get(organization_id=organization.id)
    assert (job.title, job.remote_countries) == ("Investigadora remota", ",CL,UY,")
    await context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_on_a_phone_the_dashboard_pages_each_group_of_jobs(chromium, live_server, javascript):
    """An organization with more drafts than a page holds: on a phone, the drafts' own page
    links lead to the next page while the published jobs stay in view, nothing scrolls
    sideways, and the links fit the screen."""
    base = live_server.url
    organization = await make_organization("paged-clinic", name="Paged Clinic")
    await make_account("owner@paged.example.org", organization, role=Role.OWNER)
    await make_job(organization, live_server.settings, JobStatus.PUBLISHED, title="Open one")
    for number in range(27):
        await make_job(
            organization, live_server.settings, JobStatus.DRAFT, title=f"Draft {number:02d}"
        )
    context = await chromium.new_context(
        viewport=WIDTHS["phone"], java_script_enabled=javascript, bypass_csp=True
    )
    page = await context.new_page()
    await _sign_in(page, base, "owner@paged.example.org")
    await page.goto(f"{base}/dashboard/jobs?lang=ja")
    drafts = page.locator("#group-drafts")
    assert await drafts.locator("tbody tr").count() == 25
    await drafts.locator("nav.pagination a[rel=next]").click()
    await page.wait_for_load_state()
    assert "drafts_page=2" in page.url
    assert await page.locator("#group-drafts tbody tr").count() == 2
    assert "Open one" in await page.inner_text("#group-open")
    width = WIDTHS["phone"]["width"]
    nav = await page.locator("#group-drafts nav.pagination").bounding_box()
    assert nav["x"] >= 0 and nav["x"] + nav["width"] <= width
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    check = _check if javascript else _not_checked
    await check(page, "jobs-dashboard-page-2", "ja", "phone")
    await context.close()


async def test_on_a_phone_the_job_facts_and_apply_come_first_and_results_lead_back(
    chromium, live_server
):
    """390 px wide: the summary box fits the screen, the Apply action is on the first screen
    above a long description, nothing scrolls sideways; and, without JavaScript, a result
    opened from page 2 of a search leads back to that page."""
    base = live_server.url
    organization = await make_organization("phone-clinic", name="Phone Clinic")
    long_description = "\n\n".join(
        f"Paragraph {number}: the investigator reviews case files, interviews witnesses and "
        "works with attorneys to free innocent people."
        for number in range(30)
    )
    for number in range(3):
        await make_job(
            organization,
            live_server.settings,
            JobStatus.PUBLISHED,
            title=f"Exoneration Investigator {number}",
            description=long_description,
            apply_email="applications.for.the.investigator.position@phone-clinic.example.org",
        )
    context = await chromium.new_context(
        viewport=WIDTHS["phone"], java_script_enabled=False, bypass_csp=True
    )
    page = await context.new_page()
    await page.goto(f"{base}/jobs?q=investigator&per_page=1&page=2")
    await page.click("main .results h3 a")
    await page.wait_for_load_state()
    viewport = WIDTHS["phone"]
    facts = await page.locator(".job-facts").bounding_box()
    apply = await page.locator("a.button.apply").bounding_box()
    description = await page.locator(".description").bounding_box()
    assert facts["x"] >= 0 and facts["x"] + facts["width"] <= viewport["width"]
    assert apply["x"] + apply["width"] <= viewport["width"]
    assert apply["y"] + apply["height"] <= viewport["height"], apply
    assert apply["y"] < description["y"]
    scroll_width = await page.evaluate("document.documentElement.scrollWidth")
    wide = await page.evaluate(
        "(width) => [...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > width).map(e => e.outerHTML.slice(0, 80))",
        viewport["width"],
    )
    assert scroll_width <= viewport["width"], wide
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "job-apply-en-phone.png"))
    await page.click("text=Back to results")
    await page.wait_for_load_state()
    assert page.url == f"{base}/jobs?q=investigator&page=2&per_page=1"
    nav = await page.locator("nav.pagination").bounding_box()
    assert nav["x"] + nav["width"] <= viewport["width"]
    assert await page.locator("nav.pagination [aria-current=page]").inner_text() == "2"
    await context.close()


async def test_apply_approve_and_hand_out_a_token_and_an_invitation_in_spanish(
    chromium, live_server
):
    """Applying for membership, an administrator's approval, the owner's API token and an
    editor's invitation, all through the pages in Spanish, each page checked by axe."""
    base = live_server.url
    await make_admin()
    applicant = await chromium.new_context(viewport=WIDTHS["desktop"], bypass_csp=True)
    page = await applicant.new_page()
    await page.goto(f"{base}/apply?lang=es")
    await _check(page, "flow-apply", "es", "desktop")
    await page.fill("#f-name", "Clínica de Revisión Penal")
    await page.select_option("#f-kind", "law_school_clinic")
    await page.fill("#f-contact_email", "contacto@revision.example.org")
    await page.fill("#f-city", "Rosario")
    await page.select_option("#f-country", label="Argentina")
    await page.check("#f-languages label:has-text('español') input")
    await page.check("#f-languages label:has-text('inglés') input")
    await page.fill("#f-applicant_name", "Lucía Gómez")
    await page.fill("#f-email", "lucia@revision.example.org")
    await page.fill("#f-password", PASSWORD)
    # The session ends while the form is open: sending it shows it again as typed (but
    # the password), asking to send it again, instead of an error page.
    await applicant.clear_cookies(name="amicus_session")
    await page.click("main form button[type=submit]")
    await page.wait_for_load_state()
    await _check(page, "flow-apply-expired", "es", "desktop")
    assert await page.input_value("#f-name") == "Clínica de Revisión Penal"
    assert await page.input_value("#f-password") == ""
    assert "no se guardó nada" in await page.inner_text("[role=status]")
    await page.fill("#f-password", PASSWORD)
    await page.click("main form button[type=submit]")
    await page.wait_for_load_state()
    await _check(page, "flow-apply-received", "es", "desktop")
    assert "lucia@revision.example.org" in await page.inner_text("main")

    admin = await chromium.new_context(viewport=WIDTHS["desktop"], bypass_csp=True)
    admin_page = await admin.new_page()
    await admin_page.goto(f"{base}/sign-in?lang=es")
    await _sign_in(admin_page, base, "admin@network.example.org")
    await admin_page.goto(f"{base}/admin/applications")
    await _check(admin_page, "flow-applications", "es", "desktop")
    await admin_page.click("main a:has-text('Clínica de Revisión Penal')")
    await admin_page.wait_for_load_state()
    await _check(admin_page, "flow-application", "es", "desktop")
    await admin_page.click("main form[action$='/approve'] button")
    await admin_page.wait_for_load_state()
    await _check(admin_page, "flow-approved", "es", "desktop")
    assert "activa" in await admin_page.inner_text("#status")

    await page.goto(f"{base}/sign-in")
    await _sign_in(page, base, "lucia@revision.example.org")
    await page.goto(f"{base}/dashboard")
    await _check(page, "flow-dashboard", "es", "desktop")
    await page.fill("#f-token_name", "sitio web")
    await page.click("form[action$='/dashboard/tokens'] button[type=submit]")
    await page.wait_for_load_state()
    await _check(page, "flow-token", "es", "desktop")
    secret = await page.inner_text("#new-token-secret")
    # The secret shown once works: the new member posts a job through the API with it.
    posted = await page.request.post(
        f"{base}/api/jobs",
        data=json.dumps(job_input()),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    assert posted.status == 201, await posted.text()
    # Opening the token page's address again leads back to the dashboard, not an error.
    await page.goto(page.url)
    assert page.url.endswith("/dashboard")

    await page.fill("#f-email", "martin@revision.example.org")
    await page.click("form[action$='/dashboard/invitations'] button[type=submit]")
    await page.wait_for_load_state()
    await _check(page, "flow-invitation-link", "es", "desktop")
    link = await page.inner_text("#invitation-link")

    editor = await chromium.new_context(viewport=WIDTHS["phone"], bypass_csp=True)
    editor_page = await editor.new_page()
    await editor_page.goto(f"{link}?lang=es")
    await _check(editor_page, "flow-invitation", "es", "phone")
    await editor_page.fill("#f-display_name", "Martín Ruiz")
    await editor_page.fill("#f-password", PASSWORD)
    await editor_page.click("main form button[type=submit]")
    await editor_page.wait_for_load_state()
    await _check(editor_page, "flow-editor-dashboard", "es", "phone")
    assert "Clínica de Revisión Penal" in await editor_page.inner_text("main")
    for context in (applicant, admin, editor):
        await context.close()
