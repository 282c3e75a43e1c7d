"""`amicus create-admin` says which database it wrote to, without the password."""

from __future__ import annotations

from pathlib import Path

from cli import database_description
from core.settings import Settings


def test_a_relative_sqlite_path_is_named_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    described = database_description(Settings(database_url="sqlite://data/amicus.sqlite3"))
    assert described == f"SQLite {Path(tmp_path).resolve() / 'data' / 'amicus.sqlite3'}"


def test_a_server_url_is_named_without_its_password():
    settings = Settings(database_url="postgres://amicus:s3cret@db.example.org:5432/amicus")
    assert database_description(settings) == "postgres://amicus@db.example.org:5432/amicus"
