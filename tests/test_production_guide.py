"""The production guide's examples are checked by the tools that read them: the systemd units
by `systemd-analyze verify`, the nginx site by `nginx -t`. Each test skips, saying why, where
its tool is not installed. Only the install folder is changed: to this checkout, so that the
programs the units start exist."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT

GUIDE = PROJECT_ROOT / "docs" / "production.md"
UNIT_NAMES = ("amicus.service", "amicus-fetch.service", "amicus-fetch.timer")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


def installed(text: str, tmp_path: Path) -> str:
    """The example with its install folder moved to this checkout."""
    return text.replace("/srv/amicus/app", str(PROJECT_ROOT)).replace("/srv/amicus", str(tmp_path))


def test_the_readme_links_the_production_guide():
    assert "docs/production.md" in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_the_guides_systemd_units_verify(tmp_path: Path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here, so the units cannot be verified")
    units = blocks("ini")
    assert len(units) == len(UNIT_NAMES)
    paths = []
    for name, text in zip(UNIT_NAMES, units, strict=True):
        (tmp_path / name).write_text(installed(text, tmp_path), encoding="utf-8")
        paths.append(str(tmp_path / name))
    result = subprocess.run(
        ["systemd-analyze", "verify", *paths], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_guides_nginx_site_passes_nginx_t(tmp_path: Path):
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if nginx is None:
        pytest.skip("nginx is not installed here (apt-get install nginx-light), so not checked")
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make the throw-away certificate nginx -t loads")
    [site] = blocks("nginx")
    certificate, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=jobs.example.org", "-keyout", str(key), "-out", str(certificate)],
        capture_output=True, check=True,
    )  # fmt: skip
    site = installed(site, tmp_path)
    site = site.replace("/etc/letsencrypt/live/jobs.example.org/fullchain.pem", str(certificate))
    site = site.replace("/etc/letsencrypt/live/jobs.example.org/privkey.pem", str(key))
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{\naccess_log off;\n{site}\n}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [nginx, "-t", "-c", str(config), "-p", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
