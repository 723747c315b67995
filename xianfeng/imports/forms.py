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


UNRESOLVED, IGNORE = "", "-"


class MappingForm(forms.Form):
    """One select per header of the uploaded file: the column it fills, "忽略此列", or (not
    yet decided) nothing. Fields are named by position; ``mapping()`` gives {header: key}."""

    def __init__(self, *args, headers: list[str], spec, initial_mapping: dict[str, str | None], **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [
            (UNRESOLVED, _("— 未对应 —")),
            (IGNORE, _("忽略此列")),
            *((c.key, c.header + ("*" if c.required else "")) for c in spec.columns),
        ]
        for position, header in enumerate(headers):
            chosen = initial_mapping.get(header)
            self.fields[f"h{position}"] = forms.ChoiceField(
                label=header,
                choices=choices,
                required=False,
                initial=IGNORE if chosen == "" else (chosen or UNRESOLVED),
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    def rows(self):
        return [(header, self[f"h{position}"]) for position, header in enumerate(self.headers)]

    def mapping(self) -> dict[str, str]:
        """{header as written: column key, or "" to ignore}; undecided headers are left out."""
        chosen = {}
        for position, header in enumerate(self.headers):
            value = self.cleaned_data.get(f"h{position}", UNRESOLVED)
            if value != UNRESOLVED:
                chosen[header] = "" if value == IGNORE else value
        return chosen


class CommitForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("导入方式"),
        choices=[("create", _("只新增（已有记录跳过）")), ("update", _("新增并更新"))],
        initial="create",
        required=False,
        widget=forms.RadioSelect,
    )
