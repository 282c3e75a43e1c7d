"""The jobs write API: organizations post and manage their jobs with an API token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.i18n import gettext as _
from core.responses import JSONResponse
from core.security import sha256_hex
from core.urls import Urls
from core.validation import ValidationError
from core.web import ApiError, read_json_object
from directory.models import ApiToken, Organization
from directory.tokens import authenticate_bearer
from jobs.forms import INPUT_FIELDS, clean_closing_date, clean_job, job_input
from jobs.jsonld import timestamp
from jobs.lifecycle import (
    Action,
    Actor,
    TransitionError,
    create_job,
    is_public,
    perform,
    update_job,
)
from jobs.lifecycle import utc_now as now
from jobs.models import UID_MAX_LENGTH, IdempotencyKey, Job

REQUESTABLE_STATUSES = ("draft", "published")
IDEMPOTENCY_HEADER = "idempotency-key"
IDEMPOTENCY_KEY_MAX = 200
IDEMPOTENCY_KEPT = timedelta(days=1)
API_ACTIONS = {action.value: action for action in (Action.PUBLISH, Action.CLOSE, Action.RENEW)}


def job_resource(job: Job, organization: Organization, urls: Urls) -> dict[str, Any]:
    """A job as the API returns it: the input fields plus its identity, state and dates."""
    resource: dict[str, Any] = {
        "uid": job.uid,
        "slug": job.slug,
        "url": job.page_url(urls),
        "status": job.status.value,
        "status_reason": job.status_reason,
        "organization": {
            "slug": organization.slug,
            "name": organization.name,
            "url": organization.page_url(urls),
        },
        **job_input(job),
        "description_html": job.description_html,
        "valid_through": timestamp(job.valid_through),
        "posted_at": timestamp(job.posted_at),
        "status_changed_at": timestamp(job.status_changed_at),
        "updated_at": timestamp(job.updated_at),
    }
    if job.is_imported:
        resource["source"] = {
            "feed_url": job.source_feed_url,
            "name": job.source_name,
            "origin_url": job.origin_url,
            "origin_updated_at": timestamp(job.origin_updated_at),
            "source_feed": {
                "id": job.source_id,
                "title": job.source_title,
                "url": job.source_link,
                "updated": timestamp(job.source_updated_at),
            },
        }
    return resource


async def _writer(request: Request) -> ApiToken:
    """The request's token, which must belong to an active organization."""
    token = await authenticate_bearer(request)
    if not token.organization.is_public:
        raise ApiError(
            403, "organization_inactive", _("Only active member organizations can post jobs.")
        )
    return token


async def _owned_job(request: Request, token: ApiToken) -> Job:
    uid = request.path_params["uid"]
    job = await Job.get_or_none(uid=uid) if len(uid) <= UID_MAX_LENGTH else None
    if job is None:
        raise ApiError(404, "not_found", _("There is no job with this id."))
    if job.organization_id != token.organization_id:
        raise ApiError(403, "forbidden", _("This job belongs to another organization."))
    job.organization = token.organization
    return job


def _reject_unknown_fields(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in unknown})


def _answer(request: Request, job: Job, status_code: int = 200) -> JSONResponse:
    urls = request.app.state.urls
    body = job_resource(job, job.organization, urls)
    headers = {"Location": urls.path("jobs:api_job", uid=job.uid)} if status_code == 201 else None
    return JSONResponse(body, status_code=status_code, headers=headers)


def _conflict(error: TransitionError) -> ApiError:
    return ApiError(409, "conflict", str(error))


def _idempotency_key(request: Request) -> str:
    """The Idempotency-Key header: "" when absent, 400 when it is not 1-200 visible ASCII."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return ""
    if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX or not all(" " < char < "\x7f" for char in key):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            _("The Idempotency-Key header must be 1 to 200 visible ASCII characters."),
        )
    return key


async def _replay(request: Request, token: ApiToken, key: str, request_hash: str) -> Response:
    """The answer to the request that first used the key, or 422 if it was another request."""
    earlier = await IdempotencyKey.get(organization_id=token.organization_id, key=key)
    if earlier.request_hash != request_hash:
        raise ApiError(
            422,
            "idempotency_key_reused",
            _("This Idempotency-Key was already used for a different request."),
        )
    job = await Job.get(id=earlier.job_id)
    job.organization = token.organization
    response = _answer(request, job, status_code=201)
    response.headers["Idempotent-Replayed"] = "true"
    return response


async def create_job_endpoint(request: Request) -> Response:
    token = await _writer(request)
    key = _idempotency_key(request)
    body = await request.body()
    data = await read_json_object(request)
    request_hash = sha256_hex(body.decode("utf-8", "replace"))
    if key:
        # Keys are remembered for a day: long enough for any client's retries.
        await IdempotencyKey.filter(
            organization_id=token.organization_id, created_at__lt=now() - IDEMPOTENCY_KEPT
        ).delete()
        if await IdempotencyKey.exists(organization_id=token.organization_id, key=key):
            return await _replay(request, token, key, request_hash)
    _reject_unknown_fields(data, {*INPUT_FIELDS, "status"})
    status = data.pop("status", "published")
    if status not in REQUESTABLE_STATUSES:
        raise ValidationError({"status": _("Must be “draft” or “published”.")})
    values = clean_job(data, today=now().date())
    try:
        # The key is committed with the job, so a job that exists always has its key.
        async with in_transaction():
            job = await create_job(
                token.organization,
                values,
                Actor.api_token(token),
                request.app.state.settings,
                now=now(),
                publish=status == "published",
            )
            if key:
                await IdempotencyKey.create(
                    organization_id=token.organization_id,
                    key=key,
                    request_hash=request_hash,
                    job=job,
                )
    except TransitionError as error:
        raise _conflict(error) from error
    except IntegrityError:
        # The same key arrived twice at once and the other request committed first.
        if key:
            return await _replay(request, token, key, request_hash)
        raise
    job.organization = token.organization
    return _answer(request, job, status_code=201)


async def update_job_endpoint(request: Request) -> Response:
    token = await _writer(request)
    job = await _owned_job(request, token)
    data = await read_json_object(request)
    _reject_unknown_fields(data, set(INPUT_FIELDS))
    kept = job.valid_through.date() if job.valid_through else None
    values = clean_job({**job_input(job), **data}, today=now().date(), kept_closing_date=kept)
    try:
        await update_job(job, values)
    except TransitionError as error:
        raise _conflict(error) from error
    return _answer(request, job)


async def job_action_endpoint(request: Request) -> Response:
    """POST /api/jobs/{uid}/publish|close|renew."""
    token = await _writer(request)
    action = API_ACTIONS.get(request.path_params["action"])
    if action is None:
        raise ApiError(404, "not_found", _("There is no such action for a job."))
    job = await _owned_job(request, token)
    data = await read_json_object(request) if await request.body() else {}
    allowed = {Action.CLOSE: {"reason", "filled"}, Action.RENEW: {"closing_date"}}
    _reject_unknown_fields(data, allowed.get(action, set()))
    reason = data.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 1000:
        raise ValidationError({"reason": _("Must be text of at most 1000 characters.")})
    filled = data.get("filled", False)
    if not isinstance(filled, bool):
        raise ValidationError({"filled": _("Must be true or false.")})
    if action == Action.CLOSE and filled:
        action = Action.FILL
    closing = clean_closing_date(data, today=now().date()) if action == Action.RENEW else None
    try:
        await perform(
            job,
            action,
            Actor.api_token(token),
            request.app.state.settings,
            now=now(),
            reason=reason,
            closing=closing,
        )
    except TransitionError as error:
        raise _conflict(error) from error
    return _answer(request, job)


async def get_job_endpoint(request: Request) -> Response:
    """Public for published and ended jobs; drafts and pending jobs only to their own token."""
    uid = request.path_params["uid"]
    job = None
    if len(uid) <= UID_MAX_LENGTH:
        job = await Job.get_or_none(uid=uid).prefetch_related("organization")
    if job is not None and not is_public(job, job.organization):
        owner_asks = bool(request.headers.get("authorization")) and (
            (await authenticate_bearer(request)).organization_id == job.organization_id
        )
        job = job if owner_asks else None
    if job is None:
        raise ApiError(404, "not_found", _("There is no job with this id."))
    return _answer(request, job)
