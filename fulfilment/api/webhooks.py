"""The webhook API: the platform's receivers, their signing secrets and
delivery log."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from warehouse.common.access import Role, principal_of
from warehouse.common.api import roles, valid_input

from .. import selectors, services
from ..models import WebhookMessage
from ..serializers import (
    WebhookEndpointCreatedSerializer,
    WebhookEndpointInput,
    WebhookEndpointSerializer,
    WebhookMessageSerializer,
)
from ..services.notify import webhook_endpoint_update

PLATFORM = roles(Role.PLATFORM, Role.ADMIN)


class WebhookEndpointListCreateApi(APIView):
    """The platform's webhook receivers (https, public addresses only)."""

    permission_classes = [PLATFORM]

    @extend_schema(responses=WebhookEndpointSerializer(many=True))
    def get(self, request):
        endpoints = selectors.endpoint_list_for(principal_of(request.user))
        return Response(WebhookEndpointSerializer(endpoints, many=True).data)

    @extend_schema(
        request=WebhookEndpointInput, responses={201: WebhookEndpointCreatedSerializer}
    )
    def post(self, request):
        data = valid_input(WebhookEndpointInput, request)
        endpoint = services.webhook_endpoint_create(
            principal=principal_of(request.user),
            url=data["url"],
            batched=data["batched"],
        )
        return Response(
            WebhookEndpointCreatedSerializer(endpoint).data,
            status=status.HTTP_201_CREATED,
        )


class WebhookEndpointUpdateInput(serializers.Serializer):
    batched = serializers.BooleanField(
        required=False,
        help_text="many events per request, as one signed JSON array",
    )


class WebhookEndpointDetailApi(APIView):
    """One of the platform's receivers; PATCH ``batched`` to take many events
    per request (a signed JSON array) or one per request (the default)."""

    permission_classes = [PLATFORM]

    @extend_schema(responses=WebhookEndpointSerializer)
    def get(self, request, endpoint_id: int):
        endpoint = selectors.endpoint_get_for(principal_of(request.user), endpoint_id)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        request=WebhookEndpointUpdateInput, responses=WebhookEndpointSerializer
    )
    def patch(self, request, endpoint_id: int):
        data = valid_input(WebhookEndpointUpdateInput, request)
        endpoint = selectors.endpoint_get_for(principal_of(request.user), endpoint_id)
        endpoint = webhook_endpoint_update(
            endpoint=endpoint, batched=data.get("batched")
        )
        return Response(WebhookEndpointSerializer(endpoint).data)


class RotateInput(serializers.Serializer):
    drop_old = serializers.BooleanField(default=False)


class WebhookEndpointRotateApi(APIView):
    """Add a new signing secret (answered once); the old one signs too until
    ``drop_old``."""

    permission_classes = [PLATFORM]

    @extend_schema(request=RotateInput, responses=WebhookEndpointCreatedSerializer)
    def post(self, request, endpoint_id: int):
        data = valid_input(RotateInput, request)
        endpoint = selectors.endpoint_get_for(principal_of(request.user), endpoint_id)
        endpoint = services.webhook_endpoint_rotate(
            endpoint=endpoint, drop_old=data["drop_old"]
        )
        return Response(WebhookEndpointCreatedSerializer(endpoint).data)


class WebhookMessageListApi(generics.ListAPIView):
    """The delivery log of one endpoint, newest first."""

    permission_classes = [PLATFORM]
    serializer_class = WebhookMessageSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return WebhookMessage.objects.none()
        endpoint = selectors.endpoint_get_for(
            principal_of(self.request.user), self.kwargs["endpoint_id"]
        )
        return selectors.messages_for(endpoint).order_by("-id")
