from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Django's login form that says plainly when the login is locked (see throttle.py)."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if getattr(self.request, "cxm_login_locked", False):
                raise ValidationError(
                    _("Too many failed logins. Try again later."), code="locked"
                ) from None
            raise
