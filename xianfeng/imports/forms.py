from django import forms
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin

from .readers import CSV_SUFFIXES, SPREADSHEET_SUFFIXES

ACCEPT = ",".join(sorted(SPREADSHEET_SUFFIXES | CSV_SUFFIXES))


class UploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("Excel 工作簿（.xlsx/.xls）或 CSV（UTF-8 或 GBK 编码）"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if suffix not in SPREADSHEET_SUFFIXES | CSV_SUFFIXES:
            raise forms.ValidationError(_("不支持的文件类型，请上传 .xlsx、.xls 或 .csv 文件"))
        if upload.size == 0:
            raise forms.ValidationError(_("文件是空的"))
        return upload
