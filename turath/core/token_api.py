"""/api/v1/tokens/: the tokens a user may see (their own; an agency administrator's agency's people's)
and their revocation. Creating tokens stays on the command line and the tokens page."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from . import tokens
from .models import ApiToken


class TokenSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="description", read_only=True)
    state = serializers.SerializerMethodField()
    revoked_by = serializers.CharField(source="revoked_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = ApiToken
        # Never the hash: the prefix is enough to recognise a token.
        fields = ["id", "prefix", "name", "scope", "user", "created", "last_used", "expires", "revoked",
                  "revoked_by", "state"]
        read_only_fields = fields

    def get_state(self, token) -> str:
        return tokens.state(token)


class TokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TokenSerializer
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    filterset_fields = ["scope"]

    def get_queryset(self):
        return (ApiToken.objects.restrict(self.request.user).select_related("user", "revoked_by")
                .order_by("-created", "-pk"))

    @extend_schema(request=None, responses=TokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the token (idempotent): it is refused from now on and stays listed as revoked."""
        token = self.get_object()
        tokens.revoke(request.user, token)
        token.refresh_from_db()
        return Response(self.get_serializer(token).data)
