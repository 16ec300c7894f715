"""The mask pattern of a QR code (level M), chosen as the standard says.

ISO/IEC 18004 has the encoder try the eight mask patterns on the symbol and
keep the one with the lowest penalty (runs of one colour, 2x2 blocks,
finder-like patterns, the share of dark modules). zxing-cpp (through zint)
does exactly that, and for a version 12 code it is 0.9 ms of a
certificate's 7: the eight candidates are built and scored module by module.

Here the candidates come from one symbol that zxing-cpp encoded with mask 0:
a candidate differs from it only in its data modules (the two masks'
patterns XORed) and its format information, so each is two XORs of one big
integer holding the symbol's modules, and its penalty is the same rules
reckoned on whole rows and columns at once with shifts and bit counts,
in about a quarter of the time. The penalty is zint's reading of the rules
(:func:`penalty`), so the mask chosen is the one zxing-cpp would choose;
``tests/inspection/test_qrmask.py`` holds both to it.

Bit layout: the symbol's ``n`` x ``n`` modules, dark 1, with four light
modules around it, row by row, ``n + 8`` bits a row, the first module the
most significant bit. ``x >> t`` reads, at each module, the module ``t``
places before it (``t == 1``: to its left; ``t == stride``: above it).
"""

from dataclasses import dataclass
from functools import lru_cache

PAD = 4  # light modules around the symbol: a finder-like pattern's light side

_MASKS = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)


def _format_bits(mask: int) -> int:
    """The 15 format information bits of level M with ``mask`` (BCH(15, 5),
    XORed with the standard's pattern)."""
    data = mask  # level M is 00
    remainder = data << 10
    for bit in range(14, 9, -1):
        if remainder >> bit & 1:
            remainder ^= 0x537 << (bit - 10)
    return ((data << 10) | remainder) ^ 0x5412


def _format_positions(n: int) -> list[tuple[int, tuple[int, int]]]:
    """Each format information bit and the two modules (row, column) it is
    written to."""
    places: list[tuple[int, tuple[int, int]]] = []
    for i in range(6):
        places += [(i, (i, 8)), (i + 9, (8, 5 - i))]
    for i in range(8):
        places.append((i, (8, n - 1 - i)))
    for i in range(7):
        places.append((i + 8, (n - 7 + i, 8)))
    places += [(6, (7, 8)), (7, (8, 8)), (8, (8, 7))]
    return places


def _alignment_centres(version: int) -> list[int]:
    if version == 1:
        return []
    count = version // 7 + 2
    step = (version * 8 + count * 3 + 5) // (count * 4 - 4) * 2
    size = 17 + 4 * version
    return [6, *sorted(size - 7 - i * step for i in range(count - 1))]


def _function_modules(n: int) -> set[tuple[int, int]]:
    """The modules of the finder, separator, timing, alignment, format and
    version patterns (and the dark module): everything a mask leaves alone."""
    version = (n - 17) // 4
    taken = set()
    for rows, cols in (
        (range(9), range(9)),
        (range(9), range(n - 8, n)),
        (range(n - 8, n), range(9)),
    ):
        taken |= {(r, c) for r in rows for c in cols}
    taken |= {(6, c) for c in range(n)} | {(r, 6) for r in range(n)}
    centres = _alignment_centres(version)
    corners = {(6, 6), (6, centres[-1]), (centres[-1], 6)} if centres else set()
    for r in centres:
        for c in centres:
            if (r, c) in corners:
                continue
            taken |= {(r + dr, c + dc) for dr in range(-2, 3) for dc in range(-2, 3)}
    if version >= 7:
        taken |= {(r, c) for r in range(6) for c in range(n - 11, n - 8)}
        taken |= {(r, c) for r in range(n - 11, n - 8) for c in range(6)}
    return taken


@dataclass(frozen=True)
class _Layout:
    """What a symbol of side ``n`` needs, as integers in the bit layout."""

    n: int
    stride: int
    data: tuple[int, ...]  # per mask: the data modules the mask darkens
    format_area: int
    formats: tuple[int, ...]  # per mask: its format information
    run_h: int  # where a window of five modules to the left fits in a row
    run_h_edge: int  # ... and starts at the row's first module
    run_v: int
    run_v_edge: int
    block: int  # where a 2x2 block to the upper left fits
    finder_h: int  # where seven modules to the left fit in a row
    finder_v: int


def _bits(n: int, modules) -> int:
    """``modules`` (row, column) of a symbol of side ``n``, dark, in the bit
    layout."""
    stride = n + 2 * PAD
    first = (n + 2 * PAD) * stride - 1
    value = 0
    for row, col in modules:
        value |= 1 << (first - (row + PAD) * stride - col - PAD)
    return value


@lru_cache(maxsize=8)
def _layout(n: int) -> _Layout:
    everywhere = [(r, c) for r in range(n) for c in range(n)]
    function = _function_modules(n)
    data_modules = [rc for rc in everywhere if rc not in function]
    places = _format_positions(n)
    return _Layout(
        n=n,
        stride=n + 2 * PAD,
        data=tuple(
            _bits(n, (rc for rc in data_modules if rule(*rc))) for rule in _MASKS
        ),
        format_area=_bits(n, (rc for _bit, rc in places)),
        formats=tuple(
            _bits(n, (rc for bit, rc in places if _format_bits(mask) >> bit & 1))
            for mask in range(8)
        ),
        run_h=_bits(n, ((r, c) for r, c in everywhere if c >= 4)),
        run_h_edge=_bits(n, ((r, 4) for r in range(n))),
        run_v=_bits(n, ((r, c) for r, c in everywhere if r >= 4)),
        run_v_edge=_bits(n, ((4, c) for c in range(n))),
        block=_bits(n, ((r, c) for r, c in everywhere if r >= 1 and c >= 1)),
        finder_h=_bits(n, ((r, c) for r, c in everywhere if c >= 6)),
        finder_v=_bits(n, ((r, c) for r, c in everywhere if r >= 6)),
    )


_DARK = bytes.maketrans(bytes([0, 255]), b"10")


def symbol_bits(image: bytes, n: int) -> int:
    """The symbol's modules (``image``: a byte a module, 0 dark, rows from
    the top) as an integer in the bit layout."""
    dark = image.translate(_DARK)
    pad = b"0" * PAD
    stride = n + 2 * PAD
    rows = [pad + dark[r * n : (r + 1) * n] + pad for r in range(n)]
    edge = b"0" * (PAD * stride)
    return int(edge + b"".join(rows) + edge, 2)


def _runs(differ: int, step: int, where: int, edge: int) -> int:
    """Rule 1 along one direction (``differ``: where a module differs from
    the one ``step`` before it): each run of five or more modules of one
    colour costs its length less two (zint: ``block - 2``), counted as its
    windows of five plus two for the window that starts it."""
    same = ~differ
    pairs = same & (same >> step)
    five = pairs & (pairs >> 2 * step) & where
    starts = (differ >> 4 * step) | edge
    return five.bit_count() + 2 * (five & starts).bit_count()


def _finders(x: int, step: int, where: int) -> int:
    """Rule 3 along one direction: each dark-light-dark-dark-dark-light-dark
    with four light modules on either side (beyond the symbol counts as
    light) costs 40."""
    before = x >> step
    twos = x & (x >> 2 * step)  # dark here and two before
    dark = twos & (twos >> 4 * step) & ((x & before) >> 3 * step)
    pattern = dark & ~(before | (before >> 4 * step)) & where
    if not pattern:
        return 0
    any_of_two = x | before
    any_of_four = any_of_two | (any_of_two >> 2 * step)  # here or three before
    dark_before = any_of_four >> 7 * step  # among the four before the pattern
    dark_after = any_of_four << 4 * step  # among the four after it
    return 40 * (pattern & ~(dark_before & dark_after)).bit_count()


def penalty(x: int, layout: _Layout) -> int:
    """The penalty of the symbol ``x`` (bit layout), as zint reckons it."""
    n, stride = layout.n, layout.stride
    differ_h = x ^ (x >> 1)
    differ_v = x ^ (x >> stride)
    score = _runs(differ_h, 1, layout.run_h, layout.run_h_edge)
    score += _runs(differ_v, stride, layout.run_v, layout.run_v_edge)
    same_h = ~differ_h
    block = same_h & (same_h >> stride) & ~differ_v & layout.block
    score += 3 * block.bit_count()
    score += _finders(x, 1, layout.finder_h) + _finders(x, stride, layout.finder_v)
    share = 100.0 * x.bit_count() / (n * n)
    return score + 10 * int(abs(share - 50.0) / 5.0)


def _unmasked(image: bytes, n: int, layout: _Layout) -> int:
    """The symbol encoded with mask 0, its mask and format information taken
    off (the format modules light)."""
    return (symbol_bits(image, n) & ~layout.format_area) ^ layout.data[0]


def mask_best(image: bytes, n: int) -> int:
    """The mask pattern the standard picks for the level M symbol whose
    modules ``image`` holds (``n`` x ``n``, a byte each, 0 dark, rows from
    the top), encoded with mask 0: the lowest penalty, the lowest pattern of
    a tie (as zint)."""
    layout = _layout(n)
    unmasked = _unmasked(image, n, layout)
    scores = [
        penalty(unmasked ^ layout.data[mask] | layout.formats[mask], layout)
        for mask in range(8)
    ]
    return scores.index(min(scores))


def mask_applied(image: bytes, n: int, mask: int) -> int:
    """The symbol ``image`` (encoded with mask 0) with ``mask`` instead, in
    the bit layout: the candidate :func:`mask_best` scores."""
    layout = _layout(n)
    return _unmasked(image, n, layout) ^ layout.data[mask] | layout.formats[mask]
