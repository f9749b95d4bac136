from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import translation


def healthz(request):
    """200 once the server can serve; "index" says how far the background build of the matching
    index has got (checks answer from what is indexed meanwhile, and say so)."""
    from turath.matching import index

    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    state = index.status()
    return JsonResponse({"status": "ok", "index": {
        "state": index.state_name(state),
        "images": state["images"], "total_images": state["total_images"],
        "texts": state["texts"], "total_texts": state["total_texts"],
        "message": index.progress_message(state)}})


def home(request):
    if request.user.is_authenticated:
        return redirect("register:object-list")
    return render(request, "core/home.html")


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


def not_found(request, exception=None):
    return render(request, "core/error.html", {"status": 404}, status=404)


def server_error(request):
    """Rendered without context processors or the session: it must work when the database does not."""
    html = loader.get_template("core/500.html").render({
        "LANG": (translation.get_language() or "en")[:2],
        "IS_RTL": translation.get_language_bidi(),
        "request_id": getattr(request, "request_id", ""),
    })
    return HttpResponseServerError(html)
