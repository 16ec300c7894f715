"""Inspection templates, inspections and their checks, photos, sign-off, appeals.

Fields, choices and constraints only; every write goes through
``inspection.services``. Inspections are append-only records: a correction is a
new inspection (an appeal or a supervisor's re-inspection), never an edit of a
closed one. Each check row keeps a copy of the rule it was judged by, so editing
a template never changes a past result.
"""

from .inspections import (
    Appeal,
    Certificate,
    CertificateFile,
    CheckKind,
    CheckVerdict,
    HoldDecision,
    Inspection,
    InspectionCheck,
    InspectionPhoto,
    InspectionTemplate,
    SampleUnit,
    TemplateCheck,
    Verdict,
    photo_upload_to,
)

__all__ = [
    "Appeal",
    "Certificate",
    "CertificateFile",
    "CheckKind",
    "CheckVerdict",
    "HoldDecision",
    "Inspection",
    "InspectionCheck",
    "InspectionPhoto",
    "InspectionTemplate",
    "SampleUnit",
    "TemplateCheck",
    "Verdict",
    "photo_upload_to",
]
