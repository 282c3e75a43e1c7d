"""Assembles /api/openapi.json from the paths and schemas each domain package declares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}


def error_responses(*statuses: int) -> dict[str, Any]:
    return {
        str(status): {
            "description": "Error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for status in statuses
    }


def build_document(
    base_url: str, version: str, parts: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """parts: mappings with optional 'paths' and 'schemas' keys."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for part in parts:
        paths.update(part.get("paths", {}))
        schemas.update(part.get("schemas", {}))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Amicus API",
            "version": version,
            "description": "Member directory and job board of a network of organizations.",
        },
        "servers": [{"url": base_url}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {"apiToken": {"type": "http", "scheme": "bearer"}},
        },
    }
