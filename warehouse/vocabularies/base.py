"""A vocabulary's machinery: terms, lookup by any name, the unknown-term error."""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import lazy
from django.utils.translation import get_language

from ..common.exceptions import InvalidInput

_IGNORED = re.compile(r"[\s_\-·・]+")


def term_key(text) -> str:
    """``text`` as compared: NFKC (full width as half width), casefolded,
    without spaces, underscores, dashes or middle dots."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", str(text)).casefold())


def chinese(language: str | None = None) -> bool:
    """Whether ``language`` (or the active one) is Chinese."""
    return (language or get_language() or "").lower().startswith("zh")


def names_join(names: Iterable[str], language: str | None = None) -> str:
    """Names as one list, in the reader's way: ``和田玉、翡翠A货`` or ``a, b``."""
    return ("、" if chinese(language) else ", ").join(str(n) for n in names)


@dataclass(frozen=True)
class Term:
    code: str
    zh: str
    en: str
    synonyms: tuple[str, ...] = ()

    def name(self, language: str | None = None) -> str:
        """The name in ``language`` (or the active one): Chinese or English."""
        return self.zh if chinese(language) else self.en

    @property
    def label(self):
        """The name, chosen when shown (a lazy string, for form choices and
        a message's labels)."""
        return _lazy_name(self)

    def spellings(self) -> tuple[str, ...]:
        return (self.code, self.zh, self.en, *self.synonyms)


_lazy_name = lazy(lambda term: term.name(), str)


class UnknownTerm(InvalidInput):
    """A name no term of the vocabulary has (or not one of those allowed).

    ``params``: the value given (under the vocabulary's ``value_param``,
    ``value`` but for a packaging ``state``) and the codes it may be
    (``list``), which the catalogue's words name in the reader's language.
    """

    def __init__(self, vocabulary: "Vocabulary", value, choices, field: str = ""):
        choices = list(choices)
        message = str(vocabulary.unknown) % {
            vocabulary.value_param: value,
            "list": vocabulary.names(choices),
        }
        super().__init__(
            message,
            code=vocabulary.error_code,
            fields={field or vocabulary.kind: [message]},
            params={vocabulary.value_param: str(value), "list": choices},
        )
        self.value = value


class Vocabulary:
    """One vocabulary's terms, found by any of their spellings."""

    def __init__(
        self,
        kind: str,
        unknown,
        terms: Iterable[Term],
        value_param="value",
        *,
        strict: bool = True,
    ):
        """``strict``: a spelling that names two terms is an error (the
        vocabularies written here); else (rows people edit, such as the
        categories) a code wins over a name and a name over a synonym, and
        among equals the first term."""
        self.kind = kind
        self.unknown = unknown
        self.value_param = value_param
        self.terms: dict[str, Term] = {}
        self._index: dict[str, str] = {}
        for term in terms:
            if term.code in self.terms:
                raise ValueError(f"{kind}: code {term.code} twice")
            self.terms[term.code] = term
        passes = (
            lambda t: (t.code,),
            lambda t: (t.zh, t.en),
            lambda t: t.synonyms,
        )
        for spellings_of in passes:
            for term in self.terms.values():
                for spelling in spellings_of(term):
                    key = term_key(spelling)
                    if not key:
                        continue
                    other = self._index.setdefault(key, term.code)
                    if other != term.code and strict:
                        raise ValueError(
                            f"{kind}: {spelling!r} names both {other} and {term.code}"
                        )

    @property
    def error_code(self) -> str:
        return f"unknown_{self.kind}"

    def __contains__(self, code) -> bool:
        return code in self.terms

    def __iter__(self):
        return iter(self.terms.values())

    def codes(self) -> tuple[str, ...]:
        return tuple(self.terms)

    def find(self, text) -> str | None:
        """The code ``text`` names (a code, a name or a synonym), or None."""
        if not isinstance(text, str) or not text.strip():
            return None
        return self._index.get(term_key(text))

    def resolve(
        self, text, *, within: Iterable[str] | None = None, field: str = ""
    ) -> str:
        """The code ``text`` names, one of ``within`` if given; else
        :class:`UnknownTerm` listing them (or every term) by name."""
        allowed = self.codes() if within is None else tuple(within)
        code = self.find(text)
        if code is None or code not in allowed:
            raise UnknownTerm(self, text, allowed, field)
        return code

    def name(self, code, language: str | None = None) -> str:
        """A code's name in ``language`` (or the active one); a name or
        synonym stored before codes reads as its term's name; anything else
        is shown as it is."""
        term = self.terms.get(code) or self.terms.get(self.find(code) or "")
        return term.name(language) if term else str(code)

    def names(self, codes: Iterable, language: str | None = None) -> str:
        """Codes' names as one list in the reader's way (``和田玉、翡翠A货``)."""
        return names_join((self.name(c, language) for c in codes), language)

    def choices(self, within: Iterable[str] | None = None) -> list[tuple[str, str]]:
        """``(code, name)`` of ``within`` (or every term), named when shown."""
        codes = self.codes() if within is None else within
        return [(code, self.terms[code].label) for code in codes if code in self]

    def labels(self) -> dict:
        """Each code's name, chosen when shown (a message's labels)."""
        return {code: term.label for code, term in self.terms.items()}
