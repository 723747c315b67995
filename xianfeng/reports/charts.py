"""Chart images for the Word report (issue 11 §4): PNGs drawn with matplotlib's Agg backend.

Chinese labels need a CJK font on the server (Debian's fonts-noto-cjk, a system dependency named
in the README and installed by scripts/ensure_system_deps.sh). Without one, matplotlib would
draw empty boxes; instead the chart is drawn with ASCII labels and says in its caption that the
CJK font is missing, so the reader knows why and the numbers are still readable.

Each chart stays well under 200 KB (a 6.4 × 3.2 in figure at 110 dpi, no transparency).
"""

import io
from dataclasses import dataclass
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot

from django.utils.translation import gettext as _
from matplotlib import font_manager
from matplotlib.figure import Figure

from .breakdowns import breakdown, month_series
from .filters import ReportFilter

# Preferred first: the Simplified Chinese face of Noto Sans CJK, then any CJK-capable face.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK", "Source Han Sans", "WenQuanYi", "Noto Serif CJK SC")
DPI, SIZE = 110, (6.4, 3.2)
TOP_TYPES = 8
RED = "#c0392b"


@dataclass(frozen=True)
class Chart:
    title: str
    png: bytes
    caption: str  # what the chart shows; says so when the CJK font is missing


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """The file of a CJK font matplotlib can use, or None."""
    fonts = font_manager.fontManager.ttflist
    for family in CJK_FAMILIES:
        for entry in fonts:
            if entry.name.startswith(family):
                return entry.fname
    return None


def _font():
    path = cjk_font_path()
    return font_manager.FontProperties(fname=path) if path else None


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def _missing_note() -> str:
    return _("（服务器缺少中文字体 fonts-noto-cjk，图中文字以英文显示）")


def monthly_trend(months: list[tuple[str, int]], *, font=None) -> Chart:
    """Person-times per month (a bar per month, "YYYY-MM" on the axis)."""
    font = font if font is not None else _font()
    fig = Figure(figsize=SIZE)
    ax = fig.add_subplot()
    labels = [key[2:] for key, _n in months]  # "26-03": short enough for 12+ bars
    values = [n for _key, n in months]
    ax.bar(range(len(values)), values, color=RED)
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    title = _("逐月服务人次")
    if font is not None:
        ax.set_title(title, fontproperties=font)
        ax.set_ylabel(_("人次"), fontproperties=font)
        caption = _("图：%(title)s（口径同“服务人次”）") % {"title": title}
    else:
        ax.set_title("Person-times per month")
        ax.set_ylabel("person-times")
        caption = _("图：%(title)s") % {"title": title} + _missing_note()
    fig.tight_layout()
    return Chart(title, _png(fig), caption)


def top_types(rows: list[tuple[str, str, int]], *, font=None) -> Chart:
    """The service types with most person-times: (code, name, n), largest first."""
    font = font if font is not None else _font()
    rows = rows[:TOP_TYPES][::-1]  # barh draws bottom-up: largest on top
    fig = Figure(figsize=SIZE)
    ax = fig.add_subplot()
    ax.barh(range(len(rows)), [n for _c, _name, n in rows], color=RED)
    for index, (_c, _name, n) in enumerate(rows):
        ax.text(n, index, f" {n:,}", va="center", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    title = _("服务人次居前的服务类型")
    if font is not None:
        ax.set_yticks(range(len(rows)), [name for _c, name, _n in rows], fontproperties=font, fontsize=9)
        ax.set_title(title, fontproperties=font)
        caption = _("图：%(title)s（多类型的活动计入其每一类型）") % {"title": title}
    else:
        ax.set_yticks(range(len(rows)), [code for code, _name, _n in rows], fontsize=8)
        ax.set_title("Service types by person-times")
        caption = _("图：%(title)s") % {"title": title} + _missing_note()
    fig.tight_layout()
    return Chart(title, _png(fig), caption)


def report_charts(flt: ReportFilter, reach: list, metrics: dict, type_names: dict[str, str]) -> list[Chart]:
    """The report's charts for ``flt`` (the dashboard's month rows and metrics' by_type)."""
    charts = []
    rows = month_series(flt, breakdown(flt, reach, "month"))
    if rows:
        charts.append(monthly_trend([(row["key"], row["person_times"]) for row in rows]))
    ranked = sorted(
        ((code, type_names.get(code, code), row["person_times"]) for code, row in metrics["by_type"].items()),
        key=lambda item: (-item[2], item[0]),
    )
    ranked = [row for row in ranked if row[2]]
    if ranked:
        charts.append(top_types(ranked))
    return charts
