"""The certificate transparency log (issue 22): RFC 9162 hashing, signed heads.

- :mod:`.merkle`: the pure tree (hashes, proofs, their verification);
- :mod:`.log`: the writes (an entry recorded with its certificate, the
  sequencer, signed tree heads);
- :mod:`.reads`: heads, entries and proofs as served;
- :mod:`.views` / :mod:`.urls`: the public endpoints under ``/transparency/``;
- :mod:`.audit`: checking the log from outside with its public key
  (``manage.py transparency_audit``).
"""
