"""The one Jinja2 environment: templates from every domain package, translated strings."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from core import i18n
from core.security import CSRF_FIELD, csrf_token
from core.web import take_notice

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [
    PROJECT_ROOT / package / "templates"
    for package in ("core", "directory", "jobs", "feeds", "alerts", "activitypub")
]


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(path) for path in TEMPLATE_DIRS if path.exists()]),
        autoescape=jinja2.select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    environment.globals["LANGUAGES"] = i18n.LANGUAGES
    environment.globals["current_language"] = i18n.current_language.get
    environment.globals["CSRF_FIELD"] = CSRF_FIELD
    environment.globals["text_direction"] = i18n.text_direction
    environment.filters["local_date"] = local_date
    environment.filters["local_datetime"] = local_datetime
    environment.filters["local_number"] = local_number
    return environment


def local_date(value: date | datetime | None) -> Markup:
    """A date in the page's language and CLDR's medium form ("2 dic 2026", "2026/12/02"),
    as a <time> element whose datetime attribute keeps the ISO date for machines."""
    if value is None:
        return Markup("")
    day = value.date() if isinstance(value, datetime) else value
    shown = format_date(day, format="medium", locale=i18n.locale())
    return Markup('<time datetime="{}">{}</time>').format(day.isoformat(), shown)


def local_number(value: int) -> str:
    """A whole number in the page's language ("5,000", "5.000")."""
    return format_decimal(value, locale=i18n.locale())


def local_datetime(value: datetime | None) -> Markup:
    """A moment in the page's language, to the minute, in UTC (the server's clock)."""
    if value is None:
        return Markup("")
    shown = format_datetime(value, format="short", tzinfo=value.tzinfo, locale=i18n.locale())
    iso = value.strftime("%Y-%m-%d %H:%M")
    return Markup('<time datetime="{}">{}</time>').format(iso, shown)


def language_links(request: Request) -> list[tuple[str, str, str]]:
    """(code, name, URL) for the language switcher: the same page with the same query (search
    words, filters, page), only `lang` changed; the middleware then remembers the choice."""
    kept = [(key, value) for key, value in request.query_params.multi_items() if key != "lang"]
    return [
        (code, name, "?" + urlencode([*kept, ("lang", code)]))
        for code, name in i18n.LANGUAGES.items()
    ]


templates = Jinja2Templates(env=_environment())


# Query parameters that say how a visitor arrived or which language they read, not which
# page it is: a canonical URL leaves them out.
NOT_CANONICAL = {"lang", "fbclid", "gclid", "msclkid", "mc_cid", "mc_eid"}


def canonical_url(request: Request) -> str:
    """The page's own address on the configured base URL, without tracking or language
    parameters (the one search engines should index)."""
    kept = [
        (key, value)
        for key, value in request.query_params.multi_items()
        if key not in NOT_CANONICAL and not key.startswith("utm_")
    ]
    url = request.app.state.urls.base_url + request.url.path
    return f"{url}?{urlencode(kept)}" if kept else url


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page. Every page gets the CSRF token, the signed-in account and settings.

    A page rendered for a signed-in account shows who they are, and may show a new API token
    or members' personal data: no cache (browser or shared) may keep it."""
    account = getattr(request.state, "account", None)
    if account is not None:
        headers = {"Cache-Control": "no-store", **(headers or {})}
    page_context = {
        "csrf_token": csrf_token(request),
        "account": account,
        "settings": request.app.state.settings,
        "urls": request.app.state.urls,
        "language": i18n.current_language.get(),
        "language_links": language_links(request),
        "canonical_url": canonical_url(request),
        "notice": take_notice(request),
    }
    page_context.update(context or {})
    return templates.TemplateResponse(
        request, template, page_context, status_code=status_code, headers=headers
    )


def render_string(template: str, context: dict[str, Any]) -> str:
    """Render without a request (e-mails, feeds' HTML parts)."""
    return templates.env.get_template(template).render(context)
