"""View base classes for pages that show business rows. Each declares its model and action,
so the access matrix test can find it and every request passes through ``scoped()``."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from xianfeng.core.pagination import CachedCountPaginator

from .scoping import CHANGE, VIEW, can, get_scoped_or_404


class ScopedListView(LoginRequiredMixin, View):
    """A list of ``model`` rows; the user needs ``action`` on the model somewhere."""

    model = None
    action = VIEW
    paginate_by = 50

    @classmethod
    def permits(cls, user, **url_kwargs) -> bool:
        """Whether ``user`` may use this view at all (the access matrix asks the same)."""
        return can(user, cls.action, cls.model)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.permits(request.user, **kwargs):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def paginate(self, queryset):
        return CachedCountPaginator(queryset, self.paginate_by).get_page(self.request.GET.get("page"))


class ScopedObjectView(LoginRequiredMixin, View):
    """One ``model`` row named by ``pk`` in the URL: 404 outside the user's view scope,
    403 when visible but the user lacks ``action`` on it."""

    model = None
    action = VIEW

    def get_object(self):
        return get_scoped_or_404(self.request.user, self.model, self.action, pk=self.kwargs["pk"])


class ObjectActionView(ScopedObjectView):
    """A small form posted from an object's page (add a tag, record a consent...).

    GET goes back to the page; POST validates ``form_class``, calls ``perform`` (which calls
    a service), and returns to the page with a success message or the errors as a message.
    """

    action = CHANGE
    form_class = None
    detail_url_name = ""
    success_message = ""

    def perform(self, obj, form) -> None:
        """Call the service with the cleaned form; every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define perform()")

    def get(self, request, pk):
        return redirect(self.detail_url_name, pk=self.get_object().pk)

    def post(self, request, pk):
        obj = self.get_object()
        form = self.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, _("请检查填写内容：%(e)s") % {"e": form.errors.as_text()})
        else:
            try:
                self.perform(obj, form)
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                messages.success(request, self.success_message)
        return redirect(self.detail_url_name, pk=obj.pk)
