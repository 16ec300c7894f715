"""The fixed vocabularies: materials, packaging, markings, carriers, return reasons."""

from django.utils.translation import gettext_lazy as _

from .base import Term, Vocabulary

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
