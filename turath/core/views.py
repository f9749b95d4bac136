from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from . import agencies, audit, health, tokens
from .auth import LoginForm, clear_account
from .forms import PasswordResetRequestForm, TokenRevokeForm
from .models import ApiToken, Role, TokenScope


def healthz(request):
    """200 once the server can serve; each app's readiness report follows (core.health): matching's
    "index" says how far the background build of its index has got (checks answer from what is
    indexed meanwhile, and say so)."""
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"status": "ok", **health.reports()})


def home(request):
    if request.user.is_authenticated:
        return redirect("register:object-list")
    return render(request, "core/home.html")


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm  # says when a lockout is in force (core.auth)


# Password reset: Django's views, with our templates and a form that throttles and audits.
# Every request ends on the same "check your mailbox" page, whether the address exists or not.
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "core/password_reset_form.html"
    email_template_name = "core/password_reset_email.txt"
    subject_template_name = "core/password_reset_subject.txt"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("password_reset_done")

    @property
    def extra_email_context(self):
        # Links from the configured address, never from the request's Host header.
        return {"base_url": settings.TURATH_BASE_URL.rstrip("/")}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "core/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(hours=max(1, settings.PASSWORD_RESET_TIMEOUT // 3600), **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "core/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # The mailbox's owner chose a new password: the account's sign-in lockout no longer protects anyone.
        clear_account(self.user.get_username())
        audit.record("core.user.password_reset", self.user, user=self.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "core/password_reset_complete.html"


@never_cache
@login_required
def token_list(request):
    """The tokens the user may see: their own and, for an agency administrator, those of the agency's
    people (name, created, last used, expires, revoke). A new feed link is shown here once."""
    new_feed_url = None
    if request.method == "POST":
        if request.POST.get("form") == "agency":
            try:
                agencies.set_four_eyes(request.user, request.POST.get("four_eyes") == "on")
            except PermissionError:
                raise Http404 from None
            messages.success(request, _("The agency's settings are saved."))
            return redirect("tokens")
        if request.POST.get("form") == "feed":
            if request.user.agency_id is None:
                raise Http404
            _token, raw = tokens.issue(request.user, _("Feed reader"), scope=TokenScope.FEED)
            new_feed_url = tokens.feed_url(request.user.agency.code, raw)
        else:
            form = TokenRevokeForm(request.POST)
            token = ApiToken.objects.restrict(request.user, "change").filter(
                pk=form.cleaned_data["token"] if form.is_valid() else None).first()
            if token is None:
                raise Http404
            tokens.revoke(request.user, token)
            messages.success(request, _("Token %(prefix)s… was revoked.") % {"prefix": token.prefix})
            return redirect("tokens")
    rows = [(t, tokens.state(t)) for t in ApiToken.objects.restrict(request.user)
            .select_related("user", "revoked_by").order_by("-created", "-pk")[:500]]
    return render(request, "core/tokens.html", {
        "nav": "tokens", "rows": rows, "new_feed_url": new_feed_url,
        "is_agency_admin": request.user.has_role(Role.AGENCY_ADMIN) or request.user.is_superuser,
    })


def not_found(request, exception=None):
    return render(request, "error.html", {"status": 404}, status=404)


def server_error(request):
    """Rendered without context processors or the session: it must work when the database does not."""
    html = loader.get_template("500.html").render({
        "LANG": (translation.get_language() or "en")[:2],
        "IS_RTL": translation.get_language_bidi(),
        "request_id": getattr(request, "request_id", ""),
    })
    return HttpResponseServerError(html)
