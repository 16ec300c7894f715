"""The label-wave API: a station's waves, each wave's labels as one PDF and
one ZPL stream, and marking a wave printed."""

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from warehouse.common.access import principal_of
from warehouse.common.api import ANY_ROLE
from warehouse.common.exceptions import NotFound

from ..models import Wave
from ..services.shipping import waves

WAVE_FORMATS = ("pdf", "zpl")


class WaveSerializer(serializers.ModelSerializer):
    """A wave with its parcels counted and the links to its labels."""

    station = serializers.CharField(source="station.code", default=None)
    warehouse = serializers.CharField(source="warehouse.code")
    parcels = serializers.IntegerField()
    labelled = serializers.IntegerField()
    to_print = serializers.IntegerField()
    labels_pdf = serializers.SerializerMethodField()
    labels_zpl = serializers.SerializerMethodField()

    class Meta:
        model = Wave
        fields = [
            "id",
            "warehouse",
            "carrier",
            "station",
            "parcels",
            "labelled",
            "to_print",
            "opened_at",
            "closed_at",
            "labelled_at",
            "printed_at",
            "labels_pdf",
            "labels_zpl",
        ]

    def _link(self, wave: Wave, fmt: str) -> str:
        return reverse(
            "fulfilment:wave-labels", kwargs={"wave_id": wave.pk, "fmt": fmt}
        )

    def get_labels_pdf(self, wave: Wave) -> str:
        return self._link(wave, "pdf")

    def get_labels_zpl(self, wave: Wave) -> str:
        return self._link(wave, "zpl")


def wave_file_response(wave: Wave, fmt: str, *, station_id: int | None):
    """The wave's labels as one ``pdf`` or one ``zpl`` stream (the API and the
    dock page alike); 404 before any is labelled."""
    if fmt not in WAVE_FORMATS:
        raise NotFound(_("No such label format."))
    if fmt == "zpl":
        body = waves.wave_labels_zpl(wave, station_id=station_id)
        content_type = "application/zpl; charset=utf-8"
    else:
        body = waves.wave_labels_pdf(wave)
        content_type = "application/pdf"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{wave}.{fmt}"'
    return response


class WaveListApi(generics.ListAPIView):
    """The label waves of the caller's warehouse, newest first;
    ``?to_print=1``: only those with labels still to print."""

    permission_classes = [ANY_ROLE]
    serializer_class = WaveSerializer

    @extend_schema(parameters=[OpenApiParameter("to_print", bool)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return Wave.objects.none()
        queryset = waves.wave_list_for(principal_of(self.request.user))
        if self.request.query_params.get("to_print") in ("1", "true"):
            queryset = queryset.filter(to_print__gt=0)
        return queryset


class WaveLabelsApi(APIView):
    """Every label of the wave: one PDF (a 4x6 in page each) or one ZPL
    stream for the printer of the caller's station."""

    permission_classes = [ANY_ROLE]

    @extend_schema(
        responses={(200, "application/pdf"): bytes, (200, "application/zpl"): str}
    )
    def get(self, request, wave_id: int, fmt: str):
        principal = principal_of(request.user)
        wave = waves.wave_get_for(principal, wave_id)
        station = principal.station
        return wave_file_response(wave, fmt, station_id=station.pk if station else None)


class WavePrintedApi(APIView):
    """Mark the wave's labels printed: they leave the labels to print."""

    permission_classes = [ANY_ROLE]

    @extend_schema(request=None, responses=WaveSerializer)
    def post(self, request, wave_id: int):
        principal = principal_of(request.user)
        wave = waves.wave_get_for(principal, wave_id)
        waves.wave_printed(principal=principal, wave=wave)
        return Response(WaveSerializer(waves.wave_get_for(principal, wave_id)).data)
