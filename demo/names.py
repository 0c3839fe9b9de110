"""Names for the demo city: four real Ningbo districts (GB/T 2260) and their real streets and
towns (街道/镇/乡), each with the approximate place of its seat.

District codes are the real GB/T 2260 codes. Street (9-digit) and community (12-digit) codes are
numbered within their parent: plausible, but not the official statistical division codes. The
streets' areas are grown from their seats over the grids (demo.layout), so 鼓楼 is in the old
town and 梅山 on its island, but their borders are not the official ones.
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
    centre: tuple[
        float, float
    ]  # (lon, lat) WGS-84, near the real 街道/镇 seat: the street grows from here


@dataclass(frozen=True)
class DistrictName:
    code: str
    name: str
    slug: str
    streets: tuple[StreetName, ...]


def _streets(*rows: tuple[str, str, float, float]) -> tuple[StreetName, ...]:
    return tuple(StreetName(name, slug, (lon, lat)) for name, slug, lon, lat in rows)


# The four districts' real outlines are in demo/data/ningbo_districts.geojson. 海曙 lies west
# of the three rivers and reaches the hills in the west, 江北 north of 姚江 up to 慈城, 鄞州
# east and south of 奉化江 to the coast, 北仑 the port district further east (新碶, 大碶 and
# 霞浦 run the demo's sanitation fleet). Streets are listed core-first: the first of each
# district gets code ...001 and its street operator (operator_gulou). Centres are approximate.
HAISHU = DistrictName(
    "330203",
    "海曙区",
    "haishu",
    _streets(
        ("鼓楼街道", "gulou", 121.549, 29.877),
        ("江厦街道", "jiangxia", 121.553, 29.869),
        ("月湖街道", "yuehu", 121.539, 29.868),
        ("南门街道", "nanmen", 121.545, 29.858),
        ("西门街道", "ximen", 121.528, 29.878),
        ("白云街道", "baiyun", 121.518, 29.862),
        ("段塘街道", "duantang", 121.522, 29.846),
        ("望春街道", "wangchun", 121.495, 29.878),
        ("石碶街道", "shiqi", 121.505, 29.815),
        ("集士港镇", "jishigang", 121.455, 29.850),
        ("高桥镇", "gaoqiao", 121.455, 29.895),
        ("横街镇", "hengjie", 121.385, 29.880),
        ("鄞江镇", "yinjiang", 121.345, 29.790),
        ("龙观乡", "longguan", 121.240, 29.790),
    ),
)
JIANGBEI = DistrictName(
    "330205",
    "江北区",
    "jiangbei",
    _streets(
        ("中马街道", "zhongma", 121.558, 29.884),
        ("白沙街道", "baisha", 121.566, 29.898),
        ("文教街道", "wenjiao", 121.543, 29.895),
        ("孔浦街道", "kongpu", 121.590, 29.902),
        ("甬江街道", "yongjiang", 121.612, 29.906),
        ("庄桥街道", "zhuangqiao", 121.552, 29.932),
        ("洪塘街道", "hongtang", 121.505, 29.918),
        ("前江街道", "qianjiang", 121.520, 29.965),
        ("慈城镇", "cicheng", 121.450, 29.975),
    ),
)
YINZHOU = DistrictName(
    "330212",
    "鄞州区",
    "yinzhou",
    _streets(
        ("百丈街道", "baizhang", 121.569, 29.872),
        ("东胜街道", "dongsheng", 121.574, 29.862),
        ("明楼街道", "minglou", 121.582, 29.874),
        ("白鹤街道", "baihe", 121.563, 29.857),
        ("东柳街道", "dongliu", 121.592, 29.866),
        ("福明街道", "fuming", 121.607, 29.872),
        ("东郊街道", "dongjiao", 121.622, 29.880),
        ("中河街道", "zhonghe", 121.555, 29.830),
        ("钟公庙街道", "zhonggongmiao", 121.538, 29.823),
        ("下应街道", "xiaying", 121.592, 29.820),
        ("首南街道", "shounan", 121.550, 29.805),
        ("潘火街道", "panhuo", 121.582, 29.798),
        ("邱隘镇", "qiuai", 121.642, 29.852),
        ("五乡镇", "wuxiang", 121.672, 29.858),
        ("姜山镇", "jiangshan", 121.540, 29.750),
        ("云龙镇", "yunlong", 121.650, 29.780),
        ("横溪镇", "hengxi", 121.590, 29.720),
        ("咸祥镇", "xianxiang", 121.790, 29.720),
    ),
)
BEILUN = DistrictName(
    "330206",
    "北仑区",
    "beilun",
    _streets(
        ("新碶街道", "xinqi", 121.850, 29.905),
        ("大碶街道", "daqi", 121.805, 29.880),
        ("霞浦街道", "xiapu", 121.895, 29.900),
        ("小港街道", "xiaogang", 121.755, 29.925),
        ("戚家山街道", "qijiashan", 121.775, 29.960),
        ("柴桥街道", "chaiqiao", 121.930, 29.860),
        ("春晓街道", "chunxiao", 121.905, 29.805),
        ("白峰街道", "baifeng", 122.030, 29.890),
        ("梅山街道", "meishan", 121.975, 29.770),
    ),
)
DISTRICTS = (HAISHU, JIANGBEI, YINZHOU, BEILUN)
# The streets whose roads the demo's sweepers, muck trucks and cleaners work (iot.tracking.demo).
SANITATION_STREETS = ("新碶街道", "大碶街道", "霞浦街道")

# Community name stems (+ "社区"); shuffled per seed. More than the layout ever needs.
COMMUNITY_STEMS = (
    "天一 月湖 镇明 孝闻 郁家巷 苍水 县学 平桥 马园 中山 水仙 翠柏 高塘 新芝 泰安 甬港 庆丰 湖西 "
    "槐树 江北岸 外滩 人民 桃渡 七里垫 清河 划船 史家 和丰 黄鹂 樱花 新城 李花桥 南苑 联丰 华泰 "
    "长丰 新典 丽园 大卿桥 解放桥 西成 永寿 集仕港 石碶 鄞江 慈湖 绿梅 青林 洋市 樟树 柳汀 双桥 "
    "芝兰 宝善 丹凤 文昌 荷花 菱池 梅园 桂芳 兰亭 竹林 松鹤 安澜 丰乐 惠风 锦绣 春晓 晨光 紫荆 "
    "海晏 星光 宁丰 启明 新河 长春 芳草 曙光 姚江 甬水 前洋 丽江 北郊 西郊 南塘 东湖 秀水 凤凰 "
    "书香 龙湾 天童 福庆 宋诏桥 青云 锦苑 怡江 望湖 桑田 百合 金湾 铜盆浦 五乡 泗港 常青藤 "
    "岷山 太河 长江 华山 庐山 明州 九峰 芦江 星阳 嵩山 金山 沿山 横河 陈华 塔峙 下邵 璎珞 "
    "红联 红梅 方桥 蔡郎桥 湖塘 朱家 大埠 双杨 新乐 丰成 天宫 保丰 望京 卖鱼桥 高新 "
    "江南 甬上 云峰 桃源 古戴 它山 悬慈 大皎 雪岙 后隆 东光 北斗 卢家 汇丰 茶亭 柳西 "
    "泰康 兴宁 曙光北 惠贞 鄞奉 钱湖 环城 永丰 华严 蔡家 宁波港 三官堂 洪家 荪湖 青垫 "
    "姚家 孙家 路林 照天 庄市 清水 湾头 半浦 妙山 毛力 葛家 徐家漕 渔源 新路 望海"
).split()
