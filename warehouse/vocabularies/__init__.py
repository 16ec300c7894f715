"""The words merchants and inspectors name things with, each a stable code.

A vocabulary (materials, packaging types, packaging states, label markings,
carriers) is a list of :class:`Term`: the code that is stored and that the
API sends (never rename one), its Chinese and its English name, and the
synonyms the trade writes, in both languages. Both names are kept here, not
left to gettext: input in either language must find its code, and display
picks the reader's language (:meth:`Vocabulary.name`).

:meth:`Vocabulary.resolve` turns what a person typed (either language, any
case or width, with or without spaces, a trade spelling: 翡翠, "jadeite",
A货翡翠 …) into its code, or raises :class:`UnknownTerm`, an
:class:`~warehouse.common.exceptions.InvalidInput` of code
``unknown_<kind>`` whose message lists the choices in the reader's language
(its words are the catalogue's, ``warehouse.messages``).
:meth:`Vocabulary.find` is the same without the error.

Codes: a material or a packaging type keeps the English words the stored
claims already used (``nephrite jade``, ``gift box``); a packaging state, a
marking and a carrier its key (``intact``, ``net_content``, ``zto``).

One module per part: :mod:`.base` (terms, lookup, the unknown-term error),
:mod:`.words` (the fixed vocabularies) and :mod:`.categories` (the one kept
in the database), every name re-exported here.
"""

from .base import Term, UnknownTerm, Vocabulary, chinese, names_join, term_key
from .categories import (
    CATEGORY_UNKNOWN,
    CATEGORY_VOCABULARY,
    CategoryVocabulary,
    categories,
    category_labels,
)
from .words import (
    CARRIERS,
    CLAIM_VOCABULARIES,
    MARKINGS,
    MATERIALS,
    PACKAGING_STATES,
    PACKAGING_TYPES,
    RETURN_REASONS,
    VOCABULARIES,
    claim_value_name,
    return_reasons,
)

__all__ = [
    "CARRIERS",
    "CATEGORY_UNKNOWN",
    "CATEGORY_VOCABULARY",
    "CLAIM_VOCABULARIES",
    "MARKINGS",
    "MATERIALS",
    "PACKAGING_STATES",
    "PACKAGING_TYPES",
    "RETURN_REASONS",
    "VOCABULARIES",
    "CategoryVocabulary",
    "Term",
    "UnknownTerm",
    "Vocabulary",
    "categories",
    "category_labels",
    "chinese",
    "claim_value_name",
    "names_join",
    "return_reasons",
    "term_key",
]
