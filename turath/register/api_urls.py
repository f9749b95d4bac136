"""The register's API routes (under /api/v1/): the objects, their images and status history."""

from .api.views import object_routes

urlpatterns = object_routes()
