"""The item API: the items the caller may see, and one item's detail."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from warehouse.common.access import principal_of
from warehouse.common.api import ANY_ROLE

from .. import selectors
from ..filters import ItemFilter
from ..serializers import ItemDetailSerializer, ItemSerializer


class ItemListApi(generics.ListAPIView):
    permission_classes = [ANY_ROLE]
    serializer_class = ItemSerializer
    filterset_class = ItemFilter

    def get_queryset(self):
        return selectors.item_list_for(principal_of(self.request.user))


class ItemDetailApi(APIView):
    permission_classes = [ANY_ROLE]

    @extend_schema(responses=ItemDetailSerializer)
    def get(self, request, code: str):
        item = selectors.item_get_for(principal_of(request.user), code)
        return Response(ItemDetailSerializer(item).data)
