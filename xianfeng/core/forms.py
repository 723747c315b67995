from django import forms
from django.core.exceptions import PermissionDenied, ValidationError


class BootstrapFormMixin:
    """Give every widget Bootstrap's classes, so templates stay one loop over fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)):
                css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else ""
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            else:
                css = "form-control"
            if css:
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def apply_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: field errors beside their fields."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def call_service(form, service, /, *, on_denied: tuple[str | None, str] | None = None, **kwargs):
    """Run a service with a form's data. A ValidationError lands on the form; so does a
    PermissionDenied from the service's scope re-check when ``on_denied`` = (field, message)
    says how to explain it. The caller then checks ``form.errors``."""
    try:
        return service(**kwargs)
    except ValidationError as exc:
        apply_errors(form, exc)
    except PermissionDenied:
        if on_denied is None:
            raise
        form.add_error(*on_denied)
    return None
