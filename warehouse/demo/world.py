"""The demo world's fixed data: warehouses, categories (with their claims and
trade synonyms), stations and merchants, as :func:`warehouse.demo.demo_seed`
creates them."""

from ..models import CategoryFlow, Station

WAREHOUSES = [
    {
        "code": "GZ",
        "name": "Guangzhou Inspection Warehouse",
        "name_zh": "广州质检仓",
        "city": "Guangzhou",
        "time_zone": "Asia/Shanghai",
        "address": "广州市白云区太和镇 88 号 / 88 Taihe, Baiyun, Guangzhou",
    },
    {
        "code": "SIH",
        "name": "Sihui Jade Inspection Warehouse",
        "name_zh": "四会玉器质检仓",
        "city": "Sihui",
        "time_zone": "Asia/Shanghai",
        "address": "四会市玉器街 12 号 / 12 Jade Street, Sihui, Zhaoqing",
    },
]

# What a merchant claims for stock-first goods with a shelf life.
SHELF_GOODS_CLAIMS = [
    {"key": "shelf_life", "required": True},
    {"key": "packaging", "required": True},
    {"key": "labels", "required": True},
    {"key": "weight", "required": False},
]

# The trade's other words for the demo categories, in both languages (the
# migration that added Category.synonyms gives existing rows the same).
CATEGORY_SYNONYMS = {
    "jewellery-jade": [
        "珠宝",
        "玉石",
        "珠宝首饰",
        "首饰",
        "玉器",
        "jewellery",
        "jewelry",
        "jade",
        "jewelry and jade",
    ],
    "cosmetics": [
        "护肤品",
        "美妆",
        "彩妆",
        "化妆品护肤品",
        "cosmetic",
        "skincare",
        "skin care",
        "beauty",
    ],
    "packaged-food": [
        "食品",
        "预包装",
        "包装食品",
        "零食",
        "food",
        "foods",
        "prepackaged food",
        "pre-packaged food",
    ],
    "phones-used": [
        "手机",
        "二手机",
        "旧手机",
        "used phone",
        "used phones",
        "second-hand phone",
        "secondhand phone",
        "used mobile phone",
        "phone",
    ],
}

CATEGORIES = [
    {
        "code": "jewellery-jade",
        "name": "Jewellery and jade",
        "name_zh": "珠宝玉石",
        "synonyms": CATEGORY_SYNONYMS["jewellery-jade"],
        # A buyer cannot swap the stone: it leaves under an anti-swap seal.
        "seal_required": True,
        "flow": CategoryFlow.ORDER_FIRST,
        "claim_fields": [
            {"key": "material", "required": True},
            {"key": "weight", "required": True},
            {"key": "declared_value", "required": True},
            {"key": "packaging", "required": False},
        ],
    },
    {
        "code": "cosmetics",
        "name": "Cosmetics",
        "name_zh": "化妆品",
        "synonyms": CATEGORY_SYNONYMS["cosmetics"],
        # Opened cosmetics come back only for a reason, not "no reason".
        "returns_opened_accepted": False,
        "flow": CategoryFlow.STOCK_FIRST,
        "claim_fields": SHELF_GOODS_CLAIMS,
    },
    {
        "code": "packaged-food",
        "name": "Packaged food",
        "name_zh": "预包装食品",
        "synonyms": CATEGORY_SYNONYMS["packaged-food"],
        "returns_opened_accepted": False,
        "flow": CategoryFlow.STOCK_FIRST,
        "claim_fields": SHELF_GOODS_CLAIMS,
    },
    {
        "code": "phones-used",
        "name": "Second-hand phones",
        "name_zh": "二手手机",
        "synonyms": CATEGORY_SYNONYMS["phones-used"],
        "seal_required": True,
        "flow": CategoryFlow.ORDER_FIRST,
        "claim_fields": [
            {"key": "imei", "required": True},
            {"key": "model", "required": True},
            {"key": "grade", "required": False},
            {"key": "packaging", "required": False},
        ],
    },
]

# Each demo warehouse's stations: code suffix, kind, English and Chinese name.
STATIONS = [
    ("RCV", Station.Kind.RECEIVING, "receiving", "收货台"),
    ("QC", Station.Kind.INSPECTION, "inspection", "质检台"),
    ("DOCK", Station.Kind.DOCK, "dock", "发货台"),
]

MERCHANTS = [
    ("merchant", "JADEHOME", "翡翠之家 Jade Home", "jade@example.com"),
    ("merchant2", "GLOWLAB", "光彩实验室 Glow Lab", "glow@example.com"),
]
