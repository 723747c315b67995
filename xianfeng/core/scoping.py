"""How a model declares its place in the access model (DESIGN.md §3).

A model takes part in scoping by declaring ``scope_spec = ScopeSpec(...)``: the lookups that
lead from a row to its organization path, its region code and its owning user. The one
function that turns a user's grants into a filter, ``scoped()``, lives beside the roles and
grants it reads (``xianfeng.accounts.scoping``); this module holds only the declaration and
the action names, so that ``core`` imports no domain app.
"""

from dataclasses import dataclass

VIEW = "view"
CHANGE = "change"
REVEAL = "reveal"
EXPORT = "export"


@dataclass(frozen=True)
class ScopeSpec:
    """How a row maps onto the scopes a grant can give.

    org_path: lookup to the materialized path of the row's organization.
    region_code: lookup to the row's region code (prefix-matched).
    owner: lookup to the user who owns the row (仅本人).
    region_multi / org_multi: the lookup crosses a to-many relation; filter by subquery
    so rows are not duplicated.
    public_view: every signed-in user may view (reference data such as regions).
    served_region: lookup to a region code for rows that belong to places, not to orgs
    (residents): an org grant then opens the rows within the regions its org subtree serves.
    owner_always: the owner reaches their own rows under any grant whose role allows the
    action (an uploader always sees their import job).
    region_levels: for counted facts that carry their region code at each level, ((length,
    lookup), ...) shortest first: a region grant whose prefix has one of these lengths becomes
    an equality on that column (an indexed predicate); other prefixes match the shortest longer
    column with LIKE (a city grant on the county code).
    health: lookup to a boolean that marks a row as health data (a psychiatric follow-up): such
    rows also need the area's "health" permission over them (DESIGN.md §3, Sensitivity).
    owner_actions: the actions owner_always applies to, when not all of them (a member sees their
    own duty on a roster, but only the roster's managers change it).
    area: the permission prefix when it is not the app label (the service-type catalogue is
    edited only by holders of "servicetypes.change", not by everyone who records services).
    org_ancestors_view: an organization grant also lets its holder view rows that belong to an
    organization above the grant's (a committee's call to serve reaches every branch below it;
    a member of a branch reads the emergency the committee runs). Viewing only.
    """

    org_path: str | None = None
    region_code: str | None = None
    owner: str | None = None
    org_multi: bool = False
    region_multi: bool = False
    public_view: bool = False
    served_region: str | None = None
    owner_always: bool = False
    region_levels: tuple[tuple[int, str], ...] = ()
    health: str | None = None
    owner_actions: tuple[str, ...] = ()
    area: str | None = None
    org_ancestors_view: bool = False


# The region columns of a counted fact (village 12, township 9, county 6 digits).
FACT_REGION_LEVELS = ((6, "county_code"), (9, "township_code"), (12, "village_code"))
