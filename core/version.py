"""The application's version, as installed: the one value pages, feeds and clients report."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("amicus")
except PackageNotFoundError:  # running from a checkout that was not installed
    VERSION = "0.0.0"
