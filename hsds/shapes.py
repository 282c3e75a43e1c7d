"""Members as HSDS 3.0 objects. Ids are UUIDs derived from how every feed names a member
(directory.models.organization_identity), so they stay the same across restarts, instances
and databases, and a member imported from a sister network keeps its origin's id."""

from __future__ import annotations

import uuid
from typing import Any

from core.urls import Urls
from core.validation import decode_tag_list
from directory.models import Organization, organization_identity
from directory.service_areas import area_name

HSDS_VERSION = "3.0"


def organization_uuid(urls: Urls, organization: Organization) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, organization_identity(urls, organization)))


def _child_uuid(parent: str, kind: str, key: str) -> str:
    return str(uuid.uuid5(uuid.UUID(parent), f"{kind}:{key}"))


def service_uuid(urls: Urls, organization: Organization) -> str:
    return _child_uuid(organization_uuid(urls, organization), "service", "case-intake")


def _modified(organization: Organization) -> str:
    return organization.updated_at.isoformat()


def organization_json(urls: Urls, organization: Organization) -> dict[str, Any]:
    parent = organization.parent_organization
    found: dict[str, Any] = {
        "id": organization_uuid(urls, organization),
        "name": organization.name,
        "alternate_name": organization.short_name or None,
        "description": organization.description or organization.name,
        "email": organization.contact_email or None,
        "website": organization.website or None,
        "logo": organization.logo_url or None,
        "uri": organization_identity(urls, organization),
        "parent_organization_id": (
            organization_uuid(urls, parent) if isinstance(parent, Organization) else None
        ),
    }
    if organization.is_federated:
        # Where a member imported from a sister network came from.
        found["metadata"] = [
            {
                "id": _child_uuid(found["id"], "metadata", "origin"),
                "resource_id": found["id"],
                "resource_type": "organization",
                "last_action_date": _modified(organization),
                "last_action_type": "import",
                "field_name": "uri",
                "previous_value": "",
                "replacement_value": organization.origin_url or organization.origin_id or "",
                "updated_by": organization.network,
            }
        ]
    return {name: value for name, value in found.items() if value is not None}


def _application_process(organization: Organization) -> str:
    lines = [
        organization.apply_postal_address and f"Post: {organization.apply_postal_address}",
        organization.apply_url and f"Online: {organization.apply_url}",
        organization.apply_phone and f"Phone: {organization.apply_phone}",
        organization.apply_email and f"E-mail: {organization.apply_email}",
        organization.case_application_info,
    ]
    return "\n".join(line for line in lines if line)


def _eligibility(organization: Organization) -> str:
    lines = [
        organization.minimum_sentence_years is not None
        and f"Minimum sentence: {organization.minimum_sentence_years} years",
        organization.in_custody_only and "Only people still in custody",
        organization.case_types
        and "Case types: " + ", ".join(decode_tag_list(organization.case_types)),
        organization.court_systems
        and "Court systems: " + ", ".join(decode_tag_list(organization.court_systems)),
        organization.eligibility,
    ]
    return "\n".join(line for line in lines if line)


def service_json(urls: Urls, organization: Organization, *, full: bool) -> dict[str, Any]:
    """The member's case intake as one service; `full` adds the child arrays."""
    service_id = service_uuid(urls, organization)
    found: dict[str, Any] = {
        "id": service_id,
        "organization_id": organization_uuid(urls, organization),
        "name": f"{organization.name}: case review",
        "description": organization.case_application_info or None,
        "url": organization.apply_url or None,
        "email": organization.apply_email or None,
        "status": "active" if organization.accepting_applications else "temporarily closed",
        "application_process": _application_process(organization) or None,
        "eligibility_description": _eligibility(organization) or None,
        "last_modified": _modified(organization),
    }
    found = {name: value for name, value in found.items() if value is not None}
    if not full:
        return found
    found["service_areas"] = [
        {
            "id": _child_uuid(service_id, "service_area", code),
            "service_id": service_id,
            "name": area_name(code),
            "extent": code,
            "extent_type": "iso_3166",
        }
        for code in decode_tag_list(organization.service_areas)
    ]
    found["languages"] = [
        {
            "id": _child_uuid(service_id, "language", tag),
            "service_id": service_id,
            "code": tag,
        }
        for tag in decode_tag_list(organization.languages)
    ]
    found["phones"] = (
        [
            {
                "id": _child_uuid(service_id, "phone", organization.apply_phone),
                "service_id": service_id,
                "number": organization.apply_phone,
            }
        ]
        if organization.apply_phone
        else []
    )
    found["organization"] = organization_json(urls, organization)
    return found
