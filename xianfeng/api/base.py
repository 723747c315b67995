"""The project's NinjaAPI: one error shape at every edge, and text that the database can store.

- Every operation's OpenAPI entry declares the error answers it can give, all in the one shape
  ``{"detail": str, "errors": {field: [messages]}}`` (``ErrorOut``), so a client and the schema
  fuzzer (``xianfeng/api/tests/test_fuzz.py``) can rely on them.
- A method an URL does not support is answered 405 in the same shape (ninja's own answer is
  plain text), with the ``Allow`` header kept.
- Text anywhere in a request (path, query or body) containing NUL (U+0000) or a lone surrogate is
  refused with 422 after the schema validated it: PostgreSQL cannot store either, and Django's
  forms refuse NUL the same way.
- pydantic's English messages are replaced by ours in the interface language, chosen by the
  error's type and filled from its context (``errors.py``); field paths stay as ninja gives them.
"""

import functools
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.urls import URLPattern
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from pydantic import BaseModel

from .errors import translate
from .types import ErrorOut

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
ERROR_DESCRIPTIONS = {
    400: "Malformed request body (not JSON)",
    401: "Authentication required",
    403: "Forbidden: the object is in scope but the action is not allowed, or the initial password must be changed",
    404: "Not found, or outside the caller's scope",
    413: "Request body too large",
    422: "Invalid input: the field names are the keys of errors",
    429: "Too many exact searches by full ID number or phone",
}
_BODY_METHODS = {"post", "put", "patch"}


def _error_codes(method: str, operation: dict) -> list[int]:
    codes = [401, 403, 422, 429]
    has_path_param = any(p.get("in") == "path" for p in operation.get("parameters", []))
    has_body = "requestBody" in operation or method in _BODY_METHODS
    if has_path_param or has_body:
        codes.append(404)  # the object in the path, or one named by id in the body
    if has_body:
        codes += [400, 413]
    return sorted(codes)


def _unstorable_text(value, field: str, found: dict[str, list[str]]) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            found[field or "__all__"].append(_("不能包含空字符 (U+0000)"))
            return
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            found[field or "__all__"].append(_("包含无效的 Unicode 字符"))
    elif isinstance(value, BaseModel):
        for name, item in value:
            _unstorable_text(item, f"{field}.{name}" if field else name, found)
    elif isinstance(value, dict):
        for key, item in value.items():
            _unstorable_text(key, field, found)
            _unstorable_text(item, f"{field}.{key}" if field else str(key), found)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _unstorable_text(item, field, found)


def refuse_unstorable_text(view_func):
    """Operation decorator (runs after authentication and schema validation)."""

    @functools.wraps(view_func)
    def checked(request, *args, **kwargs):
        found: dict[str, list[str]] = defaultdict(list)
        for name, value in kwargs.items():
            # Schemas (payload, query filters) contribute their own field names, as ninja's 422 does.
            _unstorable_text(value, "" if isinstance(value, BaseModel) else name, found)
        if found:
            raise ValidationError(dict(found))
        return view_func(request, *args, **kwargs)

    return checked


class XianfengAPI(NinjaAPI):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_decorator(refuse_unstorable_text, mode="operation")

    def validation_error_from_error_contexts(self, error_contexts):
        exc = super().validation_error_from_error_contexts(error_contexts)
        for error in exc.errors:
            error["msg"] = translate(error)
        return exc

    def error_response(self, request, status: int, detail: str, errors: dict | None = None):
        return self.create_response(request, {"detail": detail, "errors": errors or {}}, status=status)

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["ErrorOut"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for code in _error_codes(method, operation):
                    if code not in responses and str(code) not in responses:
                        responses[code] = {
                            "description": ERROR_DESCRIPTIONS[code],
                            "content": {"application/json": {"schema": ERROR_REF}},
                        }
        return schema

    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = self._shaped_405(pattern.callback)
        return urls

    def _shaped_405(self, view):
        @functools.wraps(view)
        def shaped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if isinstance(response, HttpResponseNotAllowed):
                allowed = response["Allow"]
                response = self.error_response(request, 405, _("不支持此请求方法"))
                response["Allow"] = allowed
            return response

        return shaped
