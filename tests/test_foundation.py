"""The foundation: settings, migrations on the test backend, health, security headers."""

import os
import subprocess
import sys
from importlib.metadata import version

import pytest
from tortoise import connections

from app import create_app
from core.database import dialect
from core.responses import JSONResponse
from core.settings import DEVELOPMENT_SECRET_KEY, PROJECT_ROOT, Settings, SettingsError
from tests.conftest import uses_postgres


def test_production_refuses_the_development_secret_key():
    settings = Settings(env="production", secret_key=DEVELOPMENT_SECRET_KEY)
    with pytest.raises(SettingsError, match="AMICUS_SECRET_KEY"):
        create_app(settings)


def test_settings_come_from_amicus_environment_variables():
    settings = Settings.from_env(
        {
            "AMICUS_DATABASE_URL": "postgres://db/amicus",
            "AMICUS_BASE_URL": "https://jobs.example.org/",
            "AMICUS_ENV": "production",
            "AMICUS_SECRET_KEY": "q3Zt8Kp2Vw6Xn4Lr1Bc9Hd5Fg7Js0MyTa2Ue8Wi",
            "AMICUS_ALLOW_PRIVATE_ADDRESSES": "on",
            "AMICUS_AGGREGATOR": "off",
        }
    )
    assert settings.database_url == "postgres://db/amicus"
    assert settings.base_url == "https://jobs.example.org"
    assert settings.is_production and settings.allow_private_addresses
    assert not settings.aggregator_enabled
    assert settings.problems() == []


def test_unreadable_numbers_in_settings_are_reported_not_crashed_on():
    settings = Settings.from_env({"AMICUS_FEED_MAX_AGE": "five minutes"})
    assert any("AMICUS_FEED_MAX_AGE" in problem for problem in settings.problems())


async def test_healthz_reports_the_database_answers(api):
    response = await api.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert dialect() == ("postgres" if uses_postgres() else "sqlite")


async def test_pages_carry_security_headers(api):
    response = await api.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in response.headers["content-security-policy"]


async def test_unknown_api_paths_answer_json_404(api):
    response = await api.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_json_answers_are_compact_utf8_with_text_as_written():
    response = JSONResponse({"title": "弁護士 – Defensoría", "counts": [1, 2], "none": None})
    assert response.media_type == "application/json"
    assert response.body == '{"title":"弁護士 – Defensoría","counts":[1,2],"none":null}'.encode()
    assert response.headers["content-length"] == str(len(response.body))


async def test_openapi_document_is_served(api):
    response = await api.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_importing_the_application_builds_nothing():
    """Importing the application module builds no application, so importing it cannot fail
    on settings (these would make create_app refuse to start)."""
    script = "import app, cli\nassert not hasattr(app, 'app')\n"
    environment = {**os.environ, "AMICUS_ENV": "production", "AMICUS_SECRET_KEY": ""}
    finished = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, env=environment, capture_output=True
    )
    assert finished.returncode == 0, finished.stderr.decode()


def test_each_application_holds_its_own_sections_and_caches():
    first, second = create_app(Settings()), create_app(Settings())
    for name in ("page_sections", "search_caches", "feed_cache"):
        assert getattr(first.state, name) is not getattr(second.state, name)


async def test_every_place_reports_the_one_installed_version(api):
    installed = version("amicus")
    assert (await api.get("/healthz")).json()["version"] == installed
    assert (await api.get("/api/openapi.json")).json()["info"]["version"] == installed
    feed = (await api.get("/jobs/feed.atom")).text
    assert (
        f'<generator uri="https://github.com/amicus-network/amicus" version="{installed}">' in feed
    )


async def test_a_wrong_method_is_told_every_method_the_path_takes(api):
    # GET and PATCH /api/jobs/{uid} are two routes; GET /api/jobs and POST /api/jobs live in
    # two modules. The 405 names them all.
    response = await api.request("OPTIONS", "/api/jobs/urn:uuid:x")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "PATCH"}
    response = await api.delete("/api/jobs")
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}


@pytest.mark.skipif(uses_postgres(), reason="SQLite's journal settings; this run is on PostgreSQL")
async def test_sqlite_commits_to_its_write_ahead_log_without_a_sync_each(api):
    connection = connections.get("default")
    _, [journal] = await connection.execute_query("PRAGMA journal_mode")
    _, [synchronous] = await connection.execute_query("PRAGMA synchronous")
    assert (journal[0].lower(), synchronous[0]) == ("wal", 1)  # 1 is NORMAL
