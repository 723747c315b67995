"""The template editor's form. Placeholder errors land beside the title or body they concern;
the service (services_templates.py) checks the same again inside its transaction."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin

from .models import ReportTemplate
from .narrative import check_template


class ReportTemplateForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = ReportTemplate
        fields = ["name", "kind", "title", "body", "is_default", "active"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        }
        help_texts = {
            "body": _(
                "每行一段。占位符写在花括号里，如 {服务人次:约}；见右侧说明。不能写入姓名、身份证号、电话等个人信息。"
            ),
        }

    def clean(self):
        data = super().clean()
        title, body = data.get("title"), data.get("body")
        if title is not None and body is not None:
            for field, errors in check_template(title, body).items():
                for message in errors:
                    self.add_error(field, message)
        return data
