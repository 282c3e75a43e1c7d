"""The member directory as an Atom feed (each active member an entry with schema.org
Organization fields, newest change first) and as OPML listing every member's job feed."""

from __future__ import annotations

from datetime import UTC, datetime, time
from email.utils import format_datetime

from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from core.i18n import gettext as _
from core.urls import Urls
from core.version import VERSION
from directory.models import Organization, OrganizationStatus, organization_identity
from feeds.publish.atom_rss import EXTENSION, GENERATOR_URI, EntryElements, add_entry
from feeds.publish.job_feed import EMPTY_FEED_UPDATED
from feeds.schema_fields import (
    NAMESPACES,
    append_organization_fields,
    organization_jobs_feed_url,
    xml_text,
)


async def active_members() -> list[Organization]:
    return list(
        await Organization.filter(status=OrganizationStatus.ACTIVE)
        .order_by("-updated_at", "-id")
        .prefetch_related("screening_organization", "parent_organization")
    )


def last_change(members: list[Organization]) -> datetime:
    return max((member.updated_at for member in members), default=EMPTY_FEED_UPDATED)


class _HubLink(BaseExtension):
    hub_url: str

    def extend_ns(self) -> dict[str, str]:
        return dict(NAMESPACES)

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        etree.SubElement(feed, "link", rel="hub", href=self.hub_url)
        return feed


def _fields_of(organization: Organization, urls: Urls):
    def append(entry: etree._Element, format_: str) -> None:
        etree.SubElement(
            entry,
            "link",
            rel="related",
            type="application/atom+xml",
            href=organization_jobs_feed_url(urls, organization),
        )
        append_organization_fields(entry, organization, urls)

    return append


def render_directory_feed(members: list[Organization], urls: Urls, network: str) -> bytes:
    generator = FeedGenerator()
    generator.register_extension(EXTENSION, _HubLink, EntryElements)
    getattr(generator, EXTENSION).hub_url = urls.url("feeds:hub")
    generator.id(urls.url("directory:directory"))
    generator.title(xml_text(_("Members of the %(network)s") % {"network": network}))
    generator.subtitle(_("Every active member organization, most recently changed first."))
    generator.author({"name": xml_text(network)})
    generator.link(href=urls.url("feeds:directory_feed"), rel="self", type="application/atom+xml")
    generator.link(href=urls.url("directory:directory"), rel="alternate", type="text/html")
    generator.updated(last_change(members))
    generator.generator("Amicus", version=VERSION, uri=GENERATOR_URI)
    for member in members:
        entry = add_entry(generator, _fields_of(member, urls))
        page = member.page_url(urls)
        entry.id(organization_identity(urls, member))
        entry.title(xml_text(member.name))
        entry.link(href=page, rel="alternate", type="text/html")
        entry.summary(xml_text(member.description) or xml_text(member.name))
        entry.author({"name": xml_text(member.name)})
        entry.updated(member.updated_at)
        if member.member_since is not None:
            entry.published(datetime.combine(member.member_since, time.min, UTC))
    return generator.atom_str(pretty=True)


def render_opml(members: list[Organization], urls: Urls, network: str) -> bytes:
    """OPML 2.0: one outline per member, its job feed as xmlUrl, its page as htmlUrl."""
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = xml_text(
        _("Job feeds of the members of the %(network)s") % {"network": network}
    )
    updated = last_change(members)
    etree.SubElement(head, "dateModified").text = format_datetime(
        updated.astimezone(UTC), usegmt=True
    )
    etree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = etree.SubElement(opml, "body")
    for member in sorted(members, key=lambda member: (member.name.casefold(), member.id)):
        etree.SubElement(
            body,
            "outline",
            type="rss",
            text=xml_text(member.name),
            title=xml_text(member.name),
            xmlUrl=organization_jobs_feed_url(urls, member),
            htmlUrl=member.page_url(urls),
            category=f"/{xml_text(member.country)}",
        )
    return etree.tostring(opml, pretty_print=True, encoding="UTF-8", xml_declaration=True)
