"""Bare DRF views doing the database work of a scan, and nothing else.

They set the bar for ``POST /api/v1/scans/`` (DESIGN.md section 8): the product
should reach at least 2/3 of their requests per second. Same request body as a
scan (``{"barcode": ..., "action": ...}``), DRF's own token authentication, no
throttles, JSON only.

- lookup: one indexed read of an Item by ``code``, a few fields back.
- receive: in one transaction, lock the Item by ``code``, update its state,
  insert one ItemEvent.
"""

from django.db import transaction
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from warehouse.models import Item, ItemEvent, ItemState

FIELDS = ("code", "state", "sku", "title", "serial", "claim")


class _Bare(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = []
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]


class CeilingLookupApi(_Bare):
    def post(self, request):
        row = Item.objects.filter(code=request.data.get("barcode")).values(*FIELDS)
        row = row.first()
        if row is None:
            return Response({"error": "not found"}, status=404)
        return Response(row)


class CeilingReceiveApi(_Bare):
    def post(self, request):
        code = request.data.get("barcode")
        with transaction.atomic():
            item = (
                Item.objects.select_for_update().filter(code=code).only("state").first()
            )
            if item is None:
                return Response({"error": "not found"}, status=404)
            if item.state != ItemState.ANNOUNCED:
                return Response({"error": "not announced"}, status=409)
            now = timezone.now()
            item.state = ItemState.RECEIVED
            item.save(update_fields=["state"])
            ItemEvent.objects.create(
                item=item,
                from_state=ItemState.ANNOUNCED,
                to_state=ItemState.RECEIVED,
                actor=request.user,
                at=now,
                payload={"barcode": code},
            )
        return Response({"code": code, "state": item.state})
