"""Directory pages and API: the routes and OpenAPI paths this package contributes."""

from __future__ import annotations

from starlette.routing import Route

from core.urls import Urls
from directory import account_views, admin, api, dashboard, find_help, pages
from directory.api import OPENAPI

routes = [
    Route("/", pages.home, name="directory:home"),
    Route("/directory", pages.directory_page, name="directory:directory"),
    Route("/orgs/{slug}", pages.organization_page, name="directory:organization"),
    Route("/find-help", find_help.find_help_page, name="directory:find_help"),
    Route("/api/find-help", find_help.find_help_api, name="directory:api_find_help"),
    Route("/apply", account_views.apply_page, methods=["GET", "POST"], name="directory:apply"),
    Route(
        "/sign-in", account_views.sign_in_page, methods=["GET", "POST"], name="directory:sign_in"
    ),
    Route("/sign-out", account_views.sign_out, methods=["POST"], name="directory:sign_out"),
    Route(
        "/account/password",
        account_views.password_change_page,
        methods=["GET", "POST"],
        name="directory:password_change",
    ),
    Route(
        "/account/mail",
        account_views.mail_preferences_page,
        methods=["GET", "POST"],
        name="directory:mail_preferences",
    ),
    Route(
        "/account/email",
        account_views.email_address_page,
        methods=["GET", "POST"],
        name="directory:email_address",
    ),
    Route(
        "/account/verify-email/{token}",
        account_views.verify_email_page,
        methods=["GET", "POST"],
        name="directory:verify_email",
    ),
    Route(
        "/password-reset",
        account_views.password_reset_request_page,
        methods=["GET", "POST"],
        name="directory:password_reset_request",
    ),
    Route(
        "/password-reset/{token}",
        account_views.password_reset_page,
        methods=["GET", "POST"],
        name="directory:password_reset",
    ),
    Route(
        "/invitations/{token}",
        account_views.invitation_page,
        methods=["GET", "POST"],
        name="directory:invitation",
    ),
    Route("/dashboard", dashboard.dashboard, methods=["GET", "POST"], name="directory:dashboard"),
    Route(
        "/dashboard/tokens",
        dashboard.create_token_view,
        methods=["GET", "POST"],
        name="directory:create_token",
    ),
    Route(
        "/dashboard/tokens/{token_id:int}/revoke",
        dashboard.revoke_token_view,
        methods=["POST"],
        name="directory:revoke_token",
    ),
    Route(
        "/dashboard/invitations",
        dashboard.create_invitation_view,
        methods=["GET", "POST"],
        name="directory:create_invitation",
    ),
    Route(
        "/dashboard/editors/{account_id:int}/remove",
        dashboard.remove_editor_view,
        methods=["POST"],
        name="directory:remove_editor",
    ),
    Route("/admin", admin.overview, name="directory:admin"),
    Route("/admin/applications", admin.applications, name="directory:admin_applications"),
    Route("/admin/members", admin.members, name="directory:admin_members"),
    Route("/admin/outbox", admin.outbox, name="directory:admin_outbox"),
    Route("/admin/orgs/{slug}", admin.organization_detail, name="directory:admin_organization"),
    Route(
        "/admin/orgs/{slug}/{action}",
        admin.organization_action,
        methods=["POST"],
        name="directory:admin_organization_action",
    ),
    Route(
        "/admin/accounts/{account_id:int}/{action}",
        admin.account_action,
        methods=["POST"],
        name="directory:admin_account_action",
    ),
    Route("/api/organizations", api.list_organizations, name="directory:api_organizations"),
    Route("/api/organizations/{slug}", api.get_organization, name="directory:api_organization"),
]


def directory_urls(base_url: str) -> Urls:
    """The directory's part of the URL map, for work done outside a request: the importer
    reads this instance's members back from their URLs with it (own_organization_slug)."""
    return Urls(routes, base_url)


__all__ = ["OPENAPI", "directory_urls", "routes"]
