"""Job pages: the public job page, the member dashboard's jobs and the moderation queue."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.templating import render
from core.validation import LARGEST_ROW_ID, ValidationError
from core.web import (
    FormExpired,
    flash,
    form_values,
    keeps_typed_values,
    query_int,
    read_form,
    when_expired,
)
from directory.auth import current_account, require_account, require_admin
from directory.models import Account, Organization, Role
from directory.profile import as_list, country_options, language_options
from jobs import labels
from jobs.dashboard import DASHBOARD_MAX_PAGE, GROUPS, closing_soon_count, dashboard_groups
from jobs.forms import clean_closing_date, clean_job, job_input
from jobs.jsonld import job_posting, script_tag
from jobs.labels import display_helpers
from jobs.lifecycle import (
    ACTION_LABELS,
    Action,
    Actor,
    TransitionError,
    create_job,
    is_public,
    is_visible,
    perform,
    update_job,
)
from jobs.lifecycle import utc_now as now
from jobs.markdown import render_markdown
from jobs.models import SLUG_MAX_LENGTH, UID_MAX_LENGTH, Job, JobStatus
from jobs.search.routes import results_url
from jobs.sections import more_jobs_from

WEB_POSTER_ACTIONS = {
    action.value: action for action in (Action.PUBLISH, Action.CLOSE, Action.FILL, Action.RENEW)
}
WEB_ADMIN_ACTIONS = {action.value: action for action in (Action.APPROVE, Action.REMOVE)}
MODERATION_RECENT = 50


async def find_job(key: str) -> Job | None:
    """A job by its permanent id (urn:uuid:…) or its slug."""
    field, longest = (
        ("uid", UID_MAX_LENGTH) if key.startswith("urn:") else ("slug", SLUG_MAX_LENGTH)
    )
    if len(key) > longest:
        return None
    return await Job.get_or_none(**{field: key}).prefetch_related("organization")


def may_see_unpublished(account: Account | None, job: Job) -> bool:
    return account is not None and (
        account.is_admin or account.organization_id == job.organization_id
    )


async def job_page(request: Request) -> Response:
    account = await current_account(request)
    job = await find_job(request.path_params["key"])
    if job is None or not (is_public(job, job.organization) or may_see_unpublished(account, job)):
        raise HTTPException(404, _("There is no job at this address."))
    settings = request.app.state.settings
    visible = is_visible(job, job.organization, settings, now())
    context = {
        "job": job,
        "organization": job.organization,
        "open": visible,
        "ended": job.status != JobStatus.PUBLISHED or not visible,
        "canonical_url": job.canonical_url(request.app.state.urls),
        "social": {"title": job.title, "description": job.description_html, "type": "article"},
        # Search engines get structured data only for jobs one can still apply to.
        "jsonld": script_tag(job_posting(job, job.organization, request.app.state.urls))
        if visible
        else None,
        # Links from search results are the job's own address: the way back is read from
        # the Referer (same origin; Referrer-Policy keeps it), so the page varies by it.
        "results_url": results_url(request.app.state.urls, request.headers.get("referer", "")),
        "more_jobs": await more_jobs_from(request, job) if job.organization.is_public else [],
        **display_helpers(),
    }
    return render(request, "jobs/job.html", context, headers={"Vary": "Referer"})


async def require_poster(request: Request) -> tuple[Account, Organization]:
    """The signed-in owner or editor of an active organization, with that organization."""
    account = await require_account(request)
    organization = account.organization
    if (
        organization is None
        or account.role not in (Role.OWNER, Role.EDITOR)
        or not organization.is_public
    ):
        raise HTTPException(
            403, _("Only owners and editors of an active member organization manage its jobs.")
        )
    return account, organization


async def own_job(request: Request, organization: Organization) -> Job:
    job_id = request.path_params["job_id"]
    job = None
    if job_id <= LARGEST_ROW_ID:
        job = await Job.get_or_none(id=job_id, organization_id=organization.id)
    if job is None:
        raise HTTPException(404, _("Your organization has no job with this number."))
    job.organization = organization
    return job


async def dashboard_jobs(request: Request) -> Response:
    _account, organization = await require_poster(request)
    settings = request.app.state.settings
    moment = now()
    numbers = {
        group.page_parameter: query_int(
            request, group.page_parameter, 1, minimum=1, maximum=DASHBOARD_MAX_PAGE
        )
        for group in GROUPS
        if group.page_parameter in request.query_params
    }
    urls = request.app.state.urls
    groups = await dashboard_groups(
        organization, numbers, settings, moment, lambda pages: urls.path("jobs:dashboard", pages)
    )
    for shown in groups:
        if shown.page.is_past_last:
            raise HTTPException(404, shown.page.past_last_message())
    return render(
        request,
        "jobs/dashboard.html",
        {
            "organization": organization,
            "groups": groups,
            "has_jobs": any(shown.page.total for shown in groups),
            "closing_soon_count": await closing_soon_count(organization, settings, moment),
            "action_labels": ACTION_LABELS,
            **display_helpers(),
        },
    )


def _form_page(
    request: Request,
    *,
    job: Job | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The job form; extra goes to the template (a notice, a preview)."""
    shown = {name: "" if value is None else value for name, value in values.items()}
    # A list from a stored job or several chosen options; one string from a single option.
    shown["remote_countries"] = as_list(shown.get("remote_countries"))
    context: dict[str, Any] = {
        "job": job,
        "values": shown,
        "errors": errors,
        "employment_type_options": labels.options(labels.EMPLOYMENT_TYPES),
        "category_options": labels.options(labels.CATEGORIES),
        "work_mode_options": labels.options(labels.WORK_MODES),
        "salary_unit_options": labels.options(labels.SALARY_UNITS),
        "country_options": country_options(),
        "language_options": language_options(str(shown.get("language", ""))),
        "currency_options": labels.currency_options(str(shown.get("salary_currency", ""))),
        **extra,
    }
    return render(request, "jobs/form.html", context, status_code=status_code)


def _preview_page(request: Request, *, job: Job | None, values: dict[str, Any]) -> Response:
    """The form again, with the description as the job page will show it (the one HTML
    policy, jobs.markdown) and nothing saved; the other fields are checked on saving."""
    description = values.get("description")
    preview = render_markdown(description) if isinstance(description, str) else ""
    return _form_page(request, job=job, values=values, errors={}, preview_html=preview)


async def _submitted(request: Request) -> dict[str, Any] | FormExpired:
    """The job form as sent, or the refusal of an expired one (which keeps what was typed)."""
    try:
        return form_values(await read_form(request))
    except FormExpired as expired:
        return expired


def _resend_page(request: Request, job: Job | None, expired: FormExpired) -> Response:
    return _form_page(
        request,
        job=job,
        values=expired.values,
        errors={},
        status_code=expired.status_code,
        notice=expired.notice,
    )


def duplicate_values(job: Job) -> dict[str, Any]:
    """A new posting's form filled in from a job: everything but its closing date, which
    belongs to the old posting (and may have passed)."""
    return {**job_input(job), "closing_date": None}


@keeps_typed_values
async def new_job(request: Request) -> Response:
    account, organization = await require_poster(request)
    if request.method == "GET":
        defaults = {
            "language": "en",
            "country": organization.country,
            "city": organization.city,
            "region": organization.region,
            "apply_email": organization.contact_email,
        }
        return _form_page(request, job=None, values=defaults, errors={})
    values = await _submitted(request)
    if isinstance(values, FormExpired):
        return _resend_page(request, None, values)
    if values.get("intent") == "preview":
        return _preview_page(request, job=None, values=values)
    try:
        cleaned = clean_job(values, today=now().date())
    except ValidationError as error:
        return _form_page(request, job=None, values=values, errors=error.errors, status_code=422)
    job = await create_job(
        organization,
        cleaned,
        Actor.person(account),
        request.app.state.settings,
        now=now(),
        publish=values.get("intent") == "publish",
    )
    flash(request, labels.status_notice(job))
    return request.app.state.urls.redirect("jobs:dashboard")


async def duplicate_job(request: Request) -> Response:
    """The new-job form filled in from one of the organization's jobs; nothing is saved
    until the form is sent, and then as a new job (a draft, or published for review)."""
    _account, organization = await require_poster(request)
    job = await own_job(request, organization)
    return _form_page(request, job=None, values=duplicate_values(job), errors={})


@keeps_typed_values
async def edit_job(request: Request) -> Response:
    _account, organization = await require_poster(request)
    if request.method == "GET":
        job = await own_job(request, organization)
        return _form_page(request, job=job, values=job_input(job), errors={})
    # The CSRF check comes before any lookup, so a forged post learns nothing.
    values = await _submitted(request)
    if isinstance(values, FormExpired):
        try:
            job = await own_job(request, organization)
        except HTTPException:
            raise values from None
        return _resend_page(request, job, values)
    job = await own_job(request, organization)
    if values.get("intent") == "preview":
        return _preview_page(request, job=job, values=values)
    kept = job.valid_through.date() if job.valid_through else None
    try:
        await update_job(job, clean_job(values, today=now().date(), kept_closing_date=kept))
    except ValidationError as error:
        return _form_page(request, job=job, values=values, errors=error.errors, status_code=422)
    except TransitionError as error:
        raise HTTPException(409, str(error)) from error
    flash(request, _("Your changes to “%(title)s” are saved.") % {"title": job.title})
    return request.app.state.urls.redirect("jobs:dashboard")


async def _perform_from_form(
    request: Request, job: Job, action: Action, actor: Actor, form: dict[str, Any]
) -> None:
    """The action, with 409 for a state that forbids it and 422 for a bad reason or date."""
    try:
        closing = clean_closing_date(form, today=now().date()) if action == Action.RENEW else None
        await perform(
            job,
            action,
            actor,
            request.app.state.settings,
            now=now(),
            reason=form.get("reason", "") if isinstance(form.get("reason"), str) else "",
            closing=closing,
        )
    except TransitionError as error:
        raise HTTPException(409, str(error)) from error
    except ValidationError as error:
        raise HTTPException(422, " ".join(error.errors.values())) from error


@when_expired(
    lazy_gettext("The form had been open too long, so the job was not changed. Please try again.")
)
async def job_action(request: Request) -> Response:
    account, organization = await require_poster(request)
    form = form_values(await read_form(request))
    action = WEB_POSTER_ACTIONS.get(request.path_params["action"])
    if action is None:
        raise HTTPException(404, _("There is no such action for a job."))
    job = await own_job(request, organization)
    await _perform_from_form(request, job, action, Actor.person(account), form)
    flash(request, labels.status_notice(job))
    return request.app.state.urls.redirect("jobs:dashboard")


async def moderation_queue(request: Request) -> Response:
    await require_admin(request)
    pending = (
        await Job.filter(status=JobStatus.PENDING_REVIEW)
        .order_by("status_changed_at", "id")
        .prefetch_related("organization")
    )
    published = (
        await Job.filter(status=JobStatus.PUBLISHED)
        .order_by("-posted_at", "-id")
        .limit(MODERATION_RECENT)
        .prefetch_related("organization")
    )
    return render(
        request,
        "jobs/moderation.html",
        {"pending": pending, "published": published, **display_helpers()},
    )


@when_expired(
    lazy_gettext(
        "The form had been open too long, so the decision was not recorded. Please decide again."
    )
)
async def moderate_job(request: Request) -> Response:
    account = await require_admin(request)
    form = form_values(await read_form(request))
    action = WEB_ADMIN_ACTIONS.get(request.path_params["action"])
    if action is None:
        raise HTTPException(404, _("There is no such action for a job."))
    job_id = request.path_params["job_id"]
    job = await Job.get_or_none(id=job_id) if job_id <= LARGEST_ROW_ID else None
    if job is None:
        raise HTTPException(404, _("There is no job with this number."))
    await _perform_from_form(request, job, action, Actor.person(account), form)
    flash(request, labels.status_notice(job))
    return request.app.state.urls.redirect("jobs:moderation")
