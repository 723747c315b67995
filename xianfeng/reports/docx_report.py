"""The narrative report as a Word document (python-docx): title, the filter it was computed for,
the paragraphs, the charts, then a data appendix with every printed figure's exact value, its
definition (口径) and the number of rows behind it — the same text as the HTML preview.

``progress(percent)`` is called between steps, for the background job's progress bar.
"""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from .charts import report_charts
from .filters import ReportFilter
from .narrative import catalog, render_narrative
from .reach import reach_of

# Word on an office PC has these; the East Asian font is set apart from the Latin one.
BODY_FONT, TITLE_FONT = "仿宋", "黑体"


def _east_asian(run_or_style, name: str) -> None:
    run_or_style.font.name = name
    element = run_or_style.element
    r_pr = element.get_or_add_rPr()
    r_pr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _setup(doc) -> None:
    normal = doc.styles["Normal"]
    _east_asian(normal, BODY_FONT)
    normal.font.size = Pt(14)
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2.6)


def _paragraph(doc, text: str, *, indent: bool = True, size: int | None = None, align=None):
    paragraph = doc.add_paragraph()
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(28)  # two characters
    if align is not None:
        paragraph.alignment = align
    run = paragraph.add_run(text)
    if size:
        run.font.size = Pt(size)
    return paragraph


def _appendix(doc, narrative) -> None:
    doc.add_page_break()
    heading = doc.add_paragraph()
    _east_asian(heading.add_run(_("附：数据说明")), TITLE_FONT)
    _paragraph(
        doc,
        _(
            "正文中的数字均由系统按下列口径从服务记录计算（%(scope)s）；“记录数”为该数字所依据的记录条数，可在系统中逐条查看。"
        )
        % {"scope": narrative.description},
        size=10,
    )
    headers = (_("指标"), _("正文写法"), _("精确值"), _("口径"), _("记录数"))
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(text)
    for figure in narrative.figures:
        cells = table.add_row().cells
        values = (
            figure.label,
            figure.printed,
            figure.exact_text,
            figure.definition,
            "—" if figure.record_count is None else f"{figure.record_count:,}",
        )
        for cell, text in zip(cells, values, strict=True):
            cell.text = str(text)
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)


def narrative_docx(user, flt: ReportFilter, template, progress=None) -> bytes:
    """The Word file of ``template`` for ``flt`` as ``user`` reads it (PlaceholderError as
    render_narrative raises it)."""

    def step(percent: int) -> None:
        if progress is not None:
            progress(percent)

    step(5)
    narrative = render_narrative(user, flt, template)
    step(40)
    doc = Document()
    _setup(doc)
    title = _paragraph(doc, narrative.title, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    for run in title.runs:
        _east_asian(run, TITLE_FONT)
        run.font.size = Pt(20)
    _paragraph(doc, _("统计口径：%(d)s") % {"d": narrative.description}, indent=False, size=10)
    for text in narrative.paragraphs:
        _paragraph(doc, text)
    if not narrative.empty:
        step(55)
        names = catalog().types
        for chart in report_charts(flt, reach_of(user), narrative.metrics, names):
            doc.add_picture(io.BytesIO(chart.png), width=Cm(15))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _paragraph(doc, chart.caption, indent=False, size=10, align=WD_ALIGN_PARAGRAPH.CENTER)
        step(80)
        _appendix(doc, narrative)
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    _paragraph(doc, _("由先锋系统生成于 %(at)s，数字以系统记录为准。") % {"at": generated}, indent=False, size=9)
    buffer = io.BytesIO()
    doc.save(buffer)
    step(100)
    return buffer.getvalue()
