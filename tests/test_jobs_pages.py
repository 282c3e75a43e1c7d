"""Job pages over HTTP: posting from the dashboard, actions, moderation and the job page."""

from __future__ import annotations

import json
import re

import pytest

from directory.models import AuditEvent, OrganizationStatus, Role
from jobs.models import Job, JobStatus
from tests.helpers_directory import make_account, make_admin, make_organization, sign_in
from tests.helpers_jobs import in_days, job_input, make_job

S = JobStatus
_JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def form(**overrides):
    data = job_input(**overrides)
    data["remote_countries"] = ", ".join(data.get("remote_countries", []))
    return {key: "" if value is None else str(value) for key, value in data.items()}


@pytest.fixture
async def poster(browser, live_server):
    """A signed-in editor of an active, untrusted organization."""
    organization = await make_organization("dash-clinic")
    await make_account("editor@dash.example.org", organization, role=Role.EDITOR)
    await sign_in(browser, "editor@dash.example.org")
    return browser, organization


async def test_an_editor_posts_a_job_from_the_dashboard_and_it_awaits_review(poster):
    browser, organization = poster
    response = await browser.submit("/dashboard/jobs/new", form(intent="publish"))
    assert response.status_code == 303 and response.headers["location"] == "/dashboard/jobs"
    job = await Job.get(organization_id=organization.id)
    assert job.status == S.PENDING_REVIEW
    dashboard = await browser.get("/dashboard/jobs")
    assert job.title in dashboard.text and 'data-status="pending_review"' in dashboard.text


async def test_saving_as_draft_then_editing_keeps_it_a_draft(poster):
    browser, organization = poster
    await browser.submit("/dashboard/jobs/new", form(intent="draft"))
    job = await Job.get(organization_id=organization.id)
    assert job.status == S.DRAFT
    edit_page = await browser.get(f"/dashboard/jobs/{job.id}/edit")
    assert 'value="Staff Attorney' in edit_page.text
    response = await browser.submit(f"/dashboard/jobs/{job.id}/edit", form(title="Paralegal"))
    assert response.status_code == 303
    job = await Job.get(id=job.id)
    assert (job.title, job.status) == ("Paralegal", S.DRAFT)


async def test_owner_actions_close_fill_and_renew_with_records(poster, live_server):
    browser, organization = poster
    job = await make_job(organization, live_server.settings, S.PUBLISHED)
    response = await browser.submit(
        f"/dashboard/jobs/{job.id}/fill", {}, form_page="/dashboard/jobs"
    )
    assert response.status_code == 303
    assert (await Job.get(id=job.id)).status == S.FILLED
    dashboard = await browser.get("/dashboard/jobs")
    row = dashboard.text.split(f'id="job-{job.id}"')[1].split("</tr>")[0]
    assert "ended" in row and "Renew" not in row
    refused = await browser.submit(
        f"/dashboard/jobs/{job.id}/renew",
        {"closing_date": in_days(45)},
        form_page="/dashboard/jobs",
    )
    assert refused.status_code == 409
    job = await make_job(organization, live_server.settings, S.CLOSED, title="Investigator")
    renewed = await browser.submit(
        f"/dashboard/jobs/{job.id}/renew",
        {"closing_date": in_days(45)},
        form_page="/dashboard/jobs",
    )
    assert renewed.status_code == 303
    job = await Job.get(id=job.id)
    # The organization is not trusted: renewing goes through review again.
    assert job.status == S.PENDING_REVIEW
    assert job.valid_through.date().isoformat() == in_days(45)
    events = await AuditEvent.filter(actor_label="editor@dash.example.org")
    assert sorted(event.action for event in events) == ["fill", "renew"]


async def test_an_illegal_action_answers_409_with_the_reason(poster, live_server):
    browser, organization = poster
    job = await make_job(organization, live_server.settings, S.CLOSED)
    response = await browser.submit(
        f"/dashboard/jobs/{job.id}/fill", {}, form_page="/dashboard/jobs"
    )
    assert response.status_code == 409
    assert "closed" in response.text
    assert (await Job.get(id=job.id)).status == S.CLOSED


async def test_other_organizations_jobs_are_not_found(poster, live_server):
    browser, _organization = poster
    other = await make_organization("other-dash")
    job = await make_job(other, live_server.settings, S.PUBLISHED)
    assert (await browser.get(f"/dashboard/jobs/{job.id}/edit")).status_code == 404
    closing = await browser.submit(
        f"/dashboard/jobs/{job.id}/close", {}, form_page="/dashboard/jobs"
    )
    assert closing.status_code == 404
    assert (await Job.get(id=job.id)).status == S.PUBLISHED


async def test_only_editors_and_owners_of_active_organizations_post(new_browser, live_server):
    suspended = await make_organization("suspended", status=OrganizationStatus.SUSPENDED)
    await make_account("owner@suspended.example.org", suspended)
    await make_admin()
    for email in ("owner@suspended.example.org", "admin@network.example.org"):
        browser = new_browser()
        await sign_in(browser, email)
        assert (await browser.get("/dashboard/jobs/new")).status_code == 403
    anonymous = new_browser()
    page = await anonymous.get("/dashboard/jobs")
    assert page.status_code == 303 and page.headers["location"].startswith("/sign-in")
    assert await Job.all().count() == 0


async def test_a_posting_without_a_csrf_token_is_refused(poster):
    browser, _organization = poster
    response = await browser.http.post("/dashboard/jobs/new", data=form(intent="publish"))
    assert response.status_code == 403
    assert await Job.all().count() == 0


async def test_administrators_approve_and_remove_from_the_moderation_queue(
    new_browser, live_server
):
    organization = await make_organization("queue-clinic")
    waiting = await make_job(organization, live_server.settings, S.PENDING_REVIEW, title="Waiting")
    spam = await make_job(organization, live_server.settings, S.PENDING_REVIEW, title="Spam")
    await make_admin()
    admin = new_browser()
    await sign_in(admin, "admin@network.example.org")
    queue = await admin.get("/admin/jobs")
    assert "Waiting" in queue.text and "Spam" in queue.text
    approved = await admin.submit(f"/admin/jobs/{waiting.id}/approve", {}, form_page="/admin/jobs")
    assert approved.status_code == 303
    no_reason = await admin.submit(f"/admin/jobs/{spam.id}/remove", {}, form_page="/admin/jobs")
    assert no_reason.status_code == 422
    removed = await admin.submit(
        f"/admin/jobs/{spam.id}/remove", {"reason": "Not a real opening"}, form_page="/admin/jobs"
    )
    assert removed.status_code == 303
    assert (await Job.get(id=waiting.id)).status == S.PUBLISHED
    spam = await Job.get(id=spam.id)
    assert (spam.status, spam.status_reason) == (S.REMOVED, "Not a real opening")
    event = await AuditEvent.get(subject_id=spam.id, action="remove")
    assert (event.actor_label, event.reason) == ("admin@network.example.org", "Not a real opening")


async def test_members_cannot_moderate(poster, live_server):
    browser, organization = poster
    job = await make_job(organization, live_server.settings, S.PENDING_REVIEW)
    assert (await browser.get("/admin/jobs")).status_code == 403
    response = await browser.submit(
        f"/admin/jobs/{job.id}/approve", {}, form_page="/dashboard/jobs"
    )
    assert response.status_code == 403
    assert (await Job.get(id=job.id)).status == S.PENDING_REVIEW


async def test_a_published_job_page_carries_json_ld_and_apply_links(browser, live_server):
    organization = await make_organization("page-clinic", website="https://page.example.org")
    job = await make_job(organization, live_server.settings, S.PUBLISHED)
    for key in (job.slug, job.uid):
        page = await browser.get(f"/jobs/{key}")
        assert page.status_code == 200
        assert 'name="robots"' not in page.text
        assert "https://example.org/careers/staff-attorney" in page.text
        (block,) = _JSON_LD.findall(page.text)
        posting = json.loads(block)
        assert posting["@type"] == "JobPosting" and posting["identifier"]["value"] == job.uid


@pytest.mark.parametrize("state", [S.CLOSED, S.FILLED, S.EXPIRED, S.REMOVED])
async def test_an_ended_job_page_is_reachable_marked_closed_noindex_without_json_ld(
    browser, live_server, state
):
    organization = await make_organization("ended-clinic")
    job = await make_job(organization, live_server.settings, state)
    page = await browser.get(f"/jobs/{job.slug}")
    assert page.status_code == 200
    assert '<meta name="robots" content="noindex">' in page.text
    assert "application/ld+json" not in page.text
    assert 'class="badge closed"' in page.text
    assert "How to apply" not in page.text


async def test_a_published_job_past_its_end_is_shown_closed_before_the_worker_runs(
    browser, live_server
):
    organization = await make_organization("late-clinic")
    job = await make_job(organization, live_server.settings, S.PUBLISHED)
    await Job.filter(id=job.id).update(valid_through=job.posted_at.replace(year=2000))
    page = await browser.get(f"/jobs/{job.slug}")
    assert "noindex" in page.text and "application/ld+json" not in page.text


@pytest.mark.parametrize("state", [S.DRAFT, S.PENDING_REVIEW])
async def test_unpublished_jobs_are_hidden_except_from_their_organization_and_admins(
    new_browser, live_server, state
):
    organization = await make_organization("hidden-clinic")
    await make_account("owner@hidden.example.org", organization)
    await make_account("stranger@elsewhere.example.org", await make_organization("elsewhere"))
    await make_admin()
    job = await make_job(organization, live_server.settings, state)
    expectations = {
        None: 404,
        "stranger@elsewhere.example.org": 404,
        "owner@hidden.example.org": 200,
        "admin@network.example.org": 200,
    }
    for email, status in expectations.items():
        browser = new_browser()
        if email:
            await sign_in(browser, email)
        page = await browser.get(f"/jobs/{job.slug}")
        assert page.status_code == status, email
        if status == 200:
            assert "noindex" in page.text and "application/ld+json" not in page.text


async def test_an_imported_job_names_its_source_and_links_to_the_origin(browser, live_server):
    organization = await make_organization("source-clinic")
    job = await make_job(organization, live_server.settings, S.PUBLISHED)
    await Job.filter(id=job.id).update(
        source_feed_url="https://sister.example.net/jobs/feed.atom",
        source_name="Red Inocente",
        origin_url="https://sister.example.net/jobs/abogado",
    )
    page = await browser.get(f"/jobs/{job.slug}")
    assert "via" in page.text and "Red Inocente" in page.text
    assert 'href="https://sister.example.net/jobs/abogado"' in page.text


async def test_unknown_jobs_are_not_found(browser):
    assert (await browser.get("/jobs/no-such-job-123abc")).status_code == 404
    assert (
        await browser.get("/jobs/urn:uuid:00000000-0000-0000-0000-000000000000")
    ).status_code == 404


async def test_the_organization_page_lists_its_open_jobs_only(browser, live_server):
    organization = await make_organization("listing-clinic")
    await make_job(organization, live_server.settings, S.PUBLISHED, title="Open investigator role")
    await make_job(organization, live_server.settings, S.CLOSED, title="Closed paralegal role")
    await make_job(organization, live_server.settings, S.DRAFT, title="Draft policy role")
    page = await browser.get("/orgs/listing-clinic")
    assert page.status_code == 200
    assert "Open investigator role" in page.text
    assert "Closed paralegal role" not in page.text and "Draft policy role" not in page.text
    assert "application/ld+json" not in page.text


async def test_the_dashboard_flags_jobs_closing_within_seven_days(poster, live_server):
    browser, organization = poster
    await make_job(organization, live_server.settings, S.PUBLISHED, closing_date=in_days(3))
    await make_job(organization, live_server.settings, S.PUBLISHED, closing_date=in_days(30))
    page = await browser.get("/dashboard/jobs")
    assert page.text.count("closing soon") == 1
    assert "1 job closes within 7 days" in page.text


async def test_members_and_administrators_find_job_management_from_their_dashboards(
    poster, new_browser
):
    browser, _organization = poster
    assert 'href="/dashboard/jobs"' in (await browser.get("/dashboard")).text
    await make_admin()
    admin = new_browser()
    await sign_in(admin, "admin@network.example.org")
    assert 'href="/admin/jobs"' in (await admin.get("/admin")).text


async def test_the_dashboard_pages_each_group_of_jobs_and_a_page_past_the_last_is_404(
    poster, live_server
):
    browser, organization = poster
    settings = live_server.settings
    for number in range(26):
        await make_job(organization, settings, S.DRAFT, title=f"Draft {number:02d}")
    await make_job(organization, settings, S.PUBLISHED, title="Open", closing_date=in_days(3))
    await make_job(organization, settings, S.FILLED, title="Done")

    first = await browser.get("/dashboard/jobs")
    assert first.status_code == 200
    drafts = first.text.split('id="group-drafts"')[1].split("</section>")[0]
    assert drafts.count('<tr id="job-') == 25 and "(26)" in drafts
    assert 'aria-label="Pages of drafts"' in drafts and "drafts_page=2" in drafts
    # The other groups are whole on their first page and have no page links.
    assert "Open</span>" in first.text.split('id="group-open"')[1].split("</section>")[0]
    assert "Done</span>" in first.text.split('id="group-ended"')[1].split("</section>")[0]
    assert "open_page=" not in first.text and "ended_page=" not in first.text
    assert "1 job closes within 7 days" in first.text

    second = await browser.get("/dashboard/jobs?drafts_page=2")
    drafts = second.text.split('id="group-drafts"')[1].split("</section>")[0]
    assert drafts.count('<tr id="job-') == 1
    # The closing-soon warning counts every published job, whatever page is shown.
    assert "Open</span>" in second.text and "1 job closes within 7 days" in second.text

    for past in ("drafts_page=3", "ended_page=2", "open_page=2"):
        missing = await browser.get(f"/dashboard/jobs?{past}")
        assert missing.status_code == 404, past
        assert "the last page is" in missing.text
    assert (await browser.get("/dashboard/jobs?drafts_page=x")).status_code == 400
    assert (await browser.get("/dashboard/jobs?drafts_page=0")).status_code == 400
