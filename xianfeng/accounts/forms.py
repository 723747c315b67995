from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin

from .models import Grant
from .roles import Role, Scope
from .selectors import username_taken


class LoginForm(BootstrapFormMixin, AuthenticationForm):
    pass


class PasswordChangeForm(BootstrapFormMixin, SetPasswordForm):
    old_password = forms.CharField(label=_("当前密码"), strip=False, widget=forms.PasswordInput)

    field_order = ["old_password", "new_password1", "new_password2"]

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise ValidationError(_("当前密码不正确"))
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_password1") and cleaned.get("new_password1") == cleaned.get("old_password"):
            raise ValidationError(_("新密码不能与当前密码相同"))
        return cleaned


class UserCreateForm(BootstrapFormMixin, forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    display_name = forms.CharField(label=_("姓名"), max_length=50)
    org = forms.ModelChoiceField(label=_("所属组织"), queryset=None)
    password = forms.CharField(
        label=_("初始密码"), widget=forms.PasswordInput, min_length=8, help_text=_("用户首次登录时须修改")
    )

    def __init__(self, *args, org_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = org_choices

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if username_taken(username):
            raise ValidationError(_("用户名已存在"))
        return username


class GrantForm(BootstrapFormMixin, forms.ModelForm):
    """Offers only the roles and scope kinds the acting user may grant (services decide)."""

    class Meta:
        model = Grant
        fields = ["role", "scope", "org", "region_prefixes"]

    def __init__(self, *args, org_choices, roles=None, scopes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = org_choices
        roles = Role.values if roles is None else roles
        scopes = Scope.values if scopes is None else scopes
        self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in roles]
        self.fields["scope"].choices = [(v, label) for v, label in Scope.choices if v in scopes]
        if Scope.REGION not in scopes:
            del self.fields["region_prefixes"]


class PasswordResetForm(BootstrapFormMixin, forms.Form):
    password = forms.CharField(
        label=_("临时密码"), widget=forms.PasswordInput, min_length=8, help_text=_("用户下次登录时须修改")
    )


class ApiTokenForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("用途"), max_length=100, help_text=_("如：数据同步脚本"))
