"""The login page that says when a login is locked out (cxm/trust/throttle.py), and the audit
log page: read-only, for chain administrators, limited to their own chain."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from cxm.org.models import Role
from cxm.org.scope import scope_for
from cxm.trust.models import AuditEntry

PAGE_ROWS = 200


class LoginView(auth_views.LoginView):
    """Django's login, refusing while locked out, and asking a user who enrolled a TOTP
    device (`cxm totp USER`) for its current code as well as the password."""

    def form_valid(self, form):
        user = form.get_user()
        if not user_has_device(user):
            return super().form_valid(form)
        code = self.request.POST.get("otp_token", "").strip()
        # No code is no attempt: django-otp would count it and hold off the next try.
        device = match_token(user, code) if code else None
        if device is None:
            # A wrong code counts against the login like a wrong password.
            credentials = {"username": user.get_username()}
            user_login_failed.send(__name__, credentials=credentials, request=self.request)
            context = self.get_context_data(form=form, otp_failed=True)
            return self.render_to_response(context, status=401)
        response = super().form_valid(form)
        otp_login(self.request, device)
        return response

    def form_invalid(self, form):
        if not getattr(self.request, "cxm_login_locked", False):
            return super().form_invalid(form)
        context = self.get_context_data(form=form, locked=True)
        return self.render_to_response(context, status=429)


def visible_entries(user):
    """Chain admins see their chain's entries; a superuser without a chain sees them all."""
    scope = scope_for(user)
    if scope.role != Role.CHAIN_ADMIN:
        raise PermissionDenied("the audit log is for chain administrators")
    entries = AuditEntry.objects.all()
    if scope.chain_id is not None:
        entries = entries.filter(chain_id=scope.chain_id)
    return entries


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = visible_entries(request.user)
    if model := request.GET.get("model"):
        entries = entries.filter(model=model)
    rows = list(entries[:PAGE_ROWS])
    if request.GET.get("format") == "json":
        return JsonResponse({"entries": [_entry_out(e) for e in rows]})
    return render(request, "trust/audit.html", {"entries": rows, "model": model})


def _entry_out(entry: AuditEntry) -> dict:
    return {
        "at": entry.at.isoformat(),
        "actor": entry.actor_name,
        "action": entry.action,
        "model": entry.model,
        "object_id": entry.object_id,
        "object": entry.object_repr,
        "changes": entry.changes,
    }
