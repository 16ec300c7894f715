"""Return inspections: a buyer's returned item compared with its certificate.

:mod:`.compare` is the judge (pure: reads the certificate, the seal and the
template, writes nothing); :mod:`.inspect` the writes (create, sign-off, a
supervisor's decision on a disputed item); :mod:`.queries` the reads;
:mod:`.report` the signed return report's job.
"""

from .compare import (
    POINT_CODES,
    return_certified_values,
    return_compare,
    return_outcome,
    return_verdict,
)

__all__ = [
    "POINT_CODES",
    "return_certified_values",
    "return_compare",
    "return_outcome",
    "return_verdict",
]
