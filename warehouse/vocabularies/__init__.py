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
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .common.exceptions import InvalidInput
from .fastpath.cache import TTLCache

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


T = Term

MATERIALS = Vocabulary(
    "material",
    _("Unknown material %(value)s; use one of: %(list)s."),
    [
        T(
            "nephrite jade",
            "和田玉",
            "nephrite jade",
            ("软玉", "和田玉石", "新疆和田玉", "nephrite", "hetian jade", "hotan jade"),
        ),
        T(
            "jadeite A",
            "翡翠A货",
            "jadeite (natural, type A)",
            (
                "翡翠",
                "A货翡翠",
                "A货",
                "天然翡翠",
                "翡翠(A货)",
                "jadeite",
                "type A jadeite",
                "jadeite type A",
                "natural jadeite",
            ),
        ),
        T(
            "jadeite B",
            "翡翠B货",
            "jadeite (treated, type B)",
            ("B货翡翠", "B货", "翡翠(B货)", "type B jadeite", "jadeite type B"),
        ),
        T(
            "24K gold",
            "足金",
            "24K gold (999)",
            (
                "999金",
                "足金999",
                "999足金",
                "24K",
                "24K金",
                "千足金",
                "Au999",
                "999 gold",
                "gold 999",
                "24 karat gold",
            ),
        ),
        T(
            "18K gold",
            "18K金",
            "18K gold (750)",
            ("18K", "Au750", "K金750", "750金", "G18K", "750 gold", "18 karat gold"),
        ),
        T(
            "S925 silver",
            "S925银",
            "S925 silver",
            ("925银", "银925", "S925", "Ag925", "925 silver", "sterling silver"),
        ),
        T(
            "Pt950 platinum",
            "铂金950",
            "Pt950 platinum",
            ("Pt950", "950铂", "950铂金", "platinum 950"),
        ),
        T("pearl", "珍珠", "pearl", ("淡水珍珠", "海水珍珠", "freshwater pearl")),
        T("amber", "琥珀", "amber", ("蜜蜡", "amber resin")),
        T("rock crystal", "天然水晶", "rock crystal", ("水晶", "quartz crystal")),
        T("agate", "玛瑙", "agate", ("南红玛瑙", "chalcedony")),
        T("glass", "玻璃", "glass", ("imitation", "仿制品", "料器")),
    ],
)

PACKAGING_TYPES = Vocabulary(
    "packaging_type",
    _("Unknown packaging %(value)s; use one of: %(list)s."),
    [
        T("gift box", "礼盒", "gift box", ("礼品盒", "礼盒装")),
        T("jewellery box", "首饰盒", "jewellery box", ("jewelry box", "饰品盒")),
        T("velvet pouch", "绒布袋", "velvet pouch", ("绒袋", "首饰袋", "pouch")),
        T("original box", "原装盒", "original box", ("原包装盒", "原盒", "retail box")),
        T("box", "纸盒", "box", ("盒装", "盒", "paper box")),
        T("sealed box", "密封盒", "sealed box", ("封口盒", "密封盒装")),
        T("carton", "纸箱", "carton", ("箱装", "外箱", "shipping carton")),
        T("sealed carton", "密封纸箱", "sealed carton", ("封口纸箱", "封箱纸箱")),
        T("bag", "袋装", "bag", ("袋", "包装袋", "plastic bag")),
        T("sealed bag", "密封袋", "sealed bag", ("封口袋", "vacuum bag", "真空袋")),
        T("bottle", "瓶装", "bottle", ("瓶",)),
        T("jar", "罐", "jar", ("罐装", "玻璃罐", "膏霜瓶")),
        T("can", "听装", "can", ("易拉罐", "铁罐", "tin")),
        T("tube", "软管", "tube", ("管装",)),
        T("blister pack", "吸塑包装", "blister pack", ("吸塑", "blister")),
    ],
)

PACKAGING_STATES = Vocabulary(
    "packaging_state",
    _("Unknown packaging state %(state)s; use: %(list)s."),
    [
        T("intact", "完好", "intact", ("完好无损", "完整", "good", "undamaged")),
        T("damaged", "破损", "damaged", ("损坏", "压坏", "broken", "crushed")),
        T("opened", "已拆封", "opened", ("拆封", "已开封", "开封", "open")),
        T(
            "missing_seal",
            "封条缺失",
            "seal missing",
            ("无封条", "缺封条", "封条缺失", "missing seal", "no seal"),
        ),
    ],
    value_param="state",
)

MARKINGS = Vocabulary(
    "marking",
    _("Unknown marking %(value)s; use one of: %(list)s."),
    [
        T("name", "品名", "product name", ("产品名称", "名称", "食品名称")),
        T("net_content", "净含量", "net content", ("净重", "net weight", "net wt")),
        T(
            "producer",
            "生产者名称",
            "producer",
            ("生产者", "生产商", "生产厂家", "生产企业", "制造商", "manufacturer"),
        ),
        T(
            "producer_address",
            "生产者地址",
            "producer's address",
            ("生产地址", "地址", "address", "producer address"),
        ),
        T(
            "production_date",
            "生产日期",
            "production date",
            ("manufacture date", "date of manufacture", "MFG"),
        ),
        T("shelf_life", "保质期", "shelf life", ("保质期限",)),
        T(
            "expiry_date",
            "限期使用日期",
            "use-by date",
            ("有效期至", "失效日期", "使用期限", "expiry date", "EXP"),
        ),
        T(
            "licence_number",
            "生产许可证编号",
            "production licence number",
            (
                "生产许可证号",
                "许可证编号",
                "SC编号",
                "食品生产许可证编号",
                "化妆品生产许可证编号",
                "licence number",
                "license number",
                "production license number",
            ),
        ),
        T(
            "ingredients",
            "配料表",
            "ingredients",
            ("配料", "成分", "全成分", "成分表", "ingredient list"),
        ),
        T(
            "storage",
            "贮存条件",
            "storage conditions",
            ("储存条件", "贮存方法", "储存方法", "storage"),
        ),
        T(
            "standard_code",
            "产品标准代号",
            "product standard code",
            ("执行标准", "产品标准号", "standard"),
        ),
        T(
            "usage",
            "使用方法",
            "directions for use",
            ("使用说明", "食用方法", "how to use"),
        ),
        T("warnings", "警示用语", "warnings", ("注意事项", "安全警示", "caution")),
        T("filing_number", "备案编号", "filing number", ("化妆品备案编号", "备案号")),
        T(
            "batch_number",
            "生产批号",
            "batch number",
            ("批号", "lot number", "batch code"),
        ),
        T("origin", "产地", "place of origin", ("原产地", "origin", "made in")),
        T("importer", "进口商", "importer", ("进口代理商", "代理商")),
        T(
            "nutrition",
            "营养成分表",
            "nutrition facts",
            ("营养标签", "营养成分", "nutrition information"),
        ),
    ],
)

CARRIERS = Vocabulary(
    "carrier",
    _("Unknown carrier %(value)s; use one of: %(list)s."),
    [
        T("zto", "中通快递", "ZTO Express", ("中通", "ZTO")),
        T("yto", "圆通速递", "YTO Express", ("圆通", "YTO")),
        T("yunda", "韵达快递", "Yunda Express", ("韵达", "Yunda")),
        T("jt", "极兔速递", "J&T Express", ("极兔", "J&T", "JT Express", "jitu")),
        T("sf", "顺丰速运", "SF Express", ("顺丰", "顺丰快递", "SF")),
        T("other", "其他", "other", ("其它",)),
    ],
)

# A buyer's reason for a return, as the platforms' after-sale forms name it
# (the codes are ReturnReason's).
RETURN_REASONS = Vocabulary(
    "return_reason",
    _("Unknown return reason %(value)s; use one of: %(list)s."),
    [
        T(
            "no_reason",
            "七天无理由退货",
            "no reason (seven-day return)",
            ("七天无理由", "无理由退货", "无理由", "7天无理由", "seven-day return"),
        ),
        T(
            "not_as_described",
            "描述不符",
            "not as described",
            ("与描述不符", "货不对板", "SNAD"),
        ),
        T(
            "damaged_in_transit",
            "运输损坏",
            "damaged in transit",
            ("物流损坏", "快递损坏", "破损", "shipping damage"),
        ),
        T(
            "quality_complaint",
            "质量问题",
            "quality complaint",
            ("质量不好", "quality issue", "defective"),
        ),
        T(
            "allergic_reaction",
            "过敏反应",
            "allergic reaction",
            ("过敏", "allergy"),
        ),
        T(
            "wrong_item",
            "收到错误商品",
            "wrong item received",
            ("发错货", "错发", "wrong item"),
        ),
        T(
            "not_genuine",
            "疑似非正品",
            "suspected not genuine",
            ("假货", "非正品", "疑似假货", "counterfeit", "fake"),
        ),
    ],
)


def return_reasons() -> Vocabulary:
    """The buyer's return reasons (:data:`RETURN_REASONS`)."""
    return RETURN_REASONS


VOCABULARIES: dict[str, Vocabulary] = {
    v.kind: v
    for v in (
        MATERIALS,
        PACKAGING_TYPES,
        PACKAGING_STATES,
        MARKINGS,
        CARRIERS,
        RETURN_REASONS,
    )
}
"""Every vocabulary by its kind (``material`` …)."""

CLAIM_VOCABULARIES: dict[str, Vocabulary] = {
    "material": MATERIALS,
    "packaging": PACKAGING_TYPES,
    "labels": MARKINGS,
}
"""The claim keys whose values are vocabulary terms."""


def claim_value_name(key: str, value, language: str | None = None):
    """A stored claim's value as the reader reads it: terms by their name."""
    vocabulary = CLAIM_VOCABULARIES.get(key)
    if vocabulary is None:
        return value
    if isinstance(value, list):
        return vocabulary.names(value, language)
    return vocabulary.name(value, language)


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
    from .models import Category  # the models import this module

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
    from .fastpath.refs import TTL_SECONDS

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
