"""The foundation: settings, migrations on the test backend, health, security headers."""

import pytest

from app import create_app
from core.database import dialect
from core.settings import DEVELOPMENT_SECRET_KEY, Settings, SettingsError
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


async def test_openapi_document_is_served(api):
    response = await api.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")
