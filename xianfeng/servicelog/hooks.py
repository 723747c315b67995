"""Extension points for apps whose facts are service records (programs' visits).

The service log does not import those apps: they register here from their ``AppConfig.ready()``.

- An *edit guard* ``guard(record) -> str | None`` answers why a record may not be corrected or
  voided through the service log's own forms (a follow-up is corrected on its program's page,
  where its structured data is validated); None lets the edit through.
- A *void guard* ``guard(record) -> str | None`` answers why a record may not be voided through
  the service log (a hotline call's or a distribution's record is voided with its fact, which
  also gives the stock back); a program's visit may be voided here, so edit guards do not apply.
- A *void listener* ``listener(record)`` runs inside the voiding transaction once a record has
  left the counts (a program recomputes the patient's next follow-up).
- A *result reader* ``reader(records) -> {record id: [(label, text), ...]}`` shows the results of
  records whose data another app validated (a follow-up's risk level, medication, participants),
  for a list of records at once (a timeline shows many: one query, not one per record).
- A *source reader* ``reader(records, user) -> {record id: (label, url)}`` names the fact another app
  keeps behind a record (a hotline call, a distribution of materials: servicelog/derived.py),
  so a record's page and a drill-down link back to it; ``user`` is the reader of the page (None
  outside a request), so a label names only what that user may see.
"""

from collections.abc import Callable

_edit_guards: list[Callable] = []
_void_guards: list[Callable] = []
_void_listeners: list[Callable] = []
_result_readers: list[Callable] = []
_source_readers: list[Callable] = []


def register_edit_guard(guard: Callable) -> Callable:
    if guard not in _edit_guards:
        _edit_guards.append(guard)
    return guard


def register_void_guard(guard: Callable) -> Callable:
    if guard not in _void_guards:
        _void_guards.append(guard)
    return guard


def void_refusal(record) -> str | None:
    for guard in _void_guards:
        reason = guard(record)
        if reason:
            return reason
    return None


def register_void_listener(listener: Callable) -> Callable:
    if listener not in _void_listeners:
        _void_listeners.append(listener)
    return listener


def edit_refusal(record) -> str | None:
    for guard in _edit_guards:
        reason = guard(record)
        if reason:
            return reason
    return None


def record_voided(record) -> None:
    for listener in _void_listeners:
        listener(record)


def register_result_reader(reader: Callable) -> Callable:
    if reader not in _result_readers:
        _result_readers.append(reader)
    return reader


def results_shown(records, default: Callable) -> dict:
    """{record id: [(label, text)]}: a registered reader's, else ``default(record)``."""
    records = list(records)
    shown = {}
    for reader in _result_readers:
        shown.update(reader([r for r in records if r.pk not in shown]))
    for record in records:
        if record.pk not in shown:
            shown[record.pk] = default(record)
    return shown


def register_source_reader(reader: Callable) -> Callable:
    if reader not in _source_readers:
        _source_readers.append(reader)
    return reader


def sources_of(records, user=None) -> dict:
    """{record id: (label, url)} for the records another app's fact stands behind (the first
    reader's answer: a list shows one link per row)."""
    return {pk: links[0] for pk, links in all_sources_of(records, user).items()}


def all_sources_of(records, user=None) -> dict:
    """{record id: [(label, url), ...]}: every fact behind each record (a distribution that was
    also the evidence resolving a need), for the record's own page."""
    records = list(records)
    found: dict = {}
    for reader in _source_readers:
        for pk, link in reader(records, user).items():
            found.setdefault(pk, []).append(link)
    return found
