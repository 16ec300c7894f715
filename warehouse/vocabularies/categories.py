"""Categories: a vocabulary kept in the database."""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from ..fastpath.cache import TTLCache
from .base import Term, Vocabulary

# --- categories: a vocabulary kept in the database --------------------------------

CATEGORY_UNKNOWN = _("Unknown category %(value)s; use one of: %(list)s.")


class CategoryVocabulary(Vocabulary):
    """The categories (``warehouse.models.Category`` rows) as a vocabulary:
    each a code with its Chinese and English name and the trade's synonyms
    (``Category.synonyms``). ``active`` are the codes a notice may name."""

    def __init__(self, terms: Iterable[Term], active: Iterable[str]):
        super().__init__("category", CATEGORY_UNKNOWN, terms, strict=False)
        self.active = tuple(active)

    def resolve_active(self, text, *, field: str = "") -> str:
        """The code of the active category ``text`` names, else
        :class:`UnknownTerm` listing the active ones by name."""
        return self.resolve(text, within=self.active, field=field)


def _categories_load(_key) -> CategoryVocabulary:
    from ..models import Category  # the models import this module

    rows = Category.objects.order_by("code").values_list(
        "code", "name", "name_zh", "synonyms", "is_active"
    )
    terms, active = [], []
    for code, name, name_zh, synonyms, is_active in rows:
        words = tuple(s for s in synonyms or () if isinstance(s, str) and s.strip())
        terms.append(Term(code, name_zh or name, name, words))
        if is_active:
            active.append(code)
    return CategoryVocabulary(terms, active)


def _categories_ttl() -> float:
    from ..fastpath.refs import TTL_SECONDS

    return TTL_SECONDS


# Built from the table once per process and kept like the reference rows
# (warehouse.fastpath): saving or deleting a category evicts it here at once
# (warehouse.models.tenancy registers that), elsewhere within the TTL.
CATEGORY_VOCABULARY = TTLCache(
    "category vocabulary", ttl=_categories_ttl, max_size=1, load=_categories_load
)


def categories() -> CategoryVocabulary:
    """The categories as a vocabulary (in this process for up to a minute)."""
    return CATEGORY_VOCABULARY.get("categories")


def category_labels() -> dict:
    """Each category code's name, chosen when shown (a message's labels)."""
    return categories().labels()
