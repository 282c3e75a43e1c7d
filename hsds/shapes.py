"""Members as HSDS 3.0 objects. Ids are UUIDs derived from how every feed names a member
(directory.models.organization_identity), so they stay the same across restarts, instances
and databases, and a member imported from a sister network keeps its origin's id."""

from __future__ import annotations

import uuid
from typing import Any

from core.urls import Urls
from core.validation import countries, decode_tag_list
from directory.models import Organization, organization_identity
from directory.service_areas import area_name

HSDS_VERSION = "3.0"


def _child_uuid(parent: str, kind: str, key: str) -> str:
    return str(uuid.uuid5(uuid.UUID(parent), f"{kind}:{key}"))


HSDS_ID_COLUMNS = ("hsds_id", "hsds_service_id", "hsds_service_at_location_id")


def hsds_ids(urls: Urls, organization: Organization) -> dict[str, str]:
    """The ids an organization stores (see Organization.hsds_id), by column."""
    own = str(uuid.uuid5(uuid.NAMESPACE_URL, organization_identity(urls, organization)))
    service = _child_uuid(own, "service", "case-intake")
    return {
        "hsds_id": own,
        "hsds_service_id": service,
        "hsds_service_at_location_id": _child_uuid(service, "service_at_location", "intake"),
    }


async def store_hsds_ids(urls: Urls, *, every: bool = False) -> None:
    """Store the ids of each organization that has none yet, or with `every`, of each whose
    stored ids are not its ids under `urls` (the base URL changed since they were stored)."""
    found = Organization.all() if every else Organization.filter(hsds_id=None)
    for organization in await found.only("id", "slug", "origin_id", *HSDS_ID_COLUMNS):
        wanted = hsds_ids(urls, organization)
        if any(getattr(organization, column) != value for column, value in wanted.items()):
            # A plain UPDATE: storing its ids is not a change of the profile (updated_at).
            await Organization.filter(id=organization.id).update(**wanted)


def _modified(organization: Organization) -> str:
    return organization.updated_at.isoformat()


def organization_json(urls: Urls, organization: Organization) -> dict[str, Any]:
    parent = organization.parent_organization
    found: dict[str, Any] = {
        "id": organization.hsds_id,
        "name": organization.name,
        "alternate_name": organization.short_name or None,
        "description": organization.description or organization.name,
        "email": organization.contact_email or None,
        "website": organization.website or None,
        "logo": organization.logo_url or None,
        "uri": organization_identity(urls, organization),
        "parent_organization_id": (parent.hsds_id if isinstance(parent, Organization) else None),
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
        organization.court_areas
        and "Court systems by jurisdiction: "
        + ", ".join(decode_tag_list(organization.court_areas)),
        organization.eligibility,
    ]
    return "\n".join(line for line in lines if line)


def service_json(urls: Urls, organization: Organization, *, full: bool) -> dict[str, Any]:
    """The member's case intake as one service; `full` adds the child arrays."""
    service_id = organization.hsds_service_id
    found: dict[str, Any] = {
        "id": service_id,
        "organization_id": organization.hsds_id,
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
    found["service_at_locations"] = [
        service_at_location_json(urls, organization, full=True, with_service=False)
    ]
    found["organization"] = organization_json(urls, organization)
    return found


def location_json(organization: Organization, *, full: bool) -> dict[str, Any]:
    """Where the member is: the postal address applications go to when it gives one (many
    applicants can only write), else its city, region and country. The postal address is
    free text, so it is address_1 whole; no postal code is made up from it."""
    location_id = _child_uuid(organization.hsds_id, "location", "intake")
    postal = bool(organization.apply_postal_address)
    place = ", ".join(
        part
        for part in (organization.city, organization.region, countries().get(organization.country))
        if part
    )
    found: dict[str, Any] = {
        "id": location_id,
        "location_type": "postal" if postal else "physical",
        "organization_id": organization.hsds_id,
        "name": f"{organization.name}: applications by post" if postal else place or None,
    }
    found = {name: value for name, value in found.items() if value is not None}
    if full:
        found["addresses"] = [
            {
                "id": _child_uuid(location_id, "address", "intake"),
                "location_id": location_id,
                "address_1": " ".join(organization.apply_postal_address.split()) if postal else "",
                "city": organization.city,
                "state_province": organization.region,
                "postal_code": "",
                "country": organization.country,
                "address_type": found["location_type"],
            }
        ]
    return found


def service_at_location_json(
    urls: Urls, organization: Organization, *, full: bool, with_service: bool = True
) -> dict[str, Any]:
    """The member's case intake at its location; `full` nests the location's children."""
    location = location_json(organization, full=full)
    found: dict[str, Any] = {
        "id": organization.hsds_service_at_location_id,
        "service_id": organization.hsds_service_id,
        "location_id": location["id"],
        "location": location,
    }
    if with_service:
        found["service"] = service_json(urls, organization, full=False)
    return found
