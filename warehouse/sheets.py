"""Rows of an uploaded spreadsheet, read within a bounded amount of work.

An upload is hostile until read. A 36 KB XLSX can unpack to millions of empty
rows, a sheet can declare itself ``A1:XFD1048576``, a shared-strings table can
hold millions of entries, a CSV line millions of cells. The readers here yield
``(row number, cells)`` for each row that holds something and raise
:class:`Refused` (a code and its parameters, rendered by the caller in the
reader's language) as soon as the file passes one of the :class:`Limits`, so
the work per upload depends on the limits, never on the file:

- XLSX: the zip directory is checked before anything is unpacked (zipfile
  never unpacks more than a part declares): parts, total unpacked size, each
  part's compression ratio. Only the parts needed are read: content types,
  workbook and its relationships and styles (which cells are dates), each
  no larger than :data:`SMALL_PART_BYTES`, then the first worksheet, and the
  shared strings only as far as its cells reach into them. The sheet's
  declared dimension is never used: the rows are those the sheet holds, a
  run of missing rows is counted as empty rows, not visited one by one. The
  sheet and the shared strings are read element by element, each element
  dropped from the tree once read, the clock checked as the reading goes.
- CSV: lines longer than the columns can hold and fields over the csv
  module's limit are refused as they are met.
- Both: at most ``blank_rows`` empty rows, ``columns`` columns holding a value,
  ``cells`` cells in all, ``seconds`` of reading.

The cells are openpyxl's values (XLSX) or strings (CSV); the caller decides
what they mean.
"""

import contextlib
import csv
import io
import time
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import XMLPullParser

from django.conf import settings
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

# Excel's own limit for the text of one cell.
MAX_CELL_CHARS = 32_767
# Parts of a workbook beyond the first worksheet and the shared strings that
# are parsed (content types, workbook, relationships, styles): a few kB in
# any real workbook.
SMALL_PART_BYTES = 4 * 1024 * 1024
# A workbook is a few dozen parts.
MAX_PARTS = 1_000
# Parts smaller than this are not judged by their compression ratio.
RATIO_FLOOR_BYTES = 1024 * 1024
# XML elements inside one cell or one shared string (rich-text runs).
MAX_CELL_ELEMENTS = 10_000
# The sheet and the shared strings are read this many bytes at a time, the
# clock checked between. A piece without ``<`` or ``>`` is a token longer than
# any cell of a real workbook and is refused: expat before 2.6 parses an
# unfinished token again with each slice fed to it, quadratic in its length.
_WINDOW_BYTES = 256 * 1024
# Each piece is fed to the parser in slices of this size: fewer elements are
# alive at once, which measured twice as fast as 64 kB slices.
_FEED_BYTES = 8 * 1024

_NS = "{" + SHEET_MAIN_NS + "}"
_ROW = _NS + "row"
_CELL = _NS + "c"
_SHEET_DATA = _NS + "sheetData"
_STRING = _NS + "si"
_TEXT = _NS + "t"
_RUN_TEXT = f"{_NS}r/{_NS}t"


@dataclass(frozen=True)
class Limits:
    """What one upload may hold; :meth:`from_settings` gives the site's."""

    blank_rows: int
    columns: int
    cells: int
    unpacked_bytes: int
    zip_ratio: int
    seconds: float

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            blank_rows=settings.INBOUND_UPLOAD_MAX_BLANK_ROWS,
            columns=settings.INBOUND_UPLOAD_MAX_COLUMNS,
            cells=settings.INBOUND_UPLOAD_MAX_CELLS,
            unpacked_bytes=settings.INBOUND_UPLOAD_MAX_UNPACKED_MB * 1024 * 1024,
            zip_ratio=settings.INBOUND_UPLOAD_MAX_ZIP_RATIO,
            seconds=settings.INBOUND_UPLOAD_READ_SECONDS,
        )

    @property
    def line_chars(self) -> int:
        """The longest CSV line: every column full, quoted, with its separator."""
        return self.columns * (MAX_CELL_CHARS + 3)


class Refused(Exception):
    """The file passes a limit: ``code`` and ``params`` name which; ``row``
    (the file's row, 1 being the first) when it is on one."""

    def __init__(self, code: str, *, row: int | None = None, **params):
        super().__init__(code, row, params)
        self.code = code
        self.row = row
        self.params = params


@dataclass
class Clock:
    """The reading's wall-clock budget."""

    seconds: float
    deadline: float = field(init=False)

    def __post_init__(self):
        self.deadline = time.monotonic() + self.seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise Refused("too_slow", seconds=self.seconds)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- XLSX ---------------------------------------------------------------------------


class _Archive(zipfile.ZipFile):
    """A zip whose parts, unless named in ``large``, are opened only when
    they unpack to at most :data:`SMALL_PART_BYTES` (openpyxl reads them
    whole)."""

    large: frozenset = frozenset()

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        if (
            mode == "r"
            and info.filename not in self.large
            and info.file_size > SMALL_PART_BYTES
        ):
            raise Refused(
                "part_too_large",
                part=info.filename,
                mb=SMALL_PART_BYTES // (1024 * 1024),
            )
        return super().open(name, mode, pwd, force_zip64=force_zip64)


def _archive_check(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a zip by its directory: what each part says it unpacks to."""
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        raise Refused("parts", max=MAX_PARTS)
    if sum(part.file_size for part in parts) > limits.unpacked_bytes:
        raise Refused("unpacked", mb=limits.unpacked_bytes // (1024 * 1024))
    for part in parts:
        if (
            part.file_size > RATIO_FLOOR_BYTES
            and part.file_size > limits.zip_ratio * max(part.compress_size, 1)
        ):
            raise Refused("zip_ratio", part=part.filename, ratio=limits.zip_ratio)


def _events(source, clock: Clock):
    """``(event, element)`` of an XML part, read a piece at a time.

    The standard library's C parser: expat (2.4.1 and later) refuses
    exponential entity expansion and ElementTree never fetches external
    entities (the Python docs' "XML vulnerabilities"); defusedxml's parser,
    which openpyxl takes when it is installed, is pure Python and several
    times slower.
    """
    parser = XMLPullParser(events=("start", "end"))
    while window := source.read(_WINDOW_BYTES):
        clock.check()
        if len(window) == _WINDOW_BYTES and b"<" not in window and b">" not in window:
            raise Refused("cell_too_long", max=MAX_CELL_CHARS)
        for start in range(0, len(window), _FEED_BYTES):
            parser.feed(window[start : start + _FEED_BYTES])
            yield from parser.read_events()
    parser.close()
    yield from parser.read_events()


def _elements(source, clock: Clock, keep: str):
    """``end`` events of an XML part, elements dropped once read.

    Each element is taken out of its parent when its end has been handed
    out, except inside a ``keep`` element, whose children stay until it ends
    (at most :data:`MAX_CELL_ELEMENTS` of them). Yields ``(element, start)``
    pairs: ``start`` is True on the start of a row, so its number can be
    read before its cells.
    """
    stack = []
    inside = 0  # elements open inside the current ``keep`` element
    for event, element in _events(source, clock):
        if event == "start":
            stack.append(element)
            if element.tag == keep:
                inside = 1
            elif inside:
                inside += 1
                if inside > MAX_CELL_ELEMENTS:
                    raise ValueError("too many elements in one cell")
            elif element.tag == _ROW:
                yield element, True
            continue
        stack.pop()
        if element.tag == keep:
            inside = 0
        elif inside:
            continue  # a part of the cell: read with it
        yield element, False
        if stack:
            del stack[-1][-1]  # the element just read is its parent's last


def _string_text(element) -> str:
    """A shared string's text, as openpyxl's ``Text.content`` reads it: the
    plain text, then the rich-text runs' (not the phonetic guide's)."""
    plain = element.findtext(_TEXT) or ""
    runs = element.findall(_RUN_TEXT)
    if runs:
        plain += "".join(run.text or "" for run in runs)
    return plain.replace("x005F_", "")  # as openpyxl does


class _SharedStrings:
    """The shared-strings table, read only as far as the sheet's cells reach
    into it (a table of millions of entries costs what its cells use), at
    most ``cells`` entries."""

    def __init__(self, source, limits: Limits, clock: Clock):
        self._elements = _elements(source, clock, keep=_STRING)
        self._limit = limits.cells
        self._texts: list[str] = []

    def __getitem__(self, index: int) -> str:
        if index >= self._limit:
            raise Refused("cells", max=self._limit)
        if index < 0:
            raise IndexError(index)
        while len(self._texts) <= index:
            element, _start = next(self._elements, (None, None))
            if element is None:
                raise IndexError(index)
            if element.tag == _STRING:
                text = _string_text(element)
                if len(text) > MAX_CELL_CHARS:
                    raise Refused("cell_too_long", max=MAX_CELL_CHARS)
                self._texts.append(text)
        return self._texts[index]


def _row_number(element, previous: int) -> int:
    text = element.get("r")
    if text is None:
        return previous + 1
    number = float(text)
    if not number.is_integer() or number < 1:
        raise ValueError(f"row number {text!r}")
    return int(number)


def _sheet_rows(parser: WorkSheetParser, source, limits: Limits, clock: Clock):
    cells_read = blank = number = last = 0
    values: list = []
    for element, start in _elements(source, clock, keep=_CELL):
        tag = element.tag
        if start:  # a row begins: its number, before its cells
            number = _row_number(element, number)
            parser.row_counter, parser.col_counter = number, 0
            values = []
        elif tag == _CELL:
            cells_read += 1
            if cells_read > limits.cells:
                raise Refused("cells", max=limits.cells)
            cell = parser.parse_cell(element)
            if _blank(cell["value"]):
                continue
            if cell["column"] > limits.columns:
                raise Refused("columns", row=number, max=limits.columns)
            if isinstance(cell["value"], str) and len(cell["value"]) > MAX_CELL_CHARS:
                raise Refused("cell_too_long", row=number, max=MAX_CELL_CHARS)
            values.append((cell["column"], cell["value"]))
        elif tag == _ROW:
            # Rows the sheet leaves out are empty rows too, counted not visited.
            blank += max(number - last - 1, 0) + (not values)
            last = max(last, number)
            if blank > limits.blank_rows:
                raise Refused("blank_rows", max=limits.blank_rows)
            if values:
                cells = [None] * max(column for column, _ in values)
                for column, value in values:
                    cells[column - 1] = value
                yield number, cells
        elif tag == _SHEET_DATA:
            return  # what follows the cells (merges, print setup) is not read


def xlsx_rows(data: bytes, limits: Limits, clock: Clock):
    """``(row number, cell values)`` of the first worksheet's rows that hold
    something. Raises :class:`Refused` on a limit, other errors (zipfile's,
    openpyxl's, the XML parser's) on a file that is not a workbook."""
    with _Archive(io.BytesIO(data)) as archive:
        _archive_check(archive, limits)
        reader = ExcelReader(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
        reader.archive.close()
        reader.archive = archive
        reader.read_manifest()
        reader.read_workbook()
        workbook = reader.wb
        apply_stylesheet(archive, workbook)  # which number formats are dates
        strings_part = reader.package.find(SHARED_STRINGS)
        sheet_part = next(
            (
                rel.target
                for _sheet, rel in reader.parser.find_sheets()
                if rel.target in reader.valid_files and "chartsheet" not in rel.Type
            ),
            None,
        )
        if sheet_part is None:
            raise ValueError("no worksheet")
        archive.large = frozenset(
            (sheet_part, *([strings_part.PartName[1:]] if strings_part else []))
        )
        with contextlib.ExitStack() as parts:
            strings: _SharedStrings | list = []
            if strings_part is not None:
                table = parts.enter_context(archive.open(strings_part.PartName[1:]))
                strings = _SharedStrings(table, limits, clock)
            source = parts.enter_context(archive.open(sheet_part))
            parser = WorkSheetParser(
                source,
                strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            yield from _sheet_rows(parser, source, limits, clock)


# --- CSV ----------------------------------------------------------------------------


def _lines(text: str, longest: int):
    """The text's lines (ends kept, as csv wants them), none over ``longest``."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > longest:
            raise Refused("line_too_long", row=number, max=longest)
        yield line


def csv_rows(text: str, limits: Limits, clock: Clock):
    """``(line the record starts on, cells)`` for each record that holds
    something; the delimiter is the first line's most frequent of ``,;\\t``."""
    longest = limits.line_chars
    end = text.find("\n", 0, longest)
    first_line = text[: end if end >= 0 else longest]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(_lines(text, longest), delimiter=delimiter)
    cells_read = blank = 0
    while True:
        clock.check()
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise Refused("cell_too_long", row=start, max=MAX_CELL_CHARS) from exc
            raise Refused("csv_unreadable", row=start, error=str(exc)) from exc
        if len(cells) > limits.columns:
            if any(cell.strip() for cell in cells[limits.columns :]):
                raise Refused("columns", row=start, max=limits.columns)
            del cells[limits.columns :]
        while cells and not cells[-1].strip():
            cells.pop()
        if not cells:
            blank += 1
            if blank > limits.blank_rows:
                raise Refused("blank_rows", max=limits.blank_rows)
            continue
        cells_read += len(cells)
        if cells_read > limits.cells:
            raise Refused("cells", max=limits.cells)
        if any(len(cell) > MAX_CELL_CHARS for cell in cells):
            raise Refused("cell_too_long", row=start, max=MAX_CELL_CHARS)
        yield start, cells
