"""The certificate transparency log (issue 22): RFC 9162 hashing, signed heads.

:mod:`.merkle` is the pure tree (hashes, proofs, their verification).
"""
