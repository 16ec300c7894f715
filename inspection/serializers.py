"""Input and output shapes of the inspection API."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import rules
from .messages import check_reason
from .models import (
    Certificate,
    HoldDecision,
    Inspection,
    InspectionCheck,
    InspectionPhoto,
    InspectionTemplate,
    SampleUnit,
    TemplateCheck,
)


def _name(user) -> str | None:
    return user.get_username() if user is not None else None


class TemplateCheckSerializer(serializers.ModelSerializer):
    rule_text = serializers.SerializerMethodField()

    class Meta:
        model = TemplateCheck
        fields = [
            "key",
            "kind",
            "label",
            "label_zh",
            "mandatory",
            "on_fail",
            "params",
            "rule_text",
        ]

    def get_rule_text(self, check) -> str:
        return rules.rule_describe(
            rules.rule_from_dict(
                {
                    "key": check.key,
                    "kind": check.kind,
                    "mandatory": check.mandatory,
                    "on_fail": check.on_fail,
                    "params": check.params,
                }
            )
        )


class TemplateSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code")
    checks = TemplateCheckSerializer(many=True)
    observation_keys = serializers.SerializerMethodField()

    class Meta:
        model = InspectionTemplate
        fields = [
            "id",
            "category",
            "version",
            "aql",
            "signoff_above_value",
            "notes",
            "created_at",
            "checks",
            "observation_keys",
        ]

    @extend_schema_field(serializers.DictField(child=serializers.ListField()))
    def get_observation_keys(self, template) -> dict:
        """Per check, the keys of ``observed`` it reads (``weight_g``, ``gs1`` …)."""
        out = {}
        for check in template.checks.all():
            rule = rules.rule_from_dict(
                {"key": check.key, "kind": check.kind, "params": check.params}
            )
            out[check.key] = list(rules.observation_keys(rule))
        return out


class TemplateCheckInputSerializer(serializers.Serializer):
    key = serializers.SlugField(max_length=32)
    kind = serializers.ChoiceField(choices=rules.CHECK_KINDS)
    label = serializers.CharField(max_length=100, required=False, allow_blank=True)
    label_zh = serializers.CharField(max_length=100, required=False, allow_blank=True)
    mandatory = serializers.BooleanField(default=True)
    on_fail = serializers.ChoiceField(choices=["fail", "hold"], default="fail")
    params = serializers.DictField(required=False, default=dict)


class TemplatePublishSerializer(serializers.Serializer):
    category = serializers.CharField(max_length=32)
    aql = serializers.CharField(max_length=8, default="2.5")
    signoff_above_value = serializers.CharField(
        max_length=20, required=False, allow_blank=True, allow_null=True
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    checks = TemplateCheckInputSerializer(many=True)


class CheckSerializer(serializers.ModelSerializer):
    check = serializers.CharField(source="key")
    label = serializers.SerializerMethodField()
    label_zh = serializers.SerializerMethodField()
    mandatory = serializers.SerializerMethodField()
    rule_text = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField(
        help_text="The result in the request's language (Accept-Language), "
        "rendered from code and params."
    )
    observed_by = serializers.SerializerMethodField()

    class Meta:
        model = InspectionCheck
        fields = [
            "check",
            "kind",
            "label",
            "label_zh",
            "mandatory",
            "rule",
            "rule_text",
            "claimed",
            "observed",
            "verdict",
            "reason",
            "code",
            "params",
            "detail",
            "source",
            "observed_by",
            "observed_at",
        ]

    def get_label(self, check) -> str:
        return check.rule.get("label", "")

    def get_label_zh(self, check) -> str:
        return check.rule.get("label_zh", "")

    def get_mandatory(self, check) -> bool:
        return bool(check.rule.get("mandatory", True))

    def get_rule_text(self, check) -> str:
        return rules.rule_describe(rules.rule_from_dict(check.rule))

    def get_reason(self, check) -> str:
        return check_reason(check.code, check.params)

    def get_observed_by(self, check) -> str | None:
        return _name(check.observed_by)


class UnitSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="number")
    recorded_by = serializers.CharField(source="recorded_by.username")
    results = serializers.SerializerMethodField(
        help_text="Per check key: verdict, effect, reason (in the request's "
        "language), code, params, detail."
    )

    class Meta:
        model = SampleUnit
        fields = [
            "unit",
            "verdict",
            "observed",
            "results",
            "recorded_by",
            "recorded_at",
        ]

    def get_results(self, unit) -> dict:
        return {
            key: {
                **result,
                "reason": check_reason(result.get("code", ""), result.get("params")),
            }
            for key, result in unit.results.items()
        }


class PhotoSerializer(serializers.ModelSerializer):
    check = serializers.CharField(source="check_key")
    url = serializers.SerializerMethodField()

    class Meta:
        model = InspectionPhoto
        fields = [
            "id",
            "check",
            "url",
            "content_type",
            "size",
            "width",
            "height",
            "sha256",
            "caption",
            "uploaded_at",
        ]

    def get_url(self, photo) -> str:
        return reverse(
            "inspection:photo-file",
            kwargs={"inspection_id": photo.inspection_id, "photo_id": photo.pk},
        )


class HoldDecisionSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(source="decided_by.username")

    class Meta:
        model = HoldDecision
        fields = ["decision", "reason", "reason_lang", "decided_by", "decided_at"]


class InspectionSerializer(serializers.ModelSerializer):
    """An inspection with its checks (claimed, observed, rule, verdict)."""

    item = serializers.CharField(source="item.code")
    template = serializers.SerializerMethodField()
    lot = serializers.SerializerMethodField()
    signoff = serializers.SerializerMethodField()
    hold_decision = serializers.SerializerMethodField()
    opened_by = serializers.SerializerMethodField()
    completed_by = serializers.SerializerMethodField()
    station = serializers.CharField(
        source="station.code", default=None, allow_null=True
    )
    previous = serializers.IntegerField(source="previous_id", allow_null=True)
    checks = CheckSerializer(many=True)
    units = UnitSerializer(many=True)
    photos = PhotoSerializer(many=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "item",
            "number",
            "reason",
            "previous",
            "status",
            "verdict",
            "template",
            "lot",
            "checks",
            "units",
            "photos",
            "notes",
            "notes_lang",
            "opened_by",
            "station",
            "opened_at",
            "completed_by",
            "completed_at",
            "signoff",
            "hold_decision",
            "closed_at",
        ]

    @extend_schema_field(serializers.DictField())
    def get_template(self, inspection) -> dict:
        return {
            "id": inspection.template_id,
            "category": inspection.template.category.code,
            "version": inspection.template.version,
        }

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_lot(self, inspection) -> dict | None:
        if not inspection.is_lot:
            return None
        return {
            "lot_size": inspection.lot_size,
            "sample_size": inspection.sample_size,
            "code_letter": inspection.code_letter,
            "aql": str(inspection.template.aql),
            "accept": inspection.accept_number,
            "reject": inspection.reject_number,
            "units_recorded": len(inspection.units.all()),
            "nonconforming": inspection.nonconforming,
        }

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_signoff(self, inspection) -> dict | None:
        if (
            inspection.status != Inspection.Status.AWAITING_SIGNOFF
            and inspection.signed_off_by_id is None
        ):
            return None
        return {
            "by": _name(inspection.signed_off_by),
            "at": serializers.DateTimeField().to_representation(
                inspection.signed_off_at
            )
            if inspection.signed_off_at
            else None,
            "approved": inspection.signoff_approved,
            "note": inspection.signoff_note,
            "note_lang": inspection.signoff_note_lang,
        }

    @extend_schema_field(HoldDecisionSerializer(allow_null=True))
    def get_hold_decision(self, inspection) -> dict | None:
        try:
            decision = inspection.hold_decision
        except HoldDecision.DoesNotExist:
            return None
        return HoldDecisionSerializer(decision).data

    def get_opened_by(self, inspection) -> str | None:
        return _name(inspection.opened_by)

    def get_completed_by(self, inspection) -> str | None:
        return _name(inspection.completed_by)


class InspectionSubmitSerializer(serializers.Serializer):
    observed = serializers.DictField(
        required=False,
        help_text="Keyed like the claim: material, weight_g (or weight_ct, weight_mg), "
        "expiry_date, production_date, gs1, packaging, labels, imei, or a check's key.",
    )
    units = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text='Lots: sampled units, [{"unit": 1, "observed": {...}}, …].',
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    complete = serializers.BooleanField(
        default=True,
        help_text="Compute the verdict now (default); false leaves it open.",
    )


class ObservationsSerializer(serializers.Serializer):
    observed = serializers.DictField()


class UnitsSerializer(serializers.Serializer):
    units = serializers.ListField(child=serializers.DictField())


class CompleteSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SignOffSerializer(serializers.Serializer):
    approve = serializers.BooleanField(default=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ScaleReadingSerializer(serializers.Serializer):
    weight_g = serializers.JSONField(required=False)
    weight_ct = serializers.JSONField(required=False)
    weight_mg = serializers.JSONField(required=False)


class HoldDecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=HoldDecision.Decision.values)
    reason = serializers.CharField(max_length=2000)


class AppealInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class AppealSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.code")
    appealed = serializers.IntegerField(source="appealed_id")
    reinspection = InspectionSerializer()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class PhotoUploadSerializer(serializers.Serializer):
    image = serializers.FileField()
    check = serializers.CharField(required=False, allow_blank=True, max_length=32)
    caption = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CertificateSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.code")
    inspection = serializers.IntegerField(source="inspection_id")
    verify_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    replaced_by = serializers.CharField(
        source="replaced_by.number", default=None, allow_null=True
    )
    revoked_by = serializers.CharField(
        source="revoked_by.username", default=None, allow_null=True
    )

    class Meta:
        model = Certificate
        fields = [
            "number",
            "query_code",
            "item",
            "inspection",
            "status",
            "issued_at",
            "sha256",
            "key_id",
            "verify_url",
            "pdf_url",
            "revoked_at",
            "revoked_by",
            "revoked_reason",
            "replaced_by",
        ]

    def get_verify_url(self, certificate) -> str:
        from .services.certificates import verify_url

        return verify_url(certificate.token)

    def get_pdf_url(self, certificate) -> str:
        return reverse(
            "inspection:item-certificate-pdf", kwargs={"code": certificate.item.code}
        )


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    reinspect = serializers.BooleanField(default=False)
