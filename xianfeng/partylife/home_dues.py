"""工作台 panel 「连续6个月未交党费」 for those who keep a branch's dues (secretaries, clerks):
the members in their dues.change scope six or more consecutive months unpaid (党章第三十八条).
Not shown when there is nobody to name, nor to members and read-only roles."""

from xianfeng.accounts.scoping import CHANGE

from .selectors_dues import _NONE, _grant_org_q, members_in_arrears

MAX_ROWS = 8


def dues_arrears_panel(request) -> dict | None:
    user = request.user
    org_q = _grant_org_q(user, "dues.change")
    if org_q is not None and org_q == _NONE:
        return None  # no grant keeps anyone's dues
    rows = members_in_arrears(user, CHANGE)
    if not rows:
        return None
    return {"rows": rows[:MAX_ROWS], "more": max(0, len(rows) - MAX_ROWS)}
