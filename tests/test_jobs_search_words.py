"""Search finds what people type: other forms of a word (Snowball stemming in English and
Spanish, the same on both databases), words naming a filter value, OR between words, and quoted phrases."""

import pytest

from jobs.models import Category, EmploymentType, WorkMode
from tests.helpers_search import make_job, make_organization


async def create_word_fixture() -> dict[str, object]:
    project = await make_organization("Innocence Project", slug="innocence-project")
    defensoria = await make_organization("Defensoría Pública", slug="defensoria", country="AR")
    return {
        "fellowship": await make_job(
            project,
            "Litigation Fellowship",
            description="A two-year fellowship in post-conviction work.",
            employment_type=EmploymentType.INTERN,
        ),
        "abogado": await make_job(
            defensoria,
            "Abogado penalista",
            description="Revisión de condenas.",
            country="AR",
            language="es",
        ),
        "remote_paralegal": await make_job(
            project, "Paralegal", category=Category.PARALEGAL, work_mode=WorkMode.REMOTE
        ),
        "investigator": await make_job(
            project,
            "Investigator",
            description="Interview witnesses.",
            category=Category.INVESTIGATOR,
        ),
        "remoto": await make_job(
            defensoria,
            "Investigador de campo",
            description="Búsqueda de testigos.",
            country="AR",
            language="es-AR",
            category=Category.INVESTIGATOR,
            work_mode=WorkMode.REMOTE,
        ),
        "japanese": await make_job(
            await make_organization("Innocence Project Japan", slug="ipj", country="JP"),
            "弁護士募集",
            description="えん罪被害者の再審を支援します。",
            country="JP",
            language="ja",
        ),
    }


async def found(api, jobs, **params) -> set[str]:
    response = await api.get("/api/jobs", params={**params, "per_page": 100})
    assert response.status_code == 200, response.text
    by_uid = {job.uid: name for name, job in jobs.items()}
    return {by_uid[item["uid"]] for item in response.json()["items"]}


@pytest.mark.parametrize(
    "words, expected",
    [
        ("fellowships", {"fellowship"}),
        ("FELLOWSHIP", {"fellowship"}),
        ("abogada", {"abogado"}),
        ("abogados", {"abogado"}),
        ("abogadas penalistas", {"abogado"}),
        ("condena", {"abogado"}),
        ("investigators", {"investigator"}),
        ("investigadores", {"remoto"}),
        ("remote", {"remote_paralegal", "remoto"}),
        ("remota", {"remote_paralegal", "remoto"}),
        ("弁護士", {"japanese"}),
        ("revision", {"abogado"}),
    ],
)
async def test_other_forms_of_a_word_find_the_job(api, words, expected):
    jobs = await create_word_fixture()
    assert await found(api, jobs, q=words) == expected


async def test_a_stem_in_one_language_does_not_find_another_languages_word(api):
    jobs = await create_word_fixture()
    # English "litigation" and Spanish "litigante" share a Snowball stem, not a meaning.
    assert await found(api, jobs, q="litigante") == set()
    assert await found(api, jobs, q="litigations") == {"fellowship"}


@pytest.mark.parametrize(
    "words, expected",
    [
        # The category's English name is in every job's text: the Spanish investigator too.
        ("paralegal OR investigator", {"remote_paralegal", "investigator", "remoto"}),
        ("paralegal O investigator", {"remote_paralegal", "investigator", "remoto"}),
        ("paralegal OR investigator remote", {"remote_paralegal", "remoto"}),
        ("fellowship OR abogado OR 弁護士", {"fellowship", "abogado", "japanese"}),
        # A lowercase "or" is a word like any other: no job holds both.
        ("paralegal or investigator", set()),
        # An OR with nothing on one side is dropped.
        ("OR paralegal OR", {"remote_paralegal"}),
    ],
)
async def test_or_between_words_finds_either(api, words, expected):
    jobs = await create_word_fixture()
    assert await found(api, jobs, q=words) == expected


async def test_or_alone_finds_nothing_rather_than_everything(api):
    jobs = await create_word_fixture()
    response = await api.get("/api/jobs", params={"q": "OR"})
    assert response.status_code == 200
    assert response.json()["total"] == 0
    assert await found(api, jobs, q="OR O") == set()


async def create_phrase_fixture() -> dict[str, object]:
    jobs = await create_word_fixture()
    project = await make_organization("Exoneration Clinic", slug="exoneration-clinic")
    return {
        **jobs,
        "adjacent": await make_job(
            project, "Staff Attorney", description="Review claims of wrongful conviction."
        ),
        "apart": await make_job(
            project, "Investigator", description="A conviction may be wrongful: find out."
        ),
        "plural": await make_job(
            project, "Wrongful Convictions Fellow", description="Two years of litigation."
        ),
    }


@pytest.mark.parametrize(
    "words, expected",
    [
        # Unquoted, the words may be anywhere in the job.
        ("wrongful conviction", {"adjacent", "apart", "plural"}),
        # Quoted, they must follow one another, in that order, in other forms too.
        ('"wrongful conviction"', {"adjacent", "plural"}),
        ('"wrongful convictions"', {"adjacent", "plural"}),
        ('"conviction wrongful"', set()),
        # Curly quotes as phones type them; a phrase left open runs to the end.
        ("“wrongful conviction”", {"adjacent", "plural"}),
        ('"wrongful conviction', {"adjacent", "plural"}),
        # A phrase and a word both required, or either with OR.
        ('"wrongful conviction" fellow', {"plural"}),
        ('"may be wrongful" OR "revisión de condenas"', {"apart", "abogado"}),
        ('"revision de condena"', {"abogado"}),
        ('"post-conviction work"', {"fellowship"}),
        ('"de revision"', set()),
        ("「再審を支援」", {"japanese"}),
        ("「支援 再審」", set()),
        # One quoted word is that word; empty quotes are nothing to find.
        ('"fellow"', {"plural"}),
        ('"" litigation', {"plural", "fellowship"}),
    ],
)
async def test_a_quoted_phrase_finds_its_words_side_by_side(api, words, expected):
    jobs = await create_phrase_fixture()
    assert await found(api, jobs, q=words) == expected


async def test_the_jobs_page_and_its_feed_find_the_same_stemmed_and_or_matches(api, browser):
    jobs = await create_word_fixture()
    params = {"q": "fellowships OR abogadas"}
    page = await browser.get("/jobs", params=params)
    assert page.status_code == 200
    assert f'href="/jobs/{jobs["fellowship"].slug}"' in page.text
    assert f'href="/jobs/{jobs["abogado"].slug}"' in page.text
    feed = await api.get("/jobs/feed.atom", params=params)
    assert feed.status_code == 200
    assert "Litigation Fellowship" in feed.text and "Abogado penalista" in feed.text
    assert "Paralegal" not in feed.text
