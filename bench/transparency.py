"""Transparency log proof sizes at 1,000,000 entries (issue 22), simulated.

    python bench/transparency.py [--entries 1000000] [--build]

The sizes come from the proof algorithm itself
(``inspection.trust.transparency.merkle``: the subtrees an RFC 9162 proof
names, 32 bytes each): the inclusion proof of every ``--sample`` leaf and the
consistency proof from every sampled earlier size to ``--entries``, with the
largest and the mean in bytes, raw and as the endpoints serve them (base64 in
JSON). With ``--build`` it also builds the in-memory tree of that many leaf
hashes, times it, and checks the largest proofs against the root (about 2
million SHA-256 and ~200 MB of memory at 1,000,000 entries).
"""

import argparse
import hashlib
import json
import math
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HASH = 32


def _wire(hashes: int) -> int:
    """Bytes of a proof as served: a JSON list of base64 hashes."""
    return len(json.dumps(["A" * 44] * hashes)) if hashes else 2


def bench_transparency(entries: int = 1_000_000, sample: int = 20_000, build=False):
    """Rows for ``bench/run.py``: proof sizes at ``entries`` (simulated)."""
    sys.path.insert(0, str(ROOT))
    from inspection.trust.transparency import merkle

    rng = random.Random(22)
    leaves = {0, entries - 1, *(rng.randrange(entries) for _ in range(sample))}
    firsts = {1, entries - 1, *(rng.randrange(1, entries) for _ in range(sample))}
    firsts |= {1 << k for k in range(entries.bit_length()) if 1 << k <= entries}
    inclusion = {m: len(merkle.inclusion_ranges(m, entries)) for m in leaves}
    consistency = {m: len(merkle.consistency_ranges(m, entries)) for m in firsts}
    depth = math.ceil(math.log2(entries))
    worst_in = max(inclusion.values())
    worst_cons = max(consistency.values())
    rows = [
        {
            "figure": f"inclusion proof at {entries:,} entries",
            "bar": f"<= {depth} hashes ({depth * HASH} B)",
            "measured": f"max {worst_in * HASH} B ({worst_in} hashes), "
            f"mean {sum(inclusion.values()) / len(inclusion) * HASH:.0f} B; "
            f"served {_wire(worst_in)} B",
            "pass": worst_in <= depth,
            "detail": {"leaves_sampled": len(leaves), "max_hashes": worst_in},
        },
        {
            "figure": f"consistency proof to {entries:,} entries",
            "bar": f"<= {2 * depth} hashes ({2 * depth * HASH} B)",
            "measured": f"max {worst_cons * HASH} B ({worst_cons} hashes), "
            f"mean {sum(consistency.values()) / len(consistency) * HASH:.0f} B; "
            f"served {_wire(worst_cons)} B",
            "pass": worst_cons <= 2 * depth,
            "detail": {"sizes_sampled": len(firsts), "max_hashes": worst_cons},
        },
    ]
    if build:
        started = time.perf_counter()
        tree = merkle.MemoryTree()
        for i in range(entries):
            tree.append_hash(hashlib.sha256(i.to_bytes(8, "big")).digest())
        built = time.perf_counter() - started
        root = tree.root()
        m = max(inclusion, key=inclusion.get)
        leaf = hashlib.sha256(m.to_bytes(8, "big")).digest()
        merkle.inclusion_verify(m, entries, leaf, tree.inclusion(m), root)
        first = max(consistency, key=consistency.get)
        merkle.consistency_verify(
            first, entries, tree.root(first), root, tree.consistency(first)
        )
        rows.append(
            {
                "figure": f"in-memory tree of {entries:,} leaf hashes",
                "bar": "proofs verify",
                "measured": f"built in {built:.1f} s; the largest proofs verify",
                "pass": True,
                "detail": {"build_s": round(built, 2)},
            }
        )
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--build", action="store_true")
    args = parser.parse_args(argv)
    for row in bench_transparency(args.entries, args.sample, args.build):
        print(f"{row['figure']}: {row['measured']} (bar {row['bar']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
