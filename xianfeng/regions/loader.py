"""Load the province/city/county list that ships with the product (data/gb2260_counties.csv)."""

import csv
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "gb2260_counties.csv"


def shipped_rows() -> list[tuple[str, str]]:
    with DATA_FILE.open(encoding="utf-8") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        return [(row["code"], row["name"]) for row in csv.DictReader(lines)]


def load_shipped_regions(region_model=None) -> int:
    """Insert missing codes and refresh names; populations entered by users are kept."""
    from .services import region_build

    if region_model is None:
        from .models import Region as region_model
    existing = dict(region_model.objects.values_list("code", "name"))
    new, renamed = [], []
    for code, name in shipped_rows():
        built = region_build(code, name)
        if code not in existing:
            new.append(
                region_model(**{f: getattr(built, f) for f in ("code", "name", "level", "name_norm", "name_initials")})
            )
        elif existing[code] != name:
            renamed.append(
                region_model(code=code, name=name, name_norm=built.name_norm, name_initials=built.name_initials)
            )
    region_model.objects.bulk_create(new, batch_size=1000)
    region_model.objects.bulk_update(renamed, ["name", "name_norm", "name_initials"], batch_size=1000)
    return len(new) + len(renamed)
