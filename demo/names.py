"""Names for the demo city: real Ningbo districts (GB/T 2260), street names of central Ningbo.

District codes are the real GB/T 2260 codes. Street (9-digit) and community (12-digit) codes are
numbered within their parent: plausible, but not the official statistical division codes.
Streets are listed core-first; the layout uses the first ``STREETS_PER_DISTRICT`` of them and gives
the first name to the street nearest the old town, so 鼓楼 and 江厦 stay central whatever the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

CITY_CODE = "330200"
CITY_NAME = "宁波市"
CITY_SLUG = "ningbo"


@dataclass(frozen=True)
class StreetName:
    name: str
    slug: str  # pinyin, used in demo usernames (inspector_gulou)


@dataclass(frozen=True)
class DistrictName:
    code: str
    name: str
    slug: str
    streets: tuple[StreetName, ...]


def _streets(*pairs: tuple[str, str]) -> tuple[StreetName, ...]:
    return tuple(StreetName(name, slug) for name, slug in pairs)


# 海曙 lies west of the three rivers, 江北 north, 鄞州 east and south (三江口 is the junction).
HAISHU = DistrictName(
    "330203",
    "海曙区",
    "haishu",
    _streets(
        ("鼓楼街道", "gulou"),
        ("江厦街道", "jiangxia"),
        ("南门街道", "nanmen"),
        ("西门街道", "ximen"),
        ("月湖街道", "yuehu"),
        ("白云街道", "baiyun"),
        ("段塘街道", "duantang"),
        ("望春街道", "wangchun"),
    ),
)
JIANGBEI = DistrictName(
    "330205",
    "江北区",
    "jiangbei",
    _streets(
        ("中马街道", "zhongma"),
        ("白沙街道", "baisha"),
        ("文教街道", "wenjiao"),
        ("孔浦街道", "kongpu"),
        ("甬江街道", "yongjiang"),
        ("庄桥街道", "zhuangqiao"),
        ("洪塘街道", "hongtang"),
    ),
)
YINZHOU = DistrictName(
    "330212",
    "鄞州区",
    "yinzhou",
    _streets(
        ("百丈街道", "baizhang"),
        ("东胜街道", "dongsheng"),
        ("明楼街道", "minglou"),
        ("白鹤街道", "baihe"),
        ("东柳街道", "dongliu"),
        ("福明街道", "fuming"),
        ("东郊街道", "dongjiao"),
        ("中河街道", "zhonghe"),
        ("钟公庙街道", "zhonggongmiao"),
        ("下应街道", "xiaying"),
        ("首南街道", "shounan"),
        ("潘火街道", "panhuo"),
    ),
)
DISTRICTS = (HAISHU, JIANGBEI, YINZHOU)

# Community name stems (+ "社区"); shuffled per seed. More than the layout ever needs.
COMMUNITY_STEMS = (
    "天一 月湖 镇明 孝闻 郁家巷 苍水 县学 平桥 马园 中山 水仙 翠柏 高塘 新芝 泰安 甬港 庆丰 湖西 "
    "槐树 江北岸 外滩 人民 桃渡 七里垫 清河 划船 史家 和丰 黄鹂 樱花 新城 李花桥 南苑 联丰 华泰 "
    "长丰 新典 丽园 大卿桥 解放桥 西成 永寿 集仕港 石碶 鄞江 慈湖 绿梅 青林 洋市 樟树 柳汀 双桥 "
    "芝兰 宝善 丹凤 文昌 荷花 菱池 梅园 桂芳 兰亭 竹林 松鹤 安澜 丰乐 惠风 锦绣 春晓 晨光 紫荆 "
    "海晏 星光 宁丰 启明 新河 长春 芳草 曙光 姚江 甬水 前洋 丽江 北郊 西郊 南塘 东湖 秀水 凤凰 "
    "书香 龙湾 天童 福庆 宋诏桥 青云 锦苑 怡江 望湖 桑田 百合 金湾 铜盆浦 五乡 泗港 常青藤"
).split()
