"""The JSON API: routers live in each app (``<app>/api.py``); this module assembles them.

One error shape everywhere: ``{"detail": str, "errors": {field: [messages]}}`` (see base.py for
the 405 answer, the declared error responses and the refusal of text the database cannot store).
"""

import json
import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import DataError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger

from xianfeng.accounts.personal import ExactSearchLimited
from xianfeng.core.http_errors import OUT_OF_RANGE, error_detail
from xianfeng.members.api import router as members_router
from xianfeng.orgs.api import router as orgs_router
from xianfeng.regions.api import router as regions_router
from xianfeng.residents.api import household_router as households_router
from xianfeng.residents.api import router as residents_router
from xianfeng.servicelog.api import router as servicelog_router
from xianfeng.teams.api import router as teams_router

from .auth import SessionAuth, TokenAuth
from .base import XianfengAPI

logger = logging.getLogger(__name__)


class LocalSwagger(Swagger):
    """Swagger UI from static/vendor/swagger-ui (npm swagger-ui-dist, scripts/vendor_assets.py):
    ninja falls back to a CDN unless "ninja" is an installed app, and the CSP blocks the CDN.
    templates/ninja/swagger.html loads only /static/ files; static/js/swagger-init.js starts it."""

    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {"swagger_settings": json.dumps(self.settings), "api": api, "add_csrf": True}
        return render(request, self.template, context)


api = XianfengAPI(
    title="Xianfeng API",
    version="1",
    description="先锋 · 基层健康服务平台。所有数据按调用者的授权范围过滤：范围外返回 404，只读返回 403。",
    auth=[TokenAuth(), SessionAuth(csrf=True)],
    docs_url="/docs",
    # validatorUrl: no badge fetched from validator.swagger.io (another host).
    docs=LocalSwagger(settings={"validatorUrl": None, "persistAuthorization": False}),
    urls_namespace="api",
)


def _error(request, status: int, detail: str, errors: dict | None = None):
    return api.create_response(request, {"detail": detail, "errors": errors or {}}, status=status)


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, error_detail(404))


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return _error(request, 403, str(exc) or error_detail(403))


@api.exception_handler(ExactSearchLimited)
def too_many_exact_searches(request, exc):
    return _error(request, 429, str(exc), {"q": [str(exc)]})


@api.exception_handler(AuthenticationError)
def unauthorized(request, exc):
    return _error(request, 401, error_detail(401))


@api.exception_handler(ValidationError)
def invalid(request, exc):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return _error(request, 422, _("输入无效"), errors)


@api.exception_handler(NinjaValidationError)
def invalid_schema(request, exc):
    errors: dict = {}
    for item in exc.errors:
        parts = [str(p) for p in item.get("loc", []) if p not in ("body", "query", "path", "payload")]
        field = ".".join(parts) or "__all__"
        errors.setdefault(field, []).append(item.get("msg", "invalid"))
    return _error(request, 422, _("输入无效"), errors)


@api.exception_handler(HttpError)
def http_error(request, exc):
    """ninja's own answers: 400 for a body that is not JSON, 403 for a failed CSRF check (its English
    text replaced by ours in the interface language)."""
    own = {400: _("请求体不是有效的 JSON"), 403: _("CSRF 校验失败，请刷新页面后重试")}
    return _error(request, exc.status_code, own.get(exc.status_code) or str(exc))


@api.exception_handler(RequestDataTooBig)
def too_large(request, exc):
    return _error(request, 413, _("请求体过大"))


@api.exception_handler(DataError)
@api.exception_handler(OverflowError)
def out_of_range(request, exc):
    """Last resort: a value the schema let through overflowed the database or a date computation.

    The schemas bound every id, page and number of days (xianfeng/api/types.py), so reaching this
    is a schema bug: it is logged as an error (the fuzz test fails on it) and answered 422 instead
    of 500. On PostgreSQL the failed statement has aborted the enclosing transaction, if any.
    """
    logger.error("API input out of range reached %s: %s", type(exc).__name__, exc, exc_info=exc)
    return _error(request, 422, error_detail(422), {"__all__": [str(OUT_OF_RANGE)]})


api.add_router("/regions/", regions_router)
api.add_router("/orgs/", orgs_router)
api.add_router("/members/", members_router)
api.add_router("/teams/", teams_router)
api.add_router("/residents/", residents_router)
api.add_router("/households/", households_router)
api.add_router("/servicelog/", servicelog_router)
api.add_router("/programs/", "xianfeng.programs.api.router")
api.add_router("/reports/", "xianfeng.reports.api.router")
api.add_router("/hotline/", "xianfeng.hotline.api.router")
api.add_router("/needs/", "xianfeng.needs.api.router")
api.add_router("/materials/", "xianfeng.materials.api.router")
api.add_router("/partylife/", "xianfeng.partylife.api.router")
api.add_router("/emergencies/", "xianfeng.emergencies.api.router")
api.add_router("/offline/", "xianfeng.devices.api.router")
