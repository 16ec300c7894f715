"""The operators' admin for templates and inspections.

A template version that an inspection was judged by is frozen: its page is
read-only, and "Copy as a new version" puts an editable copy in force.
Inspections, their checks, photos and decisions are append-only records here.
"""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from warehouse.admin import ReadOnlyAdmin

from . import rules, services
from .models import (
    Appeal,
    Certificate,
    HoldDecision,
    Inspection,
    InspectionCheck,
    InspectionPhoto,
    InspectionTemplate,
    SampleUnit,
    TemplateCheck,
)


class TemplateCheckForm(forms.ModelForm):
    class Meta:
        model = TemplateCheck
        fields = [
            "position",
            "key",
            "kind",
            "label",
            "label_zh",
            "mandatory",
            "on_fail",
            "params",
        ]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind:
            try:
                cleaned["params"] = rules.rule_params_validate(
                    kind, cleaned.get("params") or {}
                )
            except rules.RuleError as exc:
                self.add_error("params", f"{exc.field}: {exc.message}")
        return cleaned


class TemplateCheckInline(admin.TabularInline):
    model = TemplateCheck
    form = TemplateCheckForm
    extra = 0

    def has_change_permission(self, request, obj=None):
        return obj is None or not services.template_in_use(obj)

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


@admin.register(InspectionTemplate)
class InspectionTemplateAdmin(admin.ModelAdmin):
    list_display = ["category", "version", "aql", "signoff_above_value", "created_at"]
    list_filter = ["category"]
    search_fields = ["category__code", "category__name", "notes"]
    inlines = [TemplateCheckInline]
    actions = ["copy_as_new_version"]
    readonly_fields = ["version", "created_by", "created_at"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and services.template_in_use(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and services.template_in_use(obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            with transaction.atomic():
                current = (
                    InspectionTemplate.objects.select_for_update()
                    .filter(category=obj.category)
                    .aggregate(v=Max("version"))["v"]
                )
                obj.version = (current or 0) + 1
                obj.created_by = request.user
                super().save_model(request, obj, form, change)
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Copy as a new version (put in force)"))
    def copy_as_new_version(self, request, queryset):
        for template in queryset.select_related("category"):
            new = services.template_publish(
                category=template.category,
                checks=[
                    {
                        "key": c.key,
                        "kind": c.kind,
                        "label": c.label,
                        "label_zh": c.label_zh,
                        "mandatory": c.mandatory,
                        "on_fail": c.on_fail,
                        "params": c.params,
                    }
                    for c in template.checks.all()
                ],
                aql=template.aql,
                signoff_above_value=template.signoff_above_value,
                notes=template.notes,
                actor=request.user,
            )
            self.message_user(
                request,
                _("%(template)s is in force; edit it before it is used.")
                % {"template": new},
                messages.SUCCESS,
            )


class InspectionCheckInline(admin.TabularInline):
    model = InspectionCheck
    fields = ["key", "kind", "claimed", "observed", "verdict", "reason", "source"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class InspectionPhotoInline(admin.TabularInline):
    model = InspectionPhoto
    fields = ["check_key", "content_type", "size", "width", "height", "uploaded_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = [
        "item",
        "number",
        "reason",
        "status",
        "verdict",
        "template",
        "completed_by",
        "signed_off_by",
        "opened_at",
    ]
    list_filter = [
        "status",
        "verdict",
        "reason",
        "item__warehouse",
        "template__category",
    ]
    search_fields = ["item__code", "item__serial", "item__merchant__code"]
    list_select_related = [
        "item",
        "template__category",
        "completed_by",
        "signed_off_by",
    ]
    inlines = [InspectionCheckInline, InspectionPhotoInline]

    def has_change_permission(self, request, obj=None):
        # Viewable with its inlines; nothing on the page can be saved.
        return False


@admin.register(SampleUnit)
class SampleUnitAdmin(ReadOnlyAdmin):
    list_display = ["inspection", "number", "verdict", "recorded_by", "recorded_at"]
    list_filter = ["verdict"]
    search_fields = ["inspection__item__code"]


@admin.register(HoldDecision)
class HoldDecisionAdmin(ReadOnlyAdmin):
    list_display = ["inspection", "decision", "decided_by", "decided_at"]
    list_filter = ["decision"]
    search_fields = ["inspection__item__code", "reason"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["item", "appealed", "reinspection", "created_by", "created_at"]
    search_fields = ["item__code", "reason"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    """Certificates are revoked through the API (supervisors), never edited."""

    list_display = ["number", "item", "status", "issued_at", "revoked_at"]
    list_filter = ["status", "item__warehouse"]
    search_fields = ["number", "item__code", "item__serial"]
    list_select_related = ["item"]
    exclude = ["token", "query_code"]
