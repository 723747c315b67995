"""Which kind of organization may sit under which: one table, used by create, move and kind
changes (services), the parent choices of the forms, and so the API.

《中国共产党章程》第三十条 and 《中国共产党支部工作条例（试行）》: a 党支部 is set up under a 党委
or a 党总支 (第八条); a 党总支 under a 党委; 党小组 are divided within a 党支部 (第十一条);
a 临时党支部 is set up by the 党委 or 党总支 that sends the team. Partner and administrative
organizations (科室, 妇联, 社会组织, 联盟) hang under a 党委 or stand at the top of the tree.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Organization

K = Organization.Kind
TOP = None  # no parent: a root of the tree

ALLOWED_PARENTS: dict[str, frozenset] = {
    K.COMMITTEE: frozenset({TOP, K.COMMITTEE}),
    K.GENERAL_BRANCH: frozenset({TOP, K.COMMITTEE}),
    K.BRANCH: frozenset({K.COMMITTEE, K.GENERAL_BRANCH}),
    K.TEMP_BRANCH: frozenset({K.COMMITTEE, K.GENERAL_BRANCH}),
    K.GROUP: frozenset({K.BRANCH, K.TEMP_BRANCH}),
    K.DEPARTMENT: frozenset({TOP, K.COMMITTEE, K.GENERAL_BRANCH, K.BRANCH, K.DEPARTMENT}),
    K.WOMENS_FEDERATION: frozenset({TOP, K.COMMITTEE}),
    K.SOCIAL_ORG: frozenset({TOP, K.COMMITTEE, K.ALLIANCE}),
    K.ALLIANCE: frozenset({TOP, K.COMMITTEE}),
}


def allowed_parent_kinds(kind: str) -> list[str]:
    """Parent kinds (without TOP) in the order of Organization.Kind."""
    allowed = ALLOWED_PARENTS.get(kind, frozenset())
    return [k for k in K.values if k in allowed]


def may_be_top(kind: str) -> bool:
    return TOP in ALLOWED_PARENTS.get(kind, frozenset())


def may_hang_under(kind: str, parent_kind: str | None) -> bool:
    return parent_kind in ALLOWED_PARENTS.get(kind, frozenset())


def rule_text(kind: str) -> str:
    """ "党支部只能设在党委或党总支之下" / "…之下，或作为顶层组织"."""
    names = [str(K(k).label) for k in allowed_parent_kinds(kind)]
    parents = "、".join(names[:-1]) + _("或") + names[-1] if len(names) > 1 else "".join(names)
    label = str(K(kind).label)
    if not parents:
        return _("%(kind)s只能作为顶层组织") % {"kind": label}
    if may_be_top(kind):
        return _("%(kind)s只能设在%(parents)s之下，或作为顶层组织") % {"kind": label, "parents": parents}
    return _("%(kind)s只能设在%(parents)s之下") % {"kind": label, "parents": parents}


def check_parent_kind(kind: str, parent: Organization | None, *, field: str = "parent") -> None:
    """Raise ValidationError({field: ...}) unless an org of ``kind`` may sit under ``parent``."""
    parent_kind = parent.kind if parent is not None else TOP
    if may_hang_under(kind, parent_kind):
        return
    if parent is None:
        message = _("%(rule)s，不能作为顶层组织。") % {"rule": rule_text(kind)}
    else:
        message = _("%(rule)s，不能设在%(parent_kind)s“%(parent)s”之下。") % {
            "rule": rule_text(kind),
            "parent_kind": parent.get_kind_display(),
            "parent": parent.name,
        }
    raise ValidationError({field: message})


def check_children_kinds(kind: str, child_kinds: set[str], *, field: str = "kind") -> None:
    """A kind change must leave every direct child where it may be."""
    wrong = sorted(k for k in child_kinds if not may_hang_under(k, kind))
    if wrong:
        raise ValidationError(
            {
                field: _("该组织下有%(children)s，改为%(kind)s后它们的位置将不符合规定：%(rule)s。")
                % {
                    "children": "、".join(str(K(k).label) for k in wrong),
                    "kind": str(K(kind).label),
                    "rule": rule_text(wrong[0]),
                }
            }
        )
