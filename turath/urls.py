from django.contrib import admin
from django.urls import include, path
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiJsonRenderer2
from drf_spectacular.views import SpectacularAPIView

from turath.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("", core_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("turath.core.urls")),
    path("objects/", include("turath.register.urls")),
    path("vocabulary/", include("turath.vocabulary.urls")),
    path("heritage/", include("turath.heritage.urls")),
    path("check/", include("turath.matching.urls")),
    path("cases/", include("turath.cases.urls")),
    path("custody/", include("turath.custody.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/openapi.json", SpectacularAPIView.as_view(renderer_classes=[OpenApiJsonRenderer2, OpenApiJsonRenderer]),
         name="openapi"),
    path("api/v1/", include("turath.api_urls")),
]

# No public media route: every image is served through a permission-checked view.

handler404 = "turath.core.views.not_found"
handler500 = "turath.core.views.server_error"
