"""Inbound notice files (CSV or XLSX) read into the item rows the service takes.

A file has a header row and one item per row: ``sku``, ``title``,
``category``, optional ``serial``, ``gtin``, ``order_ref``, ``quantity``, and
claim columns named ``claim.<key>`` (``claim.material``, ``claim.weight_g``,
``claim.expiry_date``, ``claim.labels`` …). The notice itself (reference,
warehouse, carrier, tracking number) comes from the upload form. A line
whose one cell starts with ``#`` is a comment (the template lists the
vocabularies' codes so); a material, a packaging type or a marking may be
written as its code or its Chinese or English name (the service stores the
code, :mod:`warehouse.vocabularies`).

:func:`notice_file_read` finds what the file itself gets wrong (not a CSV or
XLSX, empty, too large, unknown columns, bad numbers) and names each problem
by the row of the file it is on, counting the header as row 1, as a
spreadsheet does. :func:`service_errors` maps the service's own row errors
(``items[3].claim.weight_g``) back to those rows. :func:`notice_template_csv`
(or ``_xlsx``) writes the template a merchant fills in.

The rows come out as the API takes them: texts as texts, claim numbers as
strings (``"52.31"``), dates as ISO dates (``"2029-08-31"``), labels as a list.

A file holds at most ``INBOUND_NOTICE_MAX_ITEMS`` items, as a notice sent to
the API does. The work spent reading it is bounded by :mod:`warehouse.sheets`
(empty rows, columns, cells, unpacked size, time: the ``INBOUND_UPLOAD_*``
settings); a file past one of those limits is refused with the limit named.
CSV text is UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode
text") or GB18030, the superset of the GBK that Excel in Chinese saves.

:mod:`.columns` names the columns and reads a cell as text, :mod:`.rows`
turns rows into items (and the service's errors back into rows),
:mod:`.reader` reads the uploaded bytes, :mod:`.template` writes the template.
"""

from .columns import date_normalise, labels_split
from .reader import MAX_UPLOAD_BYTES, REFUSALS, notice_file_read
from .rows import MAX_FILE_ERRORS, NoticeFile, RowError, service_errors
from .template import (
    TEMPLATE_COLUMNS,
    TEMPLATE_EXAMPLES,
    notice_template_csv,
    notice_template_xlsx,
)

__all__ = [
    "MAX_FILE_ERRORS",
    "MAX_UPLOAD_BYTES",
    "REFUSALS",
    "TEMPLATE_COLUMNS",
    "TEMPLATE_EXAMPLES",
    "NoticeFile",
    "RowError",
    "date_normalise",
    "labels_split",
    "notice_file_read",
    "notice_template_csv",
    "notice_template_xlsx",
    "service_errors",
]
