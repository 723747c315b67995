"""The JSON API: routers live in each app (``<app>/api.py``); this module assembles them.

One error shape everywhere: ``{"detail": str, "errors": {field: [messages]}}``.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from xianfeng.members.api import router as members_router
from xianfeng.orgs.api import router as orgs_router
from xianfeng.regions.api import router as regions_router
from xianfeng.residents.api import household_router as households_router
from xianfeng.residents.api import router as residents_router
from xianfeng.teams.api import router as teams_router

from .auth import SessionAuth, TokenAuth

api = NinjaAPI(
    title="Xianfeng API",
    version="1",
    description="先锋 · 基层健康服务平台。所有数据按调用者的授权范围过滤：范围外返回 404，只读返回 403。",
    auth=[TokenAuth(), SessionAuth(csrf=True)],
    docs_url="/docs",
    urls_namespace="api",
)


def _error(request, status: int, detail: str, errors: dict | None = None):
    return api.create_response(request, {"detail": detail, "errors": errors or {}}, status=status)


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "Not found")


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return _error(request, 403, str(exc) or "Forbidden")


@api.exception_handler(AuthenticationError)
def unauthorized(request, exc):
    return _error(request, 401, "Authentication required")


@api.exception_handler(ValidationError)
def invalid(request, exc):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return _error(request, 422, "Invalid input", errors)


@api.exception_handler(NinjaValidationError)
def invalid_schema(request, exc):
    errors: dict = {}
    for item in exc.errors:
        parts = [str(p) for p in item.get("loc", []) if p not in ("body", "query", "path", "payload")]
        field = ".".join(parts) or "__all__"
        errors.setdefault(field, []).append(item.get("msg", "invalid"))
    return _error(request, 422, "Invalid input", errors)


api.add_router("/regions/", regions_router)
api.add_router("/orgs/", orgs_router)
api.add_router("/members/", members_router)
api.add_router("/teams/", teams_router)
api.add_router("/residents/", residents_router)
api.add_router("/households/", households_router)
