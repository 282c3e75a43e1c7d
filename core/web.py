"""HTTP plumbing shared by every domain: errors, request bodies, languages, pagination."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import i18n
from core.i18n import gettext as _
from core.responses import JSONResponse
from core.security import CSRF_FIELD, CSRF_HEADER, csrf_token_is_valid
from core.validation import InvalidValue, ValidationError, whole_number

LANGUAGE_COOKIE = "lang"
# The session key of the one-time notice the next page shows ("The job is published.").
NOTICE_KEY = "notice"


def flash(request: Request, message: str) -> None:
    """Tell the person what their action did, on the page they are sent to next."""
    request.session[NOTICE_KEY] = message


def take_notice(request: Request) -> str:
    """The waiting notice, shown once."""
    if "session" not in request.scope:
        return ""
    return request.session.pop(NOTICE_KEY, "")


class ApiError(Exception):
    """An error answered as JSON: {"error": {"status", "code", "message", "fields"}}."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})


def error_response(error: ApiError) -> JSONResponse:
    body: dict[str, Any] = {
        "status": error.status,
        "code": error.code,
        "message": error.message,
    }
    if error.fields:
        body["fields"] = error.fields
    return JSONResponse({"error": body}, status_code=error.status, headers=error.headers)


def validation_failed(error: ValidationError) -> ApiError:
    return ApiError(422, "validation_failed", _("Some fields are not valid."), error.errors)


def is_api_request(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def read_form(request: Request) -> FormData:
    """The submitted form, after checking its CSRF token (403 when missing or wrong)."""
    try:
        form = await request.form(max_files=0, max_fields=200, max_part_size=256 * 1024)
    except HTTPException:
        raise
    except Exception as error:  # the multipart parser's own errors: the body is malformed
        raise HTTPException(400, _("The form could not be read.")) from error
    submitted = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not isinstance(submitted, str) or not csrf_token_is_valid(request, submitted):
        raise FormExpired(form_values(form))
    if form.get(KEPT_FORM_FIELD):
        raise FormKept(form_values(form))
    return form


async def read_form_unchecked(request: Request) -> dict[str, Any]:
    """What a form carried, without its CSRF check: only to hand it back to the person who
    typed it (never acted on)."""
    try:
        form = await request.form(max_files=0, max_fields=200, max_part_size=256 * 1024)
    except Exception:  # a malformed body: nothing to keep
        return {}
    return {name: value for name, value in form_values(form).items() if name != CSRF_FIELD}


def keeps_typed_values(endpoint: Any) -> Any:
    """Marks a form's view as one that shows a refused form again filled in (FormExpired,
    FormKept), so that a session ending while the form was open loses nothing typed: the
    person signs in and comes back to the form as they sent it."""
    endpoint.keeps_typed_values = True
    return endpoint


def when_expired(notice: Any) -> Callable[[Any], Any]:
    """The notice a short form's page shows when the form came back expired (a lazy
    message saying what was not done), instead of the general one of expired_notice."""

    def mark(endpoint: Any) -> Any:
        endpoint.expired_notice = notice
        return endpoint

    return mark


def expired_notice(request: Request) -> str:
    notice = getattr(request.scope.get("endpoint"), "expired_notice", None)
    if notice is not None:
        return str(notice)
    return _("The form had been open too long, so nothing was done. Please send it again.")


def endpoint_keeps_typed_values(request: Request) -> bool:
    return bool(getattr(request.scope.get("endpoint"), "keeps_typed_values", False))


def referring_path(request: Request) -> str:
    """The path (and query) of the page on this site the request came from, or ""."""
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    # The host alone: behind a proxy ending TLS the scheme seen here may differ.
    if not referer or parts.netloc != request.url.netloc:
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


class FormExpired(HTTPException):
    """A form sent without this session's CSRF token: refused (403), but it carries what was
    typed so that a long form (a job, an application) can be shown again, filled in, with a
    fresh token, instead of losing everything to a session that ended meanwhile. Nothing
    of it is acted on; the person reads it again and sends it themselves."""

    def __init__(self, values: dict[str, Any]):
        super().__init__(
            403, _("The form has expired or did not come from this site. Please try again.")
        )
        self.values = {name: value for name, value in values.items() if name != CSRF_FIELD}
        self.notice = _(
            "The form had expired, so nothing was saved. What you typed is below: check it "
            "and send it again."
        )


# A form sent back by its author after signing in again (directory/sign_in_continue.html):
# it is shown filled in, never acted on, until they send it once more.
KEPT_FORM_FIELD = "kept_form"


class FormKept(FormExpired):
    """A form brought back after signing in again: shown filled in (200), nothing saved."""

    def __init__(self, values: dict[str, Any]):
        super().__init__(values)
        self.status_code = 200
        self.values.pop(KEPT_FORM_FIELD, None)
        self.notice = _(
            "You are signed in again. Nothing was saved yet: check what you typed below and "
            "send it."
        )


def form_values(form: FormData) -> dict[str, Any]:
    """Form fields as a dict; fields given several times (checkboxes) become lists."""
    values: dict[str, Any] = {}
    for key in form:
        items = [item for item in form.getlist(key) if isinstance(item, str)]
        values[key] = items if len(items) > 1 else (items[0] if items else "")
    return values


async def read_json_object(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", _("Send the body as application/json."))
    body = await request.body()
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, "invalid_json", _("The body is not valid JSON: %s") % error) from error
    except RecursionError:
        # The decoder stops at the interpreter's recursion limit, far deeper than any record.
        raise ApiError(
            400, "invalid_json", _("The body is nested too deeply to be a record.")
        ) from None
    if not isinstance(data, dict):
        raise ApiError(422, "validation_failed", _("The body must be a JSON object."))
    return data


def query_int(request: Request, name: str, default: int, *, minimum: int, maximum: int) -> int:
    """A whole-number query parameter within bounds, or 400 with the reason."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return whole_number(raw, name, minimum=minimum, maximum=maximum)
    except InvalidValue as error:
        raise HTTPException(400, str(error)) from None


class LanguageMiddleware:
    """Chooses the page language from ?lang=, then the lang cookie, then Accept-Language."""

    def __init__(self, app: ASGIApp, secure_cookie: bool = False):
        self.app = app
        self.cookie_attributes = "; Secure" if secure_cookie else ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        asked = request.query_params.get("lang")
        language = i18n.choose_language(
            asked, request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language", "")
        )
        token = i18n.current_language.set(language)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                if asked in i18n.LANGUAGES:
                    cookie = (
                        f"{LANGUAGE_COOKIE}={language}; Path=/; Max-Age=31536000; SameSite=Lax"
                        f"{self.cookie_attributes}"
                    )
                    headers.append((b"set-cookie", cookie.encode()))
                if _is_html(headers):
                    # Pages are written in the language the cookie or Accept-Language chose,
                    # so a cache must keep one copy per value of both.
                    add_vary(headers, ("Accept-Language", "Cookie"))
            await send(message)

        try:
            await self.app(scope, receive, send_with_cookie)
        finally:
            i18n.current_language.reset(token)


def add_vary(headers: list[tuple[bytes, bytes]], names: Iterable[str]) -> None:
    """Adds the names to the response's one Vary header, each once."""
    present = [value.decode("latin-1") for name, value in headers if name.lower() == b"vary"]
    headers[:] = [(name, value) for name, value in headers if name.lower() != b"vary"]
    tokens = [token.strip() for value in present for token in value.split(",") if token.strip()]
    known = {token.lower() for token in tokens}
    tokens += [name for name in names if name.lower() not in known]
    headers.append((b"vary", ", ".join(tokens).encode("latin-1")))


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(
        name.lower() == b"content-type" and value.startswith(b"text/html")
        for name, value in headers
    )


class SecurityHeadersMiddleware:
    """Headers every response carries; the CSP forbids inline scripts from any source."""

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"x-frame-options", b"DENY"),
        (
            b"content-security-policy",
            b"default-src 'self'; img-src 'self' https: data:; style-src 'self'; "
            b"script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
        ),
    ]

    # Production is served over https only (see Settings.problems), so browsers may be told
    # never to try plain http for a year.
    HSTS = (b"strict-transport-security", b"max-age=31536000")

    def __init__(self, app: ASGIApp, hsts: bool = False):
        self.app = app
        self.headers = [*self.HEADERS, self.HSTS] if hsts else self.HEADERS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {name.lower() for name, _value in headers}
                headers.extend(item for item in self.headers if item[0] not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> set[str]:
    """Every method some route at the scope's path takes, through mounts. Starlette's own 405
    names only the first matching route's methods, and a path may be served by several."""
    methods: set[str] = set()
    for route in routes:
        match, child_scope = route.matches(scope)
        if match == Match.NONE:
            continue
        if isinstance(route, Mount):
            methods |= allowed_methods(route.routes, {**scope, **child_scope})
        elif isinstance(route, Route) and route.methods:
            methods |= route.methods
    return methods


def no_content() -> Response:
    return Response(status_code=204)
