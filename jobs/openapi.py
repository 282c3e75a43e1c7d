"""OpenAPI description of the jobs write API (paths and schemas)."""

from __future__ import annotations

from typing import Any

from core.openapi import error_responses
from jobs.forms import DESCRIPTION_MAX, INSTRUCTIONS_MAX, SALARY_NOTE_MAX, TITLE_MAX
from jobs.models import Category, EmploymentType, JobStatus, SalaryUnit, WorkMode

_NULLABLE_NUMBER = {"type": ["number", "null"], "minimum": 0}
_COUNTRY = {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166-1 alpha-2"}

JOB_INPUT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "description", "employment_type", "category", "language", "work_mode"],
    "description": (
        "Give a salary range (with currency and unit) or a salary_note saying why there is none, "
        "and apply_url and/or apply_email. On-site and hybrid jobs need a country, remote jobs "
        "the countries applicants may live in."
    ),
    "properties": {
        "title": {"type": "string", "maxLength": TITLE_MAX},
        "description": {
            "type": "string",
            "maxLength": DESCRIPTION_MAX,
            "description": "Markdown; served as sanitized HTML",
        },
        "employment_type": {"type": "string", "enum": [v.value for v in EmploymentType]},
        "category": {"type": "string", "enum": [v.value for v in Category]},
        "language": {"type": "string", "description": "BCP 47 tag, e.g. en, es, ja, pt-BR"},
        "city": {"type": "string", "maxLength": 100},
        "region": {"type": "string", "maxLength": 100},
        "country": _COUNTRY,
        "work_mode": {"type": "string", "enum": [v.value for v in WorkMode]},
        "remote_countries": {"type": "array", "items": _COUNTRY},
        "salary_min": _NULLABLE_NUMBER,
        "salary_max": _NULLABLE_NUMBER,
        "salary_currency": {"type": "string", "description": "ISO 4217, e.g. USD"},
        "salary_unit": {"type": ["string", "null"], "enum": [*(v.value for v in SalaryUnit), None]},
        "salary_note": {"type": "string", "maxLength": SALARY_NOTE_MAX},
        "apply_url": {"type": "string", "format": "uri"},
        "apply_email": {"type": "string", "format": "email"},
        "apply_instructions": {"type": "string", "maxLength": INSTRUCTIONS_MAX},
        "closing_date": {
            "type": ["string", "null"],
            "format": "date",
            "description": "Last day to apply (UTC), not in the past",
        },
    },
}

_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}
# A job as the API answers: every input field, where an optional text left out is "" and an
# optional number or unit null, plus its identity, state and dates.
_EMPTY = {"type": "string", "maxLength": 0}
JOB = {
    "type": "object",
    "required": [*JOB_INPUT["properties"], "uid", "slug", "url", "status", "organization"],
    "properties": {
        **JOB_INPUT["properties"],
        "country": {"anyOf": [_COUNTRY, _EMPTY]},
        "apply_url": {"anyOf": [JOB_INPUT["properties"]["apply_url"], _EMPTY]},
        "apply_email": {"anyOf": [JOB_INPUT["properties"]["apply_email"], _EMPTY]},
        "uid": {"type": "string", "description": "Permanent id, urn:uuid:…"},
        "slug": {"type": "string"},
        "url": {"type": "string", "format": "uri"},
        "status": {"type": "string", "enum": [v.value for v in JobStatus]},
        "status_reason": {"type": "string"},
        "organization": {
            "type": "object",
            "properties": {
                "slug": {"type": "string"},
                "name": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
            },
        },
        "description_html": {"type": "string"},
        "valid_through": _DATE_TIME,
        "posted_at": _DATE_TIME,
        "status_changed_at": _DATE_TIME,
        "updated_at": _DATE_TIME,
        "source": {
            "type": "object",
            "description": "Only for jobs imported from another feed",
            "properties": {
                "feed_url": {"type": "string"},
                "name": {"type": "string"},
                "origin_url": {"type": "string"},
                "origin_updated_at": _DATE_TIME,
                "source_feed": {
                    "type": "object",
                    "description": "The feed the job first appeared in, as its origin named it",
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "url": {"type": "string"},
                        "updated": _DATE_TIME,
                    },
                },
            },
        },
    },
}


def _json_body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _job_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}},
    }


_UID = {"name": "uid", "in": "path", "required": True, "schema": {"type": "string"}}
_TOKEN = [{"apiToken": []}]
# 400: the body is not JSON (or nests deeper than any record).
_WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 415, 422)

PATHS = {
    "/api/jobs": {
        "post": {
            "summary": "Post a job for the token's organization",
            "description": "status 'published' (default) publishes at once or sends the job "
            "to review, as the network's review policy says; 'draft' keeps it unpublished.",
            "security": _TOKEN,
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "description": "Any 1-200 visible ASCII characters. A retry with the same "
                    "key and body within a day returns the job made the first time (with "
                    "'Idempotent-Replayed: true') instead of creating another; the same key "
                    "with another body is refused with 422.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                }
            ],
            "requestBody": _json_body(
                {
                    "allOf": [
                        {"$ref": "#/components/schemas/JobInput"},
                        {"properties": {"status": {"enum": ["draft", "published"]}}},
                    ]
                }
            ),
            "responses": {
                "201": _job_response("Created"),
                **_WRITE_ERRORS,
                **error_responses(400),
            },
        }
    },
    "/api/jobs/{uid}": {
        "get": {
            "summary": "One job (drafts and jobs in review only with the owner's token)",
            "parameters": [_UID],
            "responses": {"200": _job_response("The job"), **error_responses(401, 404)},
        },
        "patch": {
            "summary": "Change some fields of a job; the result is validated as a whole",
            "security": _TOKEN,
            "parameters": [_UID],
            "requestBody": _json_body({"$ref": "#/components/schemas/JobInput", "required": []}),
            "responses": {"200": _job_response("Updated"), **_WRITE_ERRORS},
        },
    },
    "/api/jobs/{uid}/close": {
        "post": {
            "summary": "Close a job, or mark it filled",
            "security": _TOKEN,
            "parameters": [_UID],
            "requestBody": _json_body(
                {
                    "type": "object",
                    "properties": {
                        "reason": {"type": "string", "maxLength": 1000},
                        "filled": {"type": "boolean", "default": False},
                    },
                },
                required=False,
            ),
            "responses": {"200": _job_response("Closed"), **_WRITE_ERRORS},
        }
    },
    "/api/jobs/{uid}/publish": {
        "post": {
            "summary": "Publish a draft (or send it to review)",
            "security": _TOKEN,
            "parameters": [_UID],
            "responses": {"200": _job_response("Published or pending review"), **_WRITE_ERRORS},
        }
    },
    "/api/jobs/{uid}/renew": {
        "post": {
            "summary": "Reopen a closed, filled or expired job with a new closing date",
            "security": _TOKEN,
            "parameters": [_UID],
            "requestBody": _json_body(
                {
                    "type": "object",
                    "properties": {"closing_date": {"type": "string", "format": "date"}},
                },
                required=False,
            ),
            "responses": {"200": _job_response("Renewed"), **_WRITE_ERRORS},
        }
    },
}
SCHEMAS = {"Job": JOB, "JobInput": JOB_INPUT}
