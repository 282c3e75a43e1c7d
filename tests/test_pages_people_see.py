"""What people see on the pages: words instead of internals, their language kept and
remembered, dates, money and country names in that language, a notice after each action."""

from __future__ import annotations

import re

import lxml.html

from core.i18n import in_language
from directory.models import OrganizationStatus, Role
from feeds.aggregate.passes import run_pass
from feeds.models import FeedSubscription
from jobs.models import Job, JobStatus
from tests.helpers_directory import make_account, make_admin, make_organization, sign_in
from tests.helpers_federation import subscribe
from tests.helpers_hostile_servers import raw_server, replying
from tests.helpers_jobs import job_input, make_job

INTERNALS = re.compile(r"<function |object at 0x|<bound method ")


async def test_the_dashboard_names_the_membership_status_in_every_language(new_browser):
    organization = await make_organization("status-clinic")
    await make_account("owner@status.example.org", organization)
    browser = new_browser()
    await sign_in(browser, "owner@status.example.org")
    for language, word in (("en", "active"), ("es", "activa"), ("ja", "有効")):
        page = await browser.get(f"/dashboard?lang={language}")
        assert page.status_code == 200
        assert not INTERNALS.search(page.text), page.text
        status_line = page.text.split('id="status-heading"')[1].split("</p>")[0]
        assert word in status_line.lower(), status_line


async def test_feeds_say_they_are_utf8_and_a_search_has_a_page_on_how_to_follow_it(
    browser, live_server
):
    feed = await browser.get("/jobs/feed.atom?q=attorney")
    assert feed.headers["content-type"] == "application/atom+xml; charset=utf-8"
    json_feed = await browser.get("/jobs/feed.json")
    assert json_feed.headers["content-type"] == "application/feed+json; charset=utf-8"
    search = await browser.get("/jobs?q=attorney&country=AR")
    link = re.search(r'href="(/follow/jobs\?[^"]+)"', search.text)
    assert link, "the search page links no page on following it"
    follow = await browser.get(link.group(1).replace("&amp;", "&"))
    assert follow.status_code == 200 and "feed reader" in follow.text
    assert f"{live_server.url}/jobs/feed.atom?q=attorney&amp;country=AR" in follow.text
    assert (await browser.get("/follow/jobs?posted_within=0")).status_code == 400


async def test_the_language_switcher_keeps_the_search_and_the_choice_is_remembered(browser):
    page = await browser.get("/jobs?q=abogado&country=AR&work_mode=remote")
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in page.headers["vary"].split(",")}
    switch = re.search(r'<a href="([^"]+)" lang="es"', page.text)
    assert switch, "no link to the Spanish page"
    target = switch.group(1).replace("&amp;", "&")
    assert target == "?q=abogado&country=AR&work_mode=remote&lang=es"
    spanish = await browser.get("/jobs" + target)
    assert '<html lang="es"' in spanish.text
    assert "lang=es" in spanish.headers["set-cookie"]
    # The cookie carries the choice to the next page, whatever the browser's languages.
    later = await browser.get("/directory", headers={"Accept-Language": "en"})
    assert '<html lang="es"' in later.text


async def test_country_names_dates_and_salaries_are_in_the_page_language(browser, live_server):
    organization = await make_organization("locale-org", country="JP")
    await make_job(organization, live_server.settings, JobStatus.PUBLISHED, country="JP")
    job = await Job.get(organization_id=organization.id)
    spanish = await browser.get(f"/jobs/{job.slug}?lang=es")
    assert "Japón" in spanish.text and "Japan" not in spanish.text
    assert "85.000\xa0US$" in spanish.text and "85.000,00" not in spanish.text
    english = await browser.get(f"/jobs/{job.slug}?lang=en")
    assert "$85,000" in english.text and "$85,000.00" not in english.text
    shown = re.sub(r'datetime="[^"]+"', "", english.text.split("<main")[1])
    assert job.valid_through.date().isoformat() not in shown
    japanese = await browser.get(f"/jobs/{job.slug}?lang=ja")
    assert "日本" in japanese.text
    results = await browser.get("/jobs?lang=es")
    assert "<time datetime=" in results.text and "&lt;time" not in results.text
    assert "Japón" in results.text
    apply_form = await browser.get("/apply?lang=es")
    assert ">Alemania</option>" in apply_form.text and ">Germany<" not in apply_form.text


async def test_a_filled_job_offers_no_renewal_and_actions_leave_a_notice(new_browser, live_server):
    organization = await make_organization("notice-clinic")
    await make_account("editor@notice.example.org", organization, role=Role.EDITOR)
    poster = new_browser()
    await sign_in(poster, "editor@notice.example.org")
    form = {k: "" if v is None else str(v) for k, v in job_input(intent="publish").items()}
    published = await poster.submit("/dashboard/jobs/new", form)
    assert published.status_code == 303
    dashboard = await poster.get("/dashboard/jobs")
    assert "waits for review" in dashboard.text
    assert "waits for review" not in (await poster.get("/dashboard/jobs")).text  # shown once
    job = await Job.get(organization_id=organization.id)

    await make_admin()
    admin = new_browser()
    await sign_in(admin, "admin@network.example.org")
    moderation = await admin.get("/admin/jobs")
    assert "<details" in moderation.text  # removing asks for confirmation first
    approved = await admin.submit(f"/admin/jobs/{job.id}/approve", {}, form_page="/admin/jobs")
    assert approved.status_code == 303
    assert "is published and appears in search" in (await admin.get("/admin/jobs")).text

    dashboard = await poster.get("/dashboard/jobs")
    row = dashboard.text.split(f'id="job-{job.id}"')[1].split("</tr>")[0]
    assert re.search(r"<details[^>]*>\s*<summary[^>]*>Mark filled", row), row
    filled = await poster.submit(
        f"/dashboard/jobs/{job.id}/fill", {"reason": "Hired"}, form_page="/dashboard/jobs"
    )
    assert filled.status_code == 303
    dashboard = await poster.get("/dashboard/jobs")
    assert "is marked filled" in dashboard.text
    row = dashboard.text.split(f'id="job-{job.id}"')[1].split("</tr>")[0]
    assert "Renew" not in row and "ended" in row and "Hired" in row


async def test_pages_shown_after_a_post_can_be_opened_again(new_browser):
    organization = await make_organization("token-clinic")
    await make_account("owner@token.example.org", organization)
    browser = new_browser()
    await sign_in(browser, "owner@token.example.org")
    for path in ("/dashboard/tokens", "/dashboard/invitations"):
        again = await browser.get(path)
        assert again.status_code == 303 and again.headers["location"] == "/dashboard"


async def test_right_to_left_jobs_are_laid_out_right_to_left_and_titles_carry_their_language(
    browser, live_server
):
    organization = await make_organization("rtl-org")
    await make_job(
        organization, live_server.settings, JobStatus.PUBLISHED, title="עורך דין", language="he"
    )
    job = await Job.get(organization_id=organization.id)
    page = await browser.get(f"/jobs/{job.slug}")
    assert '<article class="job" lang="he" dir="rtl">' in page.text
    results = await browser.get("/jobs")
    assert '<span lang="he" dir="rtl">עורך דין</span>' in results.text


async def test_robots_txt_a_favicon_and_no_index_past_the_first_page_of_a_search(
    browser, live_server
):
    robots = await browser.get("/robots.txt")
    assert robots.status_code == 200 and "Disallow: /dashboard" in robots.text
    home = await browser.get("/")
    icon = re.search(r'<link rel="icon" href="([^"]+)"', home.text)
    assert icon and (await browser.get(icon.group(1))).status_code == 200
    organization = await make_organization("paged-org")
    for number in range(3):
        await make_job(organization, live_server.settings, title=f"Paralegal {number}")
    first = await browser.get("/jobs?per_page=2")
    second = await browser.get("/jobs?per_page=2&page=2")
    assert "noindex" not in first.text and '<meta name="robots" content="noindex">' in second.text


async def test_an_organizations_admin_page_names_roles_and_history_in_the_page_language(
    new_browser,
):
    organization = await make_organization("history-clinic", status=OrganizationStatus.APPLIED)
    await make_account("lead@history.example.org", organization, role=Role.OWNER)
    await make_admin()
    admin = new_browser()
    await sign_in(admin, "admin@network.example.org")
    approved = await admin.submit(
        "/admin/orgs/history-clinic/approve", {}, form_page="/admin/orgs/history-clinic"
    )
    assert approved.status_code == 303
    await admin.submit(
        "/admin/orgs/history-clinic/trust", {}, form_page="/admin/orgs/history-clinic"
    )
    page = lxml.html.fromstring((await admin.get("/admin/orgs/history-clinic?lang=es")).text)
    people = " ".join(
        item.text_content() for item in page.xpath("//h2[2]/following-sibling::ul[1]/li")
    )
    assert "propietario" in people and "owner" not in people.replace("lead@", "")
    rows = [
        [cell.text_content().strip() for cell in row.xpath("td")[2:5]]
        for row in page.xpath('//tr[@class="event"]')
    ]
    assert rows == [
        ["de confianza", "sin confianza", "de confianza"],
        ["aprobada", "en espera de revisión", "activa"],
    ]


async def test_a_feeds_health_is_marked_with_the_language_it_was_written_in(
    new_browser, live_server
):
    """The aggregator writes a failing feed's reason in one language, even when the pass
    runs while another is in use; a Spanish page says in which (lang) instead of passing
    English off as Spanish, and translates everything else around it."""
    async with raw_server({"/broken": replying(503, b"busy")}) as server:
        subscription = await subscribe(f"{server.url}/broken")
        with in_language("es"):
            await run_pass(live_server.settings)
    stored = await FeedSubscription.get(id=subscription.id)
    assert stored.last_error.startswith("The server answered 503")
    await make_admin()
    admin = new_browser()
    await sign_in(admin, "admin@network.example.org")
    page = lxml.html.fromstring((await admin.get("/admin/feeds?lang=es")).text)
    reason = page.xpath('//span[starts-with(., "The server answered")]')[0]
    assert reason.get("lang") == "en"
    headings = [cell.text_content() for cell in page.xpath("//th")]
    assert "Fallos consecutivos" in headings
