"""suggest_categories: a citizen's words -> likely categories, by substring scoring."""

from __future__ import annotations

import pytest

from catalog.models import Category
from catalog.selectors import score_category, suggest_categories

pytestmark = pytest.mark.django_db


def _first(text: str, **kwargs) -> Category:
    found = suggest_categories(text, **kwargs)
    assert found, f"no suggestion for {text!r}"
    return found[0].category


def test_a_broken_manhole_cover_suggests_a_manhole_category_first():
    first = _first("井盖坏了")
    assert "井盖" in first.name
    assert (first.kind, first.code) == ("component", "01023"), (
        "不明井盖: citizens can't tell the owner"
    )


def test_a_street_stall_suggests_street_vending():
    first = _first("路边有人摆摊")
    assert first.code in {"09006", "09001"}  # 占道经营 / 无照经营游商
    assert first.kind == "event"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("路灯不亮了", "01037"),
        ("门口垃圾桶满了好几天", "06042"),
        ("小区门口乱停车", "09009"),
        ("饭店油烟很大", "06027"),
        ("楼下广场舞噪音太大", "06028"),
        ("下雨后路面积水", "01004"),
        ("电线杆上贴满了小广告", "07001"),
        ("工地扬尘很严重", "08004"),
        ("马路上有个大坑", "06013"),
        ("有人在路边堆了很多渣土", "06011"),
    ],
)
def test_common_complaints_find_their_category(text, code):
    assert _first(text).code == code


def test_the_official_name_counts_even_without_curated_words():
    Category.objects.filter(code="06037").update(plain_name="", keywords="")
    assert _first("路边有动物尸体").code == "06037"


def test_full_width_and_spaces_do_not_matter():
    assert _first("井 盖 坏 了").code == "01023"


def test_nothing_matching_gives_an_empty_list():
    assert suggest_categories("hello world") == []
    assert suggest_categories("   ") == []


def test_limit_and_kind_narrow_the_answer():
    assert len(suggest_categories("井盖", limit=3)) == 3
    assert all(s.category.kind == "event" for s in suggest_categories("井盖", kind="event"))


def test_inactive_categories_are_never_suggested():
    Category.objects.filter(code="01023").update(is_active=False)
    assert all(s.category.code != "01023" for s in suggest_categories("井盖坏了", limit=50))


def test_longer_matches_weigh_more():
    short, _ = score_category("井盖坏了", name="x", plain_name="", keywords="井盖")
    long, matched = score_category("井盖坏了", name="x", plain_name="", keywords="井盖、井盖坏了")
    assert long > short
    assert matched == ["井盖", "井盖坏了"] or set(matched) == {"井盖", "井盖坏了"}
