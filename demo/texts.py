"""What the demo city's reports say: the category mix, descriptions, roads and reporters.

Pure data and string helpers (no database), shared by ``seed_demo`` and the simulator. The mix
follows what digital city management centres report most (街面秩序 and 市容环境 first, then the
components people trip over); weights are relative shares of cases.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from cases.states import SourceChannel

COMPONENT, EVENT = "component", "event"


@dataclass(frozen=True)
class Problem:
    """One kind of reported problem: a catalogue category and how people describe it."""

    kind: str
    code: str
    weight: int
    texts: tuple[str, ...]


PROBLEMS: tuple[Problem, ...] = (
    Problem(
        EVENT, "09006", 10, ("{place}有流动摊贩占道经营，影响行人通行", "{place}人行道上摆摊卖水果")
    ),
    Problem(EVENT, "09005", 9, ("{place}店铺跨门经营，货物堆到人行道", "{place}饭店在门外摆桌")),
    Problem(EVENT, "06010", 9, ("{place}路边有暴露垃圾未清理", "{place}绿化带里堆着生活垃圾")),
    Problem(EVENT, "06036", 8, ("{place}楼道口乱堆杂物", "{place}人行道上堆放建材和杂物")),
    Problem(EVENT, "07001", 7, ("{place}电线杆上贴满小广告", "{place}墙面被喷涂办证小广告")),
    Problem(EVENT, "09009", 6, ("{place}机动车占用人行道停放", "{place}车辆堵住小区消防通道")),
    Problem(
        EVENT, "09010", 5, ("{place}共享单车和电动车乱停，挡住盲道", "{place}非机动车停放杂乱")
    ),
    Problem(
        EVENT, "06012", 5, ("{place}路面有油污和垃圾，道路不洁", "{place}人行道脏，早上没有保洁")
    ),
    Problem(EVENT, "06001", 3, ("{place}有人在搭建违章棚子", "{place}屋顶私搭乱建")),
    Problem(EVENT, "06011", 3, ("{place}积存建筑垃圾渣土", "{place}拆迁后渣土长期未清运")),
    Problem(EVENT, "06013", 3, ("{place}路面出现坑洼塌陷", "{place}人行道砖松动破损")),
    Problem(EVENT, "06017", 2, ("{place}绿地内垃圾杂物未清理", "{place}公园草坪脏乱")),
    Problem(EVENT, "06042", 3, ("{place}垃圾箱满溢，垃圾散落一地", "{place}垃圾站满了没人清运")),
    Problem(
        EVENT,
        "06027",
        2,
        ("{place}餐馆油烟直排，居民窗户都是油", "{place}饭店油烟很大，熏得睁不开眼"),
    ),
    Problem(EVENT, "06028", 2, ("{place}KTV深夜噪声扰民", "{place}酒吧音乐太吵，晚上睡不着")),
    Problem(EVENT, "06029", 1, ("{place}夜宵摊露天烧烤，烟很大", "{place}路边烧烤摊占道冒烟")),
    Problem(EVENT, "06014", 1, ("{place}渣土车沿路遗撒", "{place}路面有大片泥浆遗撒")),
    Problem(EVENT, "08001", 1, ("{place}工地夜间施工噪声扰民", "{place}凌晨还在打桩施工")),
    Problem(
        EVENT, "08004", 2, ("{place}工地扬尘严重，未覆盖", "{place}工地出入口车辆带泥上路扬尘")
    ),
    Problem(EVENT, "06040", 1, ("{place}有人私设地锁占用公共车位", "{place}人行道上私装阻车桩")),
    Problem(
        COMPONENT,
        "01002",
        3,
        ("{place}污水井盖破损，有安全隐患", "{place}污水井盖移位，车压上去会响"),
    ),
    Problem(COMPONENT, "01003", 2, ("{place}雨水井盖缺失，很危险", "{place}雨水井盖开裂")),
    Problem(COMPONENT, "01001", 1, ("{place}自来水井盖松动", "{place}供水井盖破损")),
    Problem(COMPONENT, "01004", 2, ("{place}雨水箅子堵塞，路面积水", "{place}雨水箅子缺失")),
    Problem(COMPONENT, "01011", 1, ("{place}燃气井盖破损", "{place}燃气井盖周围路面下陷")),
    Problem(COMPONENT, "01037", 4, ("{place}路灯不亮", "{place}路灯杆倾斜，灯罩缺失")),
    Problem(COMPONENT, "01006", 1, ("{place}路灯井盖缺失", "{place}路灯井盖破损")),
    Problem(COMPONENT, "01025", 1, ("{place}消防栓漏水", "{place}供水器锈蚀破损")),
    Problem(COMPONENT, "02004", 1, ("{place}公交站亭玻璃破损", "{place}公交站牌倾斜")),
    Problem(COMPONENT, "02017", 2, ("{place}交通护栏倒伏", "{place}道路护栏变形锈蚀")),
    Problem(COMPONENT, "02007", 1, ("{place}地下通道积水", "{place}地下通道灯不亮")),
    Problem(COMPONENT, "03005", 3, ("{place}垃圾箱破损", "{place}垃圾箱倾倒，箱门没关")),
    Problem(COMPONENT, "03001", 1, ("{place}公厕环境脏乱、异味大", "{place}公厕没有按时开放")),
    Problem(COMPONENT, "03006", 1, ("{place}户外广告牌破损倾斜", "{place}废弃广告牌没拆除")),
    Problem(COMPONENT, "04002", 3, ("{place}行道树断枝，挡住路", "{place}行道树倾斜，快倒了")),
    Problem(COMPONENT, "04013", 1, ("{place}绿地养护不到位，杂草丛生", "{place}绿地黄土裸露")),
)

# Roads of central Ningbo, by district slug; a place is "<district><road><number>号附近".
ROADS = {
    "haishu": (
        "中山西路",
        "解放南路",
        "开明街",
        "药行街",
        "镇明路",
        "柳汀街",
        "苍松路",
        "环城西路",
        "望春路",
        "段塘路",
        "大闸路",
        "南苑街",
        "尹江路",
        "新典路",
    ),
    "jiangbei": (
        "人民路",
        "江北大道",
        "槐树路",
        "环城北路",
        "大庆南路",
        "新马路",
        "文教路",
        "孔浦路",
        "康庄南路",
        "洪塘中路",
        "北岸财富路",
        "正大路",
    ),
    "yinzhou": (
        "中山东路",
        "百丈路",
        "宁穿路",
        "天童南路",
        "首南路",
        "鄞州大道",
        "钱湖路",
        "兴宁路",
        "福明路",
        "惊驾路",
        "桑田路",
        "民安路",
        "四明中路",
        "日丽中路",
        "嵩江中路",
    ),
}
LANDMARKS = ("小区门口", "菜场旁", "公交站旁", "学校附近", "路口", "商铺前", "河边步道", "公园东门")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢傅钟"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲红建国志"

# The demo's phone numbers are clearly made up: the 0574 (Ningbo) area code is not a mobile.
PHONE_PREFIX = "138057"

# Sources of reports and their shares; each says who reports and whether a photo comes along.
SOURCE_MIX: tuple[tuple[str, int], ...] = (
    (SourceChannel.INSPECTOR, 42),
    (SourceChannel.HOTLINE_12345, 24),
    (SourceChannel.CITIZEN, 16),
    (SourceChannel.VIDEO_AI, 6),
    (SourceChannel.HOTLINE_110, 4),
    (SourceChannel.LEADER_ORDER, 2),
    (SourceChannel.MEDIA, 2),
    (SourceChannel.ONLINE_SENTIMENT, 2),
    (SourceChannel.OPEN311, 2),
)
# Channels with a person on the other end whom the city tells about the case.
WITH_REPORTER = frozenset(
    {
        SourceChannel.HOTLINE_12345,
        SourceChannel.HOTLINE_110,
        SourceChannel.CITIZEN,
        SourceChannel.OPEN311,
    }
)
WITH_PHOTO = frozenset({SourceChannel.INSPECTOR, SourceChannel.CITIZEN, SourceChannel.VIDEO_AI})

# Reports per hour of the local day (0-23), relative: inspectors patrol in working hours,
# citizens and the hotline reach well into the evening, and nights are quiet.
HOURLY = {
    "patrol": (0, 0, 0, 0, 0, 0, 0, 1, 6, 9, 9, 7, 3, 4, 8, 9, 8, 5, 1, 0, 0, 0, 0, 0),
    "public": (1, 1, 0, 0, 0, 1, 2, 4, 6, 8, 8, 7, 6, 6, 7, 7, 7, 7, 8, 8, 7, 5, 3, 2),
}
PATROL_SOURCES = frozenset({SourceChannel.INSPECTOR, SourceChannel.VIDEO_AI})


def hourly_weights(source: str) -> tuple[int, ...]:
    return HOURLY["patrol" if source in PATROL_SOURCES else "public"]


def pick_problem(rng: random.Random) -> Problem:
    return rng.choices(PROBLEMS, weights=[p.weight for p in PROBLEMS])[0]


def pick_source(rng: random.Random) -> str:
    sources, weights = zip(*SOURCE_MIX, strict=True)
    return str(rng.choices(sources, weights=weights)[0])


def place(rng: random.Random, district_slug: str, district_name: str) -> str:
    """An address like 海曙区中山西路118号附近 (or at a landmark on the road)."""
    road = rng.choice(ROADS.get(district_slug) or ROADS["haishu"])
    if rng.random() < 0.3:
        return f"{district_name}{road}{rng.choice(LANDMARKS)}"
    return f"{district_name}{road}{rng.randint(1, 480)}号附近"


def describe(rng: random.Random, problem: Problem, where: str) -> str:
    return rng.choice(problem.texts).format(place=where)


def person(rng: random.Random) -> tuple[str, str]:
    """A made-up reporter: (name, phone)."""
    name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
    return name, f"{PHONE_PREFIX}{rng.randint(0, 99999):05d}"
