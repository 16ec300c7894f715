"""The inspection-template API: templates in force, and supervisors
publishing a new version."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from warehouse.common.access import Role
from warehouse.common.api import ANY_ROLE, roles, valid_input
from warehouse.common.exceptions import NotFound
from warehouse.models import Category

from .. import selectors, services
from ..filters import TemplateFilter
from ..serializers import TemplatePublishSerializer, TemplateSerializer

SUPERVISORS = roles(Role.SUPERVISOR, Role.ADMIN)


class TemplateListApi(APIView):
    """Inspection templates in force (``?all=true``: every version); supervisors
    publish a new version with POST."""

    def get_permissions(self):
        if self.request.method == "POST":
            return [SUPERVISORS()]
        return [ANY_ROLE()]

    @extend_schema(
        parameters=[
            OpenApiParameter("category", str, description="category code"),
            OpenApiParameter(
                "all", bool, description="every version, not only in force"
            ),
        ],
        responses=TemplateSerializer(many=True),
    )
    def get(self, request):
        templates = TemplateFilter(
            request.query_params, queryset=selectors.template_list(all_versions=True)
        ).qs
        return Response(TemplateSerializer(templates, many=True).data)

    @extend_schema(
        request=TemplatePublishSerializer,
        responses={201: TemplateSerializer},
        summary="Publish a new template version for a category (supervisor)",
    )
    def post(self, request):
        data = valid_input(TemplatePublishSerializer, request)
        category = Category.objects.filter(code=data["category"]).first()
        if category is None:
            raise NotFound(
                _("No category %(code)s.") % {"code": data["category"]},
                code="category_not_found",
            )
        template = services.template_publish(
            category=category,
            checks=[dict(check) for check in data["checks"]],
            aql=data["aql"],
            signoff_above_value=data.get("signoff_above_value"),
            notes=data.get("notes", ""),
            actor=request.user,
        )
        return Response(
            TemplateSerializer(selectors.template_get(template.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class TemplateDetailApi(APIView):
    permission_classes = [ANY_ROLE]

    @extend_schema(responses=TemplateSerializer)
    def get(self, request, template_id: int):
        return Response(TemplateSerializer(selectors.template_get(template_id)).data)
