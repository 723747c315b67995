"""Volunteer service certificates (《志愿服务记录与证明出具办法（试行）》, issue 9 §6).

A certificate states a volunteer's name, **volunteer number** (never the ID number), hours, the
content of the service, the period, the issuing organization, its person in charge (负责人), the
handler (经办人), a contact, the certificate number and the issue date. The hours are computed
from the ledger (``hours.member_hours``) when it is issued and kept on the certificate. Every
certificate issued is recorded and anyone can verify it by its number (a public page that shows
only the issuing organization, the date, the hours and the volunteer's masked name). The name and
volunteer number are copied onto the certificate when it is issued: what was printed stays true.

Numbers look like ``XF-2026-000123-7QK2``: the year of issue, a sequence (the row's id, so it is
unique however many are issued at once) and four random characters, so that knowing one number
does not let anyone guess another.
"""

import datetime
import io
import re
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, can, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.core.text import to_halfwidth
from xianfeng.members.models import Member
from xianfeng.members.selectors import orgs_for
from xianfeng.orgs.models import Organization
from xianfeng.orgs.selectors import name_matches
from xianfeng.teams.models import TeamMembership

from . import hours as ledger
from .models import VolunteerCertificate
from .rules import EARLIEST_SERVICE_DAY

SUFFIX_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud or typed from paper
SUFFIX_LENGTH = 4
TEXT_LIMITS = {"person_in_charge": 50, "handler": 50, "contact": 50}
CONTENT_LIMIT = 1000
MAX_PERIOD_DAYS = 366 * 10


def certificate_number(*, sequence: int, year: int, suffix: str) -> str:
    return f"XF-{year}-{sequence:06d}-{suffix}"


def _suffix() -> str:
    return "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))


def normalize_number(text: str) -> str:
    """A number as typed (full-width characters, lower case, spaces) in its stored form."""
    return re.sub(r"\s+", "", to_halfwidth(text or "")).upper()[:40]


def mask_name(name: str) -> str:
    """王小明 -> 王*明, 王明 -> 王*, 欧阳小明 -> 欧**明: the first and last characters only."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# --- who may issue what --------------------------------------------------------------------


def issuing_org_choices(*, user, member: Member | None = None) -> QuerySet:
    """Organizations in whose name ``user`` may issue a certificate for ``member``.

    The rule: an organization where the user holds "servicelog.change" (a clerk over the
    committee, a secretary over their branch) — or, for the user's *own* certificate, also their
    own branch and the organizations owning the teams they serve or served in: a volunteer
    documents service done for their own branch or team. Dissolved organizations issue nothing.
    """
    orgs = Q(pk__in=orgs_for(user, "servicelog.change").values("pk"))
    if member is not None and ledger.is_own(user, member):
        own_teams = TeamMembership.objects.filter(member=member).values("team__owner_org_id")
        orgs |= Q(pk=member.branch_id) | Q(pk__in=own_teams)
    return Organization.objects.filter(orgs, active_to__isnull=True).order_by("path")


def may_issue_for(*, user, member: Member) -> bool:
    """The member is the user's own, or one the user may see."""
    return ledger.is_own(user, member) or scoped(user, Member).filter(pk=member.pk).exists()


def default_issuing_org(*, user, member: Member) -> Organization | None:
    """The member's branch when the user may issue in its name, else the first allowed org."""
    choices = issuing_org_choices(user=user, member=member)
    return choices.filter(pk=member.branch_id).first() or choices.first()


# --- the service ---------------------------------------------------------------------------


def last_signatories(*, user, org: Organization | None) -> dict[str, str]:
    """负责人 and 联系方式 of the last certificate the user may see from ``org``: an organization
    signs with the same person and office phone each time, and a volunteer issuing their own
    certificate rarely knows them."""
    if org is None:
        return {}
    last = (
        scoped(user, VolunteerCertificate)
        .filter(issuing_org=org)
        .order_by("-issued_at", "-id")
        .values("person_in_charge", "contact")
        .first()
    )
    return last or {}


def check_period(start: datetime.date | None, end: datetime.date | None, *, today: datetime.date) -> None:
    if start is None:
        raise ValidationError({"start": _("请填写服务起始日期")})
    if end is None:
        raise ValidationError({"end": _("请填写服务截止日期")})
    if start < EARLIEST_SERVICE_DAY:
        raise ValidationError({"start": _("服务起始日期不能早于 %(d)s") % {"d": EARLIEST_SERVICE_DAY}})
    if end > today:
        raise ValidationError({"end": _("服务截止日期不能晚于今天（%(d)s）") % {"d": today}})
    if start > end:
        raise ValidationError({"end": _("服务截止日期不能早于起始日期")})
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationError({"start": _("服务期间最长十年")})


def _text(value, field: str, *, required: bool = True, limit: int | None = None) -> str:
    text = (value or "").strip()
    limit = limit or TEXT_LIMITS[field]
    if required and not text:
        raise ValidationError({field: _("请填写此项")})
    if len(text) > limit:
        raise ValidationError({field: _("最多 %(n)d 个字") % {"n": limit}})
    return text


@transaction.atomic
def certificate_issue(
    *,
    acting_user,
    member: Member,
    start: datetime.date,
    end: datetime.date,
    issuing_org: Organization,
    person_in_charge: str,
    handler: str,
    contact: str,
    content: str = "",
) -> VolunteerCertificate:
    """Issue a volunteer service certificate for ``member``'s hours in [start, end].

    Who may: a user holding "servicelog.change" (a volunteer, a secretary, a clerk…) for
    their *own* member, or for a member they may see (``scoped(user, Member)``). The issuing
    organization must be one of ``issuing_org_choices``: in the user's "servicelog.change" scope,
    or — for their own certificate only — their own branch or a team's organization. The hours
    come from the ledger as the user counts them (all of their own rows; the facts in their
    scope for someone else's) and must be more than zero. After the write the certificate must
    be in the user's change scope, or, for their own, at least visible to them; a ChangeLog row
    records it in the same transaction. ``content`` defaults to a summary of the ledger.
    """
    if not can(acting_user, CHANGE, VolunteerCertificate):
        raise PermissionDenied("servicelog.change is needed to issue a certificate")
    today = timezone.localdate()
    own = ledger.is_own(acting_user, member)
    if not may_issue_for(user=acting_user, member=member):
        raise ValidationError({"member": _("未找到该人员（或不在您的权限范围内）")})
    check_period(start, end, today=today)
    if (
        issuing_org is None
        or not issuing_org_choices(user=acting_user, member=member).filter(pk=issuing_org.pk).exists()
    ):
        raise ValidationError({"issuing_org": _("您不能以该组织的名义出具证明")})
    person_in_charge = _text(person_in_charge, "person_in_charge")
    handler = _text(handler, "handler")
    contact = _text(contact, "contact")
    content = _text(content, "content", required=False, limit=CONTENT_LIMIT)
    hours = ledger.member_hours(user=acting_user, member=member, start=start, end=end)
    if hours.total <= 0:
        raise ValidationError(
            {
                "start": _("%(name)s 在 %(s)s 至 %(e)s 期间没有计入的志愿服务时长，不能出具证明")
                % {"name": member.name, "s": start, "e": end}
            }
        )
    certificate = VolunteerCertificate(
        number=f"PENDING-{secrets.token_hex(8)}",
        member=member,
        volunteer_name=member.name,
        volunteer_no=member.volunteer_no,
        period_start=start,
        period_end=end,
        hours=hours.total,
        content=content or hours.summary(),
        issuing_org=issuing_org,
        person_in_charge=person_in_charge,
        handler=handler,
        contact=contact,
        issued_on=today,
        issued_by=acting_user,
    )
    certificate.full_clean()
    certificate.save()
    certificate.number = certificate_number(sequence=certificate.pk, year=today.year, suffix=_suffix())
    certificate.save(update_fields=["number"])
    ensure_in_scope(acting_user, certificate, VIEW if own else CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=certificate, after=snapshot(certificate))
    return certificate


# --- reading -------------------------------------------------------------------------------


def certificate_list(*, user, query: str = "") -> QuerySet:
    """Certificates the user may see, newest first; ``query`` matches the number, the name (as
    issued or as the member is called now) or the volunteer number (as issued or now)."""
    certificates = scoped(user, VolunteerCertificate).select_related("issuing_org")
    query = (query or "").strip()
    if query:
        number = normalize_number(query)
        certificates = certificates.filter(
            Q(number__icontains=number)
            | Q(volunteer_name__icontains=query)
            | name_matches(query, prefix="member__")
            | Q(volunteer_no=number)
            | Q(member__volunteer_no=number)
        )
    return certificates


def certificate_public_lookup(number: str) -> VolunteerCertificate | None:
    """The public check by number (no sign-in): the certificate, or None for an unknown number.

    Only an exact number is found; the view shows the issuing organization, issue date, hours
    and the masked name, nothing else. The random suffix keeps numbers from being enumerated.
    """
    number = normalize_number(number)
    if not number:
        return None
    return VolunteerCertificate.objects.select_related("issuing_org").filter(number=number).first()


def certificate_fields(certificate: VolunteerCertificate) -> list[tuple[str, str]]:
    """The certificate's fields as printed (HTML and Word), in the order of the 办法: the name and
    volunteer number as they were when it was issued."""
    return [
        (_("志愿者姓名"), certificate.volunteer_name),
        (_("志愿者编号"), certificate.volunteer_no or _("未登记")),
        (
            _("服务时段"),
            _("%(s)s 至 %(e)s")
            % {"s": f"{certificate.period_start:%Y-%m-%d}", "e": f"{certificate.period_end:%Y-%m-%d}"},
        ),
        (_("志愿服务时长"), _("%(h)s 小时") % {"h": certificate.hours}),
        (_("服务内容"), certificate.content),
        (_("出具组织"), certificate.issuing_org.name),
        (_("负责人"), certificate.person_in_charge),
        (_("经办人"), certificate.handler),
        (_("联系方式"), certificate.contact),
        (_("证明编号"), certificate.number),
        (_("出具日期"), f"{certificate.issued_on:%Y-%m-%d}"),
    ]


def certificate_statement(certificate: VolunteerCertificate) -> str:
    return _(
        "兹证明 %(name)s（志愿者编号：%(no)s）于 %(s)s 至 %(e)s 期间参加志愿服务，"
        "服务内容为：%(content)s，累计志愿服务时长 %(h)s 小时（不含往返路途时间）。"
    ) % {
        "name": certificate.volunteer_name,
        "no": certificate.volunteer_no or _("未登记"),
        "s": f"{certificate.period_start:%Y-%m-%d}",
        "e": f"{certificate.period_end:%Y-%m-%d}",
        "content": certificate.content,
        "h": certificate.hours,
    }


# --- Word ----------------------------------------------------------------------------------

EAST_ASIAN_FONT = "宋体"  # Word's default CJK serif in China; Noto Serif CJK SC on Linux renders it


def _font(run_or_style, size=None, bold=None) -> None:
    from docx.oxml.ns import qn

    font = run_or_style.font
    font.name = "Times New Roman"
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    r_pr = run_or_style.element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(r_fonts)
    r_fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)


def certificate_docx(certificate: VolunteerCertificate, *, verify_url: str) -> bytes:
    """The certificate as a Word document (A4), East Asian text set in 宋体."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.5)
    _font(document.styles["Normal"], size=Pt(12))
    document.core_properties.title = _("志愿服务证明")

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(_("志愿服务证明")), size=Pt(22), bold=True)
    number = document.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(number.add_run(_("编号：%(n)s") % {"n": certificate.number}), size=Pt(10.5))

    body = document.add_paragraph()
    body.paragraph_format.first_line_indent = Pt(24)
    body.paragraph_format.line_spacing = 1.5
    _font(body.add_run(certificate_statement(certificate)))
    document.add_paragraph().add_run(_("特此证明。"))

    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for label, value in certificate_fields(certificate):
        cells = table.add_row().cells
        cells[0].width, cells[1].width = Cm(4), Cm(12)
        _font(cells[0].paragraphs[0].add_run(label), bold=True)
        _font(cells[1].paragraphs[0].add_run(str(value)))

    for text in (
        "",
        _("出具组织（盖章）：%(o)s") % {"o": certificate.issuing_org.name},
        _("负责人：%(p)s　　经办人：%(h)s") % {"p": certificate.person_in_charge, "h": certificate.handler},
        _("出具日期：%(d)s") % {"d": f"{certificate.issued_on:%Y年%m月%d日}"},
    ):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        if text:
            _font(paragraph.add_run(text))
    note = document.add_paragraph()
    _font(
        note.add_run(_("本证明可凭编号在线核验：%(u)s") % {"u": verify_url}),
        size=Pt(9),
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def certificate_member_choices(*, user) -> QuerySet:
    """Members a certificate may be issued for by ``user``: those in scope, and their own."""
    mine = Q(user=user) if user.is_authenticated else Q(pk__in=[])
    return Member.objects.filter(Q(pk__in=scoped(user, Member).values("pk")) | mine).select_related("branch")
