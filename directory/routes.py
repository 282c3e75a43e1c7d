"""Directory pages and API: the routes and OpenAPI paths this package contributes."""

from __future__ import annotations

from starlette.routing import Route

from directory import account_views, admin, api, dashboard, pages
from directory.api import OPENAPI

routes = [
    Route("/", pages.home),
    Route("/directory", pages.directory_page),
    Route("/orgs/{slug}", pages.organization_page),
    Route("/apply", account_views.apply_page, methods=["GET", "POST"]),
    Route("/sign-in", account_views.sign_in_page, methods=["GET", "POST"]),
    Route("/sign-out", account_views.sign_out, methods=["POST"]),
    Route(
        "/account/password",
        account_views.password_change_page,
        methods=["GET", "POST"],
        name="password-change",
    ),
    Route(
        "/password-reset",
        account_views.password_reset_request_page,
        methods=["GET", "POST"],
        name="password-reset-request",
    ),
    Route(
        "/password-reset/{token}",
        account_views.password_reset_page,
        methods=["GET", "POST"],
        name="password-reset",
    ),
    Route("/invitations/{token}", account_views.invitation_page, methods=["GET", "POST"]),
    Route("/dashboard", dashboard.dashboard, methods=["GET", "POST"]),
    Route("/dashboard/tokens", dashboard.create_token_view, methods=["POST"]),
    Route("/dashboard/tokens/{token_id:int}/revoke", dashboard.revoke_token_view, methods=["POST"]),
    Route("/dashboard/invitations", dashboard.create_invitation_view, methods=["POST"]),
    Route(
        "/dashboard/editors/{account_id:int}/remove",
        dashboard.remove_editor_view,
        methods=["POST"],
        name="dashboard-remove-editor",
    ),
    Route("/admin", admin.overview),
    Route("/admin/applications", admin.applications),
    Route("/admin/members", admin.members),
    Route("/admin/orgs/{slug}", admin.organization_detail),
    Route("/admin/orgs/{slug}/{action}", admin.organization_action, methods=["POST"]),
    Route(
        "/admin/accounts/{account_id:int}/{action}",
        admin.account_action,
        methods=["POST"],
        name="admin-account-action",
    ),
    Route("/api/organizations", api.list_organizations),
    Route("/api/organizations/{slug}", api.get_organization),
]

__all__ = ["OPENAPI", "routes"]
