from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xianfeng.core.views import SignedInView
from xianfeng.orgs.selectors import org_parent_choices

from . import selectors, services
from .forms import (
    ApiTokenForm,
    GrantForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    UserCreateForm,
)
from .models import ApiToken, Grant, User
from .scoped_views import ScopedListView, ScopedObjectView
from .scoping import CHANGE, VIEW, can, scoped


def grant_form(user, data=None) -> GrantForm:
    return GrantForm(
        data,
        org_choices=org_parent_choices(user=user),
        roles=services.grantable_roles(user),
        scopes=services.grantable_scopes(user),
    )


class LoginView(auth_views.LoginView):
    public = True
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    public = True

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # Signing out wipes the offline field app (issue 14): the browser drops the origin's
        # IndexedDB, Cache Storage and service worker, i.e. the encrypted data and the outbox.
        # keep_offline=1 comes only from the app's own screen that keeps another user's unsynced
        # outbox for its owner (static/offline/app.js): then only the HTTP cache goes.
        keep = request.POST.get("keep_offline") == "1"
        response["Clear-Site-Data"] = '"cache"' if keep else '"cache", "storage"'
        return response


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
    can_manage = services.may_manage_user(request.user, target)
    return {
        "target": target,
        "grants": target.grants.select_related("org").order_by("-active", "-created_at"),
        "grant_form": form,
        "reset_form": PasswordResetForm(),
        # Grant controls and the password reset appear only where the services allow them.
        "can_change": can_manage,
        "can_grant": services.may_grant_to(request.user, target) and bool(services.grantable_roles(request.user)),
        "can_reset_password": services.may_reset_password(request.user, target),
        # Say why the controls are missing, rather than leave a bare page.
        "protected": not can_manage and services.is_protected(target),
        "own_account": target.pk == request.user.pk,
        "tokens": selectors.api_tokens_of(acting_user=request.user, user=target) if can_manage else [],
    }


class GrantCreateView(ScopedObjectView):
    model = User
    action = CHANGE

    def post(self, request, pk):
        target = self.get_object()
        if target.pk == request.user.pk:
            raise PermissionDenied(_("不能给自己授权"))
        if not services.may_grant_to(request.user, target):
            raise PermissionDenied(_("只有系统管理员可以管理系统管理员和审计员"))
        form = grant_form(request.user, request.POST)
        status = 400
        if form.is_valid():
            try:
                services.grant_create(acting_user=request.user, user=target, **form.cleaned_data)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
                status = 403
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("授权已添加"))
                return redirect("accounts:user_detail", pk=target.pk)
        return render(request, "accounts/user_detail.html", user_detail_context(request, target, form), status=status)


class GrantRevokeView(ScopedObjectView):
    model = Grant
    action = CHANGE

    def post(self, request, pk):
        grant = self.get_object()
        services.grant_revoke(acting_user=request.user, grant=grant)  # PermissionDenied → 403
        messages.success(request, _("授权已撤销"))
        return redirect("accounts:user_detail", pk=grant.user_id)


class PasswordResetView(ScopedObjectView):
    model = User
    action = CHANGE

    def post(self, request, pk):
        target = self.get_object()
        if not services.may_reset_password(request.user, target):
            raise PermissionDenied(_("只有系统管理员可以重置其他用户的密码"))
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


class ApiTokenListView(SignedInView):
    """The signed-in user's own API tokens: list, create (the raw token is shown once)."""

    template_name = "accounts/token_list.html"

    def get(self, request):
        return self._render(request, ApiTokenForm())

    def post(self, request):
        form = ApiTokenForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        token, raw = services.api_token_create(
            acting_user=request.user, user=request.user, name=form.cleaned_data["name"]
        )
        messages.success(request, _("令牌已创建。请立即复制保存，离开本页后将无法再次查看。"))
        return self._render(request, ApiTokenForm(), new_token=token, raw=raw)

    def _render(self, request, form, status=200, **extra):
        context = {
            "tokens": selectors.own_api_tokens(user=request.user),
            "form": form,
            "days": settings.API_TOKEN_DAYS,
            **extra,
        }
        response = render(request, self.template_name, context, status=status)
        response["Cache-Control"] = "no-store"
        return response


class ApiTokenRevokeView(ScopedObjectView):
    """Revoke one token: GET asks for confirmation, POST revokes. The owner always reaches
    their own tokens; others only as far as scoped() and the services allow."""

    model = ApiToken
    action = CHANGE

    def get_object(self):
        own = selectors.own_api_tokens(user=self.request.user).filter(pk=self.kwargs["pk"]).first()
        return own if own is not None else super().get_object()

    def get(self, request, pk):
        return render(request, "accounts/token_revoke.html", {"token": self.get_object()})

    def post(self, request, pk):
        token = services.api_token_revoke(acting_user=request.user, token=self.get_object())  # PermissionDenied → 403
        messages.success(request, _("令牌已吊销"))
        if token.user_id == request.user.pk:
            return redirect("accounts:token_list")
        return redirect("accounts:user_detail", pk=token.user_id)
