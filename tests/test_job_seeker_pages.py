"""What a job seeker sees in results and on a job page: salary and a snippet in each result,
the way back to the exact result page, and the organization's other open jobs."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from jobs.snippets import SNIPPET_LENGTH, snippet
from tests.helpers_feeds import make_job, make_organization

LONG_DESCRIPTION = (
    "<h2>About us</h2><p>We free <strong>innocent</strong> people &amp; fight for reform. "
    + " ".join(f"filler{number}" for number in range(80))
    + " The paralegal keeps the case files and meets clients in prison.</p>"
)


def _rows(page: str) -> list[str]:
    results = page.split('<ul class="results">')[1].split("</ul>")[0]
    return results.split("<li>")[1:]


def _description(markup: str) -> SimpleNamespace:
    return SimpleNamespace(description_html=markup, description_markdown="")


def test_a_snippet_is_plain_text_cut_at_a_word_and_found_around_the_matched_word() -> None:
    opening = snippet(_description(LONG_DESCRIPTION))
    assert opening.startswith("About us We free innocent people & fight")
    assert "<" not in opening and "&amp;" not in opening
    assert len(opening) <= SNIPPET_LENGTH + 1 and opening.endswith("…")
    assert re.search(r"filler\d+…$", opening), opening  # ends with a whole word
    around = snippet(_description(LONG_DESCRIPTION), ["paralegal"])
    assert around.startswith("…") and "The paralegal keeps the case files" in around
    # A word of the opening keeps the opening; a short text is shown whole.
    assert snippet(_description(LONG_DESCRIPTION), ["innocent"]) == opening
    assert snippet(_description("<p>Short.</p>"), ["x"]) == "Short."
    japanese = snippet(_description("<p>" + "無実の人を救う弁護士。" * 40 + "</p>"))
    assert len(japanese) == SNIPPET_LENGTH + 1 and japanese.endswith("…")


async def test_each_result_shows_its_salary_in_the_page_language_and_a_snippet(api) -> None:
    organization = await make_organization()
    await make_job(organization, "Paralegal", description_html=LONG_DESCRIPTION)
    await make_job(
        organization,
        "Volunteer Investigator",
        salary_min=None,
        salary_max=None,
        salary_currency="",
        salary_unit=None,
        salary_note="",
    )
    page = await api.get("/jobs", params={"q": "paralegal"})
    (row,) = _rows(page.text)
    assert '<p class="salary">$60,000 – $75,000.50 per year</p>' in row
    snippet_html = re.search(r'<p class="snippet" lang="en" dir="ltr">([^<]+)</p>', row)
    assert snippet_html, row
    assert "The paralegal keeps the case files" in html.unescape(snippet_html.group(1))
    assert "<strong>" not in row
    spanish = await api.get("/jobs", params={"q": "paralegal", "lang": "es"})
    assert "60.000\xa0US$ – 75.000,50\xa0US$ por año" in _rows(spanish.text)[0]
    # A note instead of amounts is shown in the job's own language; none, no line at all.
    await make_job(
        organization,
        "Abogada paralegal",
        language="es",
        salary_min=None,
        salary_max=None,
        salary_note="Según experiencia",
    )
    noted = _rows((await api.get("/jobs", params={"q": "abogada"})).text)[0]
    assert '<p class="salary" lang="es" dir="ltr">Según experiencia</p>' in noted
    unpaid = _rows((await api.get("/jobs", params={"q": "volunteer"})).text)[0]
    assert 'class="salary"' not in unpaid and 'class="snippet"' in unpaid


async def test_the_job_page_leads_back_to_the_exact_result_page_it_was_opened_from(
    api, live_server
) -> None:
    organization = await make_organization()
    for number in range(3):
        await make_job(organization, f"Attorney {number}")
    results = await api.get(
        "/jobs", params={"q": "attorney", "per_page": "1", "page": "2", "lang": "es"}
    )
    job_link = re.search(r'<h3><a href="(/jobs/[^"?]+)">', results.text)
    assert job_link, "results link the job's own address, without parameters"
    referer = f"{live_server.url}/jobs?q=attorney&per_page=1&page=2&lang=es&utm_source=x"
    job_page = await api.get(job_link.group(1), headers={"Referer": referer})
    back = re.search(r'<p class="back"><a href="([^"]+)">([^<]+)</a>', job_page.text)
    assert back, "no way back to the results"
    assert html.unescape(back.group(1)) == "/jobs?q=attorney&page=2&per_page=1"
    assert "Referer" in job_page.headers["vary"]
    # The canonical address stays the job's own, whatever the visitor came from.
    canonical = f'<link rel="canonical" href="{live_server.url}{job_link.group(1)}">'
    assert canonical in job_page.text
    spanish = await api.get(job_link.group(1), headers={"Referer": referer}, params={"lang": "es"})
    assert "Volver a los resultados" in spanish.text
    # From another site, another page of this one, or a broken search: no link.
    for other in (
        "https://elsewhere.example/jobs?q=attorney",
        f"{live_server.url}/directory",
        f"{live_server.url}/jobs?posted_within=0",
        "not a url",
    ):
        page = await api.get(job_link.group(1), headers={"Referer": other})
        assert page.status_code == 200 and 'class="back"' not in page.text, other


async def test_the_job_page_lists_other_open_jobs_of_the_organization(api) -> None:
    now = datetime.now(UTC)
    organization = await make_organization(name="Ohio Innocence Project")
    job = await make_job(organization, "Staff Attorney")
    for number in range(4):
        await make_job(
            organization, f"Investigator {number}", posted_at=now - timedelta(hours=number)
        )
    await make_job(organization, "Filled Paralegal", status="filled")
    await make_job(organization, "Expired Clerk", valid_through=now - timedelta(days=1))
    other = await make_organization("other-clinic", name="Other Clinic")
    await make_job(other, "Elsewhere Attorney")

    page = await api.get(f"/jobs/{job.slug}")
    section = page.text.split('id="more-jobs-heading"')[1].split("</section>")[0]
    assert "More jobs from Ohio Innocence Project" in section
    titles = re.findall(r'<span lang="en" dir="ltr">([^<]+)</span>', section)
    assert titles == ["Investigator 0", "Investigator 1", "Investigator 2"]
    assert 'href="/orgs/ohio-innocence-project"' in section
    japanese = await api.get(f"/jobs/{job.slug}", params={"lang": "ja"})
    assert "Ohio Innocence Projectのその他の求人" in japanese.text

    # An organization with no other open job shows no such list.
    lonely = await api.get(f"/jobs/{(await other.jobs.all())[0].slug}")
    assert "more-jobs-heading" not in lonely.text
