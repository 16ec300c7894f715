"""The merchant-policy API: what happens to a merchant's items when an order
is cancelled, and where returns go (carrier, and the address whole)."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from warehouse.common.access import Role, principal_of
from warehouse.common.api import roles

from ..models import MerchantPolicy
from ..serializers import MerchantPolicySerializer

MERCHANT = roles(Role.MERCHANT)


class MerchantPolicyApi(APIView):
    """What happens to the merchant's items when an order is cancelled."""

    permission_classes = [MERCHANT]

    @extend_schema(responses=MerchantPolicySerializer)
    def get(self, request):
        policy = _policy(request)
        return Response(MerchantPolicySerializer(policy).data)

    @extend_schema(request=MerchantPolicySerializer, responses=MerchantPolicySerializer)
    def put(self, request):
        # Checked before the merchant's policy row is made: a refused PUT
        # leaves nothing behind.
        data = MerchantPolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = _policy(request)
        for name, value in data.validated_data.items():
            if name == "return_to":  # stored as plain JSON; null clears it
                value = dict(value or {})
            setattr(policy, name, value)
        policy.save(update_fields=list(data.validated_data))
        return Response(MerchantPolicySerializer(policy).data)


def _policy(request) -> MerchantPolicy:
    merchant_id = principal_of(request.user).merchant_id
    policy, _created = MerchantPolicy.objects.get_or_create(merchant_id=merchant_id)
    return policy
