"""schema.org JobPosting JSON-LD: complete for on-site and remote jobs, safe to embed."""

from __future__ import annotations

import json
import re

import pytest

from app import site_urls
from core.settings import Settings
from jobs.jsonld import job_posting, script_tag
from jobs.models import Job, JobStatus
from tests.helpers_directory import make_organization
from tests.helpers_jobs import make_job, remote_job_input

# What search engines require or recommend for a JobPosting.
REQUIRED = {"title", "description", "datePosted", "hiringOrganization", "identifier"}
RECOMMENDED = {"validThrough", "employmentType", "baseSalary", "url", "inLanguage", "directApply"}
_JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


async def posting_on_page(api, job: Job) -> dict:
    page = await api.get(f"/jobs/{job.slug}")
    (block,) = _JSON_LD.findall(page.text)
    return json.loads(block)


async def test_an_on_site_job_has_a_complete_posting_with_a_postal_address(api, live_server):
    organization = await make_organization(
        "onsite-clinic", name="Onsite Innocence Clinic", website="https://onsite.example.org"
    )
    job = await make_job(organization, live_server.settings, JobStatus.PUBLISHED)
    posting = await posting_on_page(api, job)
    assert set(posting) >= REQUIRED | RECOMMENDED
    assert posting["@context"] == "https://schema.org" and posting["@type"] == "JobPosting"
    assert posting["identifier"] == {
        "@type": "PropertyValue",
        "name": "Onsite Innocence Clinic",
        "value": job.uid,
    }
    assert posting["hiringOrganization"] == {
        "@type": "Organization",
        "name": "Onsite Innocence Clinic",
        "sameAs": "https://onsite.example.org",
        "url": f"{live_server.url}/orgs/onsite-clinic",
    }
    assert posting["jobLocation"] == {
        "@type": "Place",
        "address": {
            "@type": "PostalAddress",
            "addressLocality": "New York",
            "addressRegion": "NY",
            "addressCountry": "US",
        },
    }
    assert "jobLocationType" not in posting
    assert posting["baseSalary"] == {
        "@type": "MonetaryAmount",
        "currency": "USD",
        "value": {
            "@type": "QuantitativeValue",
            "minValue": 85000,
            "maxValue": 110000,
            "unitText": "YEAR",
        },
    }
    assert posting["employmentType"] == "FULL_TIME"
    assert posting["directApply"] is False
    assert posting["url"] == f"{live_server.url}/jobs/{job.slug}"
    assert posting["validThrough"].endswith("T23:59:59+00:00")
    assert posting["description"].startswith("<p>Represent <strong>innocent</strong>")


async def test_a_remote_job_is_telecommute_with_applicant_countries(api, live_server):
    organization = await make_organization("remote-clinic")
    overrides = remote_job_input(salary_min=None, salary_max=None, salary_note="Stipend")
    job = await make_job(organization, live_server.settings, JobStatus.PUBLISHED, **overrides)
    posting = await posting_on_page(api, job)
    assert set(posting) >= REQUIRED
    assert posting["jobLocationType"] == "TELECOMMUTE"
    assert posting["applicantLocationRequirements"] == [
        {"@type": "Country", "name": "US"},
        {"@type": "Country", "name": "CA"},
    ]
    assert "jobLocation" not in posting and "baseSalary" not in posting


async def test_the_posting_is_deterministic_and_cannot_break_out_of_its_script(live_server):
    organization = await make_organization("hostile-clinic", name="</script><script>alert(1)")
    job = await make_job(
        organization, live_server.settings, JobStatus.PUBLISHED, title="A </script> & <!-- title"
    )
    first = job_posting(
        job, organization, site_urls(Settings(base_url="https://amicus.example.org"))
    )
    again = job_posting(
        await Job.get(id=job.id),
        organization,
        site_urls(Settings(base_url="https://amicus.example.org")),
    )
    assert first == again
    tag = str(script_tag(first))
    assert tag.count("</script>") == 1 and "<!--" not in tag
    assert json.loads(_JSON_LD.search(tag).group(1)) == first


async def test_list_pages_carry_no_json_ld(api, live_server):
    organization = await make_organization("list-clinic")
    await make_job(organization, live_server.settings, JobStatus.PUBLISHED)
    for path in ("/", "/orgs/list-clinic", "/jobs", "/jobs?q=attorney"):
        page = await api.get(path)
        assert "application/ld+json" not in page.text, path


@pytest.mark.parametrize("state", [JobStatus.CLOSED, JobStatus.FILLED, JobStatus.EXPIRED])
async def test_ended_jobs_carry_no_json_ld(api, live_server, state):
    job = await make_job(await make_organization("ended-ld"), live_server.settings, state)
    page = await api.get(f"/jobs/{job.slug}")
    assert page.status_code == 200 and "application/ld+json" not in page.text
