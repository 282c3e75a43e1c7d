"""What the directory's forms share: the profile form's options and values kept on errors."""

from __future__ import annotations

from typing import Any

from directory.pages import display_helpers
from directory.profile import (
    FOCUS_AREAS,
    as_list,
    country_name,
    country_options,
    kind_options,
    language_options,
)
from directory.service_areas import CASE_TYPES, COURT_SYSTEMS, area_chooser, court_area_options

SECRET_FIELDS = ("password", "csrf_token")
# The profile form's button that shows a country's states and provinces in the jurisdiction
# chooser: the form comes back with them, nothing saved (no script needed).
SHOW_AREAS = "show_areas"
EMAIL_MAX = 254


def shows_areas(values: dict[str, Any]) -> bool:
    """Whether the profile form was sent to show a country's states and provinces rather than
    to be saved: its button, with a country picked. Enter in a text field sends the form's
    first button, which is that one; with no country picked it is the ordinary send."""
    return bool(values.get(SHOW_AREAS) and values.get("area_country"))


def kept_values(values: dict[str, Any]) -> dict[str, Any]:
    """What a form shows again after an error: everything typed except secrets."""
    kept = {name: value for name, value in values.items() if name not in SECRET_FIELDS}
    for name in (
        "focus_areas",
        "court_systems",
        "case_types",
        "languages",
        "service_areas",
        "court_areas",
    ):
        kept[name] = as_list(kept.get(name))
    return kept


def profile_form_context(values: dict[str, Any]) -> dict[str, Any]:
    """The choosers of the profile form showing these values."""
    return {
        "kind_options": kind_options(),
        "country_options": country_options(),
        "language_options": language_options(*as_list(values.get("languages"))),
        "focus_areas": FOCUS_AREAS,
        "court_systems": COURT_SYSTEMS,
        "case_types": CASE_TYPES,
        "area_chooser": area_chooser(values, country_name),
        "court_area_options": court_area_options(values),
        **display_helpers(),
    }
