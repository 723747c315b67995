from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xianfeng.core.views import SignedInView
from xianfeng.orgs.selectors import org_parent_choices

from . import services
from .forms import (
    GrantForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    UserCreateForm,
)
from .models import Grant, User
from .scoped_views import ScopedListView, ScopedObjectView
from .scoping import CHANGE, VIEW, can, scoped


def grant_form(user, data=None) -> GrantForm:
    return GrantForm(data, org_choices=org_parent_choices(user=user), administrator=services.is_administrator(user))


class LoginView(auth_views.LoginView):
    public = True
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    public = True


class PasswordChangeView(SignedInView):
    template_name = "accounts/password_change.html"

    def get(self, request):
        return render(request, self.template_name, {"form": PasswordChangeForm(request.user)})

    def post(self, request):
        form = PasswordChangeForm(request.user, request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        services.user_set_password(
            acting_user=request.user, user=request.user, password=form.cleaned_data["new_password1"], temporary=False
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, _("密码已修改"))
        return redirect("core:home")


class UserListView(ScopedListView):
    model = User

    def get(self, request):
        query = request.GET.get("q", "").strip()
        users = scoped(request.user, User, VIEW).select_related("org").order_by("username")
        if query:
            users = users.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
        return render(
            request,
            "accounts/user_list.html",
            {
                "page": self.paginate(users),
                "query": query,
                "can_change": can(request.user, CHANGE, User),
            },
        )


class UserCreateView(ScopedListView):
    model = User
    action = CHANGE

    def get(self, request):
        return render(request, "accounts/user_form.html", {"form": self._form()})

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            try:
                user = services.user_create(acting_user=request.user, **form.cleaned_data)
            except PermissionDenied:
                form.add_error("org", _("只能在自己可管理的组织中创建用户"))
            else:
                messages.success(request, _("用户已创建，请为其授权"))
                return redirect("accounts:user_detail", pk=user.pk)
        return render(request, "accounts/user_form.html", {"form": form}, status=400)

    def _form(self, data=None):
        return UserCreateForm(data, org_choices=org_parent_choices(user=self.request.user))


class UserDetailView(ScopedObjectView):
    model = User

    def get(self, request, pk):
        target = self.get_object()
        return render(
            request, "accounts/user_detail.html", user_detail_context(request, target, grant_form(request.user))
        )


def user_detail_context(request, target: User, form) -> dict:
    return {
        "target": target,
        "grants": target.grants.select_related("org").order_by("-active", "-created_at"),
        "grant_form": form,
        "reset_form": PasswordResetForm(),
        "can_change": scoped(request.user, User, CHANGE).filter(pk=target.pk).exists()
        and (target.pk != request.user.pk or services.is_administrator(request.user)),
    }


class GrantCreateView(ScopedObjectView):
    model = User
    action = CHANGE

    def post(self, request, pk):
        target = self.get_object()
        form = grant_form(request.user, request.POST)
        if form.is_valid():
            try:
                services.grant_create(acting_user=request.user, user=target, **form.cleaned_data)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("授权已添加"))
                return redirect("accounts:user_detail", pk=target.pk)
        return render(request, "accounts/user_detail.html", user_detail_context(request, target, form), status=400)


class GrantRevokeView(ScopedObjectView):
    model = Grant
    action = CHANGE

    def post(self, request, pk):
        grant = self.get_object()
        try:
            services.grant_revoke(acting_user=request.user, grant=grant)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("授权已撤销"))
        return redirect("accounts:user_detail", pk=grant.user_id)


class PasswordResetView(ScopedObjectView):
    model = User
    action = CHANGE

    def post(self, request, pk):
        target = self.get_object()
        form = PasswordResetForm(request.POST)
        if form.is_valid():
            try:
                services.user_set_password(
                    acting_user=request.user, user=target, password=form.cleaned_data["password"], temporary=True
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("已设置临时密码，用户下次登录时须修改"))
        else:
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("accounts:user_detail", pk=target.pk)
