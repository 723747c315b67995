"""The indicators page: the table with each figure's 口径, period and filters in the URL, links
to the rows only for users who may see them, the HTMX partial and the aggregate-only xlsx."""

import io
import re

from django.urls import reverse
from openpyxl import load_workbook

from xianfeng.residents.tests.factories import TOWN_A

from .test_indicators_smd import patients, smd_registered  # noqa: F401  (fixtures)

URL = reverse("programs:indicators")
YEAR_2024 = {"program": "smd", "period": "year", "year": "2024"}


def figure_row(html: str, key: str) -> str:
    start = html.index(f'data-figure="{key}"')
    return html[start : html.index("</tr>", start)]


def test_a_doctor_sees_the_figures_with_their_definitions_and_links(patients, login):  # noqa: F811
    response = login(patients.doctor).get(URL, YEAR_2024)
    assert response.status_code == 200
    html = response.content.decode()
    managed = figure_row(html, "managed")
    assert "管理率" in managed and "80.0%" in managed and "至少有1次见到本人的随访" in managed
    assert "当前口径：每年至少 4 次" in figure_row(html, "standard")
    registered = figure_row(html, "registered")
    assert f"{reverse('programs:enrollment_list')}?program=smd&amp;status=open" in registered


def test_a_leader_reads_counts_without_links_to_patients(patients, login):  # noqa: F811
    html = login(patients.world.reader).get(URL, YEAR_2024).content.decode()
    assert "80.0%" in figure_row(html, "managed")
    assert "查看名单" not in html and reverse("programs:enrollment_list") not in html
    assert "患者2" not in html  # never a name


def test_a_volunteer_is_not_offered_health_figures(patients, login):  # noqa: F811
    client = login(patients.volunteer)
    response = client.get(URL, YEAR_2024)
    assert response.status_code == 400  # smd is not among the volunteer's choices
    assert "data-figure" not in response.content.decode()
    assert 'value="smd"' not in client.get(URL).content.decode()


def test_quarter_and_township_filters_stay_in_the_url(patients, login):  # noqa: F811
    client = login(patients.doctor)
    html = client.get(URL, {**YEAR_2024, "period": "quarter", "quarter": "4", "township": TOWN_A}).content.decode()
    assert "2024-10-01 至 2024-12-31" in html
    assert "孤山镇" in html
    assert f"township={TOWN_A}" in figure_row(html, "registered")
    bad = client.get(URL, {**YEAR_2024, "period": "custom", "start": "2024-05-01", "end": "2024-01-01"})
    assert bad.status_code == 400 and "截止日期不能早于起始日期" in bad.content.decode()


def test_htmx_gets_the_table_only_and_xlsx_holds_aggregates(patients, login):  # noqa: F811
    client = login(patients.doctor)
    partial = client.get(URL, YEAR_2024, HTTP_HX_REQUEST="true").content.decode()
    assert "data-figure" in partial and "<html" not in partial
    response = client.get(URL, {**YEAR_2024, "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    managed = next(r for r in rows if r[0] == "管理率")
    assert managed[1:4] == (4, 5, "80.0%")
    assert not any(re.search(r"患者\d", str(cell)) for row in rows for cell in row)  # no names
