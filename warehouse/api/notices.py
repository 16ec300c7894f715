"""The inbound-notice API: merchants announce shipments; everyone in scope
lists and reads them."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from warehouse.common.access import Role, principal_of
from warehouse.common.api import ANY_ROLE, IDEMPOTENCY_KEY, IdempotentPostMixin, roles

from .. import selectors, services
from ..filters import InboundNoticeFilter
from ..serializers import (
    InboundNoticeDetailSerializer,
    InboundNoticeDocInputSerializer,
    InboundNoticeInputSerializer,
    InboundNoticeSerializer,
    NoticeItemRowSerializer,
)

MERCHANTS = roles(Role.MERCHANT)


class InboundNoticeListCreateApi(IdempotentPostMixin, generics.ListAPIView):
    """Merchants announce shipments; everyone in scope lists them."""

    serializer_class = InboundNoticeSerializer
    filterset_class = InboundNoticeFilter

    def get_queryset(self):
        return selectors.notice_list_for(principal_of(self.request.user))

    def get_permissions(self):
        if self.request.method == "POST":
            return [MERCHANTS()]
        return [ANY_ROLE()]

    class CreatedSerializer(InboundNoticeSerializer):
        items = NoticeItemRowSerializer(many=True)

        class Meta(InboundNoticeSerializer.Meta):
            fields = [*InboundNoticeSerializer.Meta.fields, "items"]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=InboundNoticeDocInputSerializer,
        responses={201: CreatedSerializer},
        summary="Announce a shipment (up to 100,000 items, all or nothing)",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request):
        data = InboundNoticeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.inbound_notice_create(
            merchant=request.user.merchant_membership.merchant,
            warehouse_code=data.validated_data["warehouse"],
            reference=data.validated_data["reference"],
            carrier=data.validated_data.get("carrier", ""),
            tracking_number=data.validated_data.get("tracking_number", ""),
            items=data.validated_data["items"],
            actor=request.user,
        )
        body = InboundNoticeSerializer(notice).data
        body["items"] = [
            {name: item[name] for name in selectors.NOTICE_ROW_FIELDS}
            for item in notice.created_rows
        ]
        return Response(body, status=status.HTTP_201_CREATED)


class InboundNoticeDetailApi(APIView):
    permission_classes = [ANY_ROLE]

    @extend_schema(responses=InboundNoticeDetailSerializer)
    def get(self, request, notice_id: int):
        notice = selectors.notice_get_for(principal_of(request.user), notice_id)
        return Response(InboundNoticeDetailSerializer(notice).data)
