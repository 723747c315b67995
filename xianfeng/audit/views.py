"""Read-only audit pages. There is no view that edits or deletes a log row."""

from django.shortcuts import render

from xianfeng.accounts.scoped_views import ScopedListView

from . import retention, selectors
from .forms import AccessFilterForm, ChangeFilterForm, LoginFilterForm
from .models import AccessLog, ChangeLog, LoginLog
from .readable import changelog_rows
from .rows import changelog_table_rows


class _LogListView(ScopedListView):
    template_name = ""
    form_class = None

    def get(self, request):
        form = self.form_class(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        logs = self.select({k: v for k, v in filters.items() if v not in ("", None)})
        page = self.paginate(logs)
        page.object_list = list(page.object_list)
        self.decorate(page.object_list)
        context = {"form": form, "page": page, "tab": self.tab, "rows": self.rows(page.object_list)}
        return render(request, self.template_name, context)

    def decorate(self, logs) -> None:
        """Add what the template shows beside each row (batched for the page)."""

    def rows(self, logs):
        """The table rows already rendered (long pages), or None when the template renders them."""
        return None


class ChangeLogView(_LogListView):
    model = ChangeLog
    form_class = ChangeFilterForm
    template_name = "audit/changes.html"
    tab = "changes"

    def select(self, filters):
        return selectors.changelog_list(user=self.request.user, **filters)

    def decorate(self, logs) -> None:
        readable = changelog_rows(user=self.request.user, logs=logs)
        for log in logs:
            log.readable = readable[log.pk]

    def rows(self, logs):
        return changelog_table_rows(logs)


class AccessLogView(_LogListView):
    model = AccessLog
    form_class = AccessFilterForm
    template_name = "audit/access.html"
    tab = "access"

    def select(self, filters):
        return selectors.accesslog_list(user=self.request.user, **filters)


class LoginLogView(_LogListView):
    model = LoginLog
    form_class = LoginFilterForm
    template_name = "audit/logins.html"
    tab = "logins"

    def select(self, filters):
        if "success" in filters:
            filters["success"] = filters["success"] == "1"
        return selectors.loginlog_list(user=self.request.user, **filters)


class ArchiveListView(ScopedListView):
    """归档与保存期限: the archive files of the audit logs, the retention window, the oldest row still
    in each table and the last nightly run. Read-only and without downloads: the files stay on the
    server for the auditor's command-line check (verify_audit --archives). Whoever reads the audit
    logs (audit.view) reads this page; it shows counts, sequence numbers and times, no log content,
    so it is declared on ChangeLog like the change-log tab."""

    model = ChangeLog
    template_name = "audit/archives.html"
    tab = "archives"

    def get(self, request):
        page = self.paginate(selectors.archive_list(user=request.user))
        context = {"page": page, "tab": self.tab, **retention.archive_overview()}
        return render(request, self.template_name, context)
