"""Inspection templates, inspections and their checks, photos, sign-off, appeals.

Fields, choices and constraints only; every write goes through
``inspection.services``. Inspections are append-only records: a correction is a
new inspection (an appeal or a supervisor's re-inspection), never an edit of a
closed one. Each check row keeps a copy of the rule it was judged by, so editing
a template never changes a past result.

One module per sub-domain: :mod:`.templates`, :mod:`.inspections` (checks,
sampled units, photos, hold decisions and appeals), :mod:`.certificates`,
:mod:`.returns` (a buyer's returned item compared with its certificate).
"""

from .certificates import Certificate, CertificateFile
from .inspections import (
    Appeal,
    CheckVerdict,
    HoldDecision,
    Inspection,
    InspectionCheck,
    InspectionPhoto,
    SampleUnit,
    Verdict,
    photo_upload_to,
)
from .returns import (
    ReturnInspection,
    ReturnOutcome,
    ReturnPhoto,
    ReturnVerdict,
    return_photo_upload_to,
)
from .templates import CheckKind, InspectionTemplate, TemplateCheck
from .transparency import LogEntry, LogNode, LogState, TreeHead

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
    "LogEntry",
    "LogNode",
    "LogState",
    "ReturnInspection",
    "ReturnOutcome",
    "ReturnPhoto",
    "ReturnVerdict",
    "SampleUnit",
    "TemplateCheck",
    "TreeHead",
    "Verdict",
    "photo_upload_to",
    "return_photo_upload_to",
]
