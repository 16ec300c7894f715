"""What reading and writing the operator's keys share: the key directory's
index file, the error a missing or inconsistent key set raises, the PEM
readers, and the cache of keys read (which a writer forgets).

:mod:`inspection.trust.keys` reads keys, :mod:`inspection.trust.keystore`
writes them; both build on this module and neither on the other's reading.
"""

import threading

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ImproperlyConfigured

KEYS_FILE = "keys.json"


class TrustError(ImproperlyConfigured):
    """The trust material is missing or inconsistent (a deployment error)."""


def pem_certificates(data: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(data)


def pem_private_key(data: bytes):
    return serialization.load_pem_private_key(data, password=None)


# The keys read in this process (``inspection.trust.keys``), by what they were
# read from.
cache_lock = threading.Lock()
cache: dict = {}


def trust_reset() -> None:
    """Forget the keys read so far (they are read again on next use)."""
    with cache_lock:
        cache.clear()
