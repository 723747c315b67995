"""Rows of the residents and households lists (see xianfeng/core/rows.py for why in Python)."""

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from xianfeng.core.rows import DASH, badges, join_rows, labels, object_url, ymd

from .models import HouseholdTag, Resident


def resident_rows(residents) -> SafeString:
    today = timezone.localdate()
    genders = labels(Resident, "gender")
    no_id = format_html('<span class="badge text-bg-warning">{}</span>', _("无身份证号"))
    return join_rows(
        format_html(
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td class="text-nowrap">{}</td>'
            '<td class="font-monospace small">{}</td><td class="d-none d-md-table-cell font-monospace small">{}</td>'
            '<td>{}</td><td class="d-none d-lg-table-cell">{}</td></tr>\n',
            object_url("residents:detail", r.pk),
            r.name,
            genders.get(r.gender, r.gender) or DASH,
            ymd(r.birth_date) or DASH,
            no_id if r.id_missing else r.id_number_masked,
            r.phone_masked or DASH,
            r.village.name,
            badges(r.active_tags(today)),
        )
        for r in residents
    )


def household_rows(households) -> SafeString:
    tags = labels(HouseholdTag, "tag")
    return join_rows(
        format_html(
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td>'
            '<td class="d-none d-md-table-cell">{}</td><td>{}</td></tr>\n',
            object_url("residents:household_detail", h.pk),
            h,
            h.number or DASH,
            h.member_count,
            h.village.name,
            h.address or DASH,
            badges(tags.get(t.tag, t.tag) for t in h.tags.all() if not t.valid_to),
        )
        for h in households
    )
