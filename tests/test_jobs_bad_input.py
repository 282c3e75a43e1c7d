"""Invalid and hostile postings get field-level errors and change nothing."""

from __future__ import annotations

import pytest

from jobs.markdown import render_markdown
from jobs.models import Job
from tests.helpers_directory import make_account, make_organization, sign_in
from tests.helpers_jobs import bearer, in_days, job_input, token_secret


@pytest.fixture
async def secret(live_server):
    return await token_secret(await make_organization("careful-clinic", trusted=True))


BAD_INPUTS = [
    pytest.param({"title": 12345}, "title", id="title-is-a-number"),
    pytest.param({"title": "x" * 201}, "title", id="title-over-200"),
    pytest.param({"title": "   "}, "title", id="title-blank"),
    pytest.param({"description": "x" * 50_001}, "description", id="description-over-50000"),
    pytest.param({"description": ["a"]}, "description", id="description-is-a-list"),
    pytest.param({"employment_type": "full-time"}, "employment_type", id="unknown-employment"),
    pytest.param({"category": "astronaut"}, "category", id="unknown-category"),
    pytest.param({"language": "klingon"}, "language", id="unknown-language"),
    pytest.param({"language": "xx"}, "language", id="unknown-language-subtag"),
    pytest.param({"country": "XX"}, "country", id="unknown-country"),
    pytest.param({"country": ""}, "country", id="on-site-without-country"),
    pytest.param({"work_mode": "moon"}, "work_mode", id="unknown-work-mode"),
    pytest.param(
        {"work_mode": "remote", "remote_countries": []}, "remote_countries", id="remote-nowhere"
    ),
    pytest.param(
        {"work_mode": "remote", "remote_countries": ["US", "ZZ"]},
        "remote_countries",
        id="remote-unknown-country",
    ),
    pytest.param({"remote_countries": 7}, "remote_countries", id="remote-countries-number"),
    pytest.param({"salary_min": -1}, "salary_min", id="negative-salary"),
    pytest.param({"salary_min": 90000, "salary_max": 50000}, "salary_max", id="inverted-salary"),
    pytest.param({"salary_min": "lots"}, "salary_min", id="salary-not-a-number"),
    pytest.param({"salary_min": True}, "salary_min", id="salary-is-a-boolean"),
    pytest.param({"salary_max": "NaN"}, "salary_max", id="salary-nan"),
    pytest.param({"salary_max": 1e300}, "salary_max", id="salary-too-large"),
    pytest.param({"salary_currency": "XYZ"}, "salary_currency", id="unknown-currency"),
    pytest.param({"salary_currency": ""}, "salary_currency", id="salary-without-currency"),
    pytest.param({"salary_unit": "FORTNIGHT"}, "salary_unit", id="unknown-salary-unit"),
    pytest.param(
        {"salary_min": None, "salary_max": None, "salary_note": ""},
        "salary_note",
        id="no-salary-and-no-reason",
    ),
    pytest.param({"apply_url": "javascript:alert(1)"}, "apply_url", id="javascript-apply-url"),
    pytest.param({"apply_url": "", "apply_email": ""}, "apply_url", id="no-way-to-apply"),
    pytest.param({"apply_email": "not-an-address"}, "apply_email", id="bad-apply-email"),
    pytest.param({"closing_date": in_days(-1)}, "closing_date", id="closing-date-in-the-past"),
    pytest.param({"closing_date": "next friday"}, "closing_date", id="closing-date-not-iso"),
    pytest.param({"closing_date": 20301231}, "closing_date", id="closing-date-a-number"),
    pytest.param({"status": "removed"}, "status", id="status-not-requestable"),
    pytest.param({"colour": "red"}, "colour", id="unknown-field"),
]


@pytest.mark.parametrize(("change", "field"), BAD_INPUTS)
async def test_bad_postings_are_refused_field_by_field_and_nothing_is_saved(
    api, secret, change, field
):
    response = await api.post("/api/jobs", json=job_input(**change), headers=bearer(secret))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert field in error["fields"], error
    assert await Job.all().count() == 0


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"[1, 2]", "application/json", 422),
        (b"{not json", "application/json", 400),
        (b"title=x", "application/x-www-form-urlencoded", 415),
        (b"\xff\xfe", "application/json", 400),
    ],
)
async def test_bodies_that_are_not_a_json_object_are_refused(
    api, secret, body, content_type, status
):
    response = await api.post(
        "/api/jobs", content=body, headers={**bearer(secret), "Content-Type": content_type}
    )
    assert response.status_code == status
    assert "error" in response.json()


async def test_an_oversized_body_is_refused_with_413(api, secret):
    huge = job_input(description="x" * 2_000_000)
    response = await api.post("/api/jobs", json=huge, headers=bearer(secret))
    assert response.status_code == 413
    assert await Job.all().count() == 0


async def test_a_bad_patch_changes_nothing(api, secret):
    uid = (await api.post("/api/jobs", json=job_input(), headers=bearer(secret))).json()["uid"]
    response = await api.patch(
        f"/api/jobs/{uid}", json={"title": "New", "salary_currency": "ZZZ"}, headers=bearer(secret)
    )
    assert response.status_code == 422
    assert (await Job.get(uid=uid)).title == job_input()["title"]


async def test_script_and_event_handler_html_in_markdown_is_stripped(api, secret):
    hostile = (
        "Hello <script>alert('x')</script> <img src=x onerror=alert(1)>"
        ' <a href="javascript:alert(2)" onclick="steal()">click</a>'
        ' <a href="https://ok.example.org" style="color:red">fine</a>'
        "\n\n<iframe src=https://evil.example></iframe><style>body{}</style>"
    )
    response = await api.post(
        "/api/jobs", json=job_input(description=hostile), headers=bearer(secret)
    )
    assert response.status_code == 201
    html = response.json()["description_html"]
    for forbidden in (
        "<script",
        "alert",
        "onerror",
        "onclick",
        "javascript:",
        "style",
        "iframe",
        "<img",
    ):
        assert forbidden not in html, forbidden
    assert '<a href="https://ok.example.org" rel="nofollow noopener ugc">fine</a>' in html


def test_markdown_links_are_marked_as_user_content():
    html = render_markdown("[our site](https://example.org) and [mail](mailto:a@example.org)")
    assert html.count('rel="nofollow noopener ugc"') == 2


async def test_the_web_form_shows_errors_beside_fields_and_keeps_the_input(browser, live_server):
    organization = await make_organization("form-clinic", trusted=True)
    await make_account("editor@form.example.org", organization)
    await sign_in(browser, "editor@form.example.org")
    form = job_input(salary_min="-5", title="Investigator <b>now</b>", intent="publish")
    form.pop("remote_countries", None)
    response = await browser.submit("/dashboard/jobs/new", form)
    assert response.status_code == 422
    assert 'id="e-salary_min"' in response.text
    assert "Investigator &lt;b&gt;now&lt;/b&gt;" in response.text
    assert await Job.all().count() == 0


async def test_the_longest_allowed_title_and_description_are_accepted(api, secret):
    posting = job_input(title="T" * 200, description="弁" * 50_000)
    response = await api.post("/api/jobs", json=posting, headers=bearer(secret))
    assert response.status_code == 201, response.text
    assert len(response.json()["title"]) == 200
