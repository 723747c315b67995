"""The detail of the API's one error shape for answers that carry no message of their own, in
the interface language (pages and the API share them: an unknown /api/ URL answers from
core.views, everything else from the API's exception handlers)."""

from django.utils.translation import gettext_lazy as _

ERROR_DETAIL = {
    400: _("请求有误"),
    401: _("需要登录或有效的 API 令牌"),
    403: _("没有执行此操作的权限"),
    404: _("未找到（或不在您的权限范围内）"),
    422: _("输入无效"),
    500: _("服务器出错，请稍后重试"),
}
OUT_OF_RANGE = _("数值超出允许范围")


def error_detail(status: int) -> str:
    return str(ERROR_DETAIL[status])
