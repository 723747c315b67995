"""The django-import-export side of the import bench: a ModelResource for Resident in bulk
mode, given the same cell normalizers our engine uses so both do comparable cleaning."""

from pathlib import Path


def load_dataset(path: Path):
    import tablib

    from xianfeng.imports.readers import decode_csv

    if path.suffix.lower() == ".csv":
        text, _encoding = decode_csv(path.read_bytes())
        return tablib.Dataset().load(text, format="csv")
    with path.open("rb") as f:
        return tablib.Dataset().load(f.read(), format="xlsx")


def resident_resource():
    from import_export import fields, resources, widgets

    from xianfeng.core.idnumber import parse_id_number
    from xianfeng.core.text import normalize_name, pinyin_initials
    from xianfeng.imports.parsers import parse_date, parse_text
    from xianfeng.regions.models import Region
    from xianfeng.residents.importing import parse_gender
    from xianfeng.residents.models import Resident
    from xianfeng.residents.validators import normalize_phone

    class Cleaning(widgets.Widget):
        def __init__(self, function):
            super().__init__()
            self.function = function

        def clean(self, value, row=None, **kwargs):
            return self.function(value)

    def clean_id_number(value):
        text = parse_text(value).replace(" ", "")
        return parse_id_number(text).value if text else ""

    class VillageWidget(widgets.ForeignKeyWidget):
        """Code, or name as ForeignKeyWidget would look it up: one query per row."""

        def clean(self, value, row=None, **kwargs):
            text = parse_text(value)
            if text.isdigit():
                return Region.objects.get(code=text)
            return Region.objects.get(level=Region.Level.VILLAGE, name_norm=normalize_name(text))

    def field(attribute, header, function):
        return fields.Field(attribute=attribute, column_name=header, widget=Cleaning(function))

    class ResidentResource(resources.ModelResource):
        name = field("name", "姓名", lambda v: parse_text(v, 50))
        id_number = field("id_number", "公民身份号码", clean_id_number)
        gender = field("gender", "性别", parse_gender)
        birth_date = field("birth_date", "出生日期", parse_date)
        phone = field("phone", "手机号", normalize_phone)
        village = fields.Field(attribute="village", column_name="村(社区)", widget=VillageWidget(Region, "code"))
        address = field("address", "住址", lambda v: parse_text(v, 200))

        class Meta:
            model = Resident
            fields = ("name", "id_number", "gender", "birth_date", "phone", "village", "address")
            use_bulk = True
            batch_size = 2000
            force_init_instance = True
            skip_diff = True
            skip_unchanged = False
            report_skipped = False

        def before_save_instance(self, instance, row, **kwargs):
            instance.name_norm = normalize_name(instance.name)[:50]
            instance.name_initials = pinyin_initials(instance.name)[:50]

    return ResidentResource
