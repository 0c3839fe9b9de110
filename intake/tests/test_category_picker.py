"""The inspector's category picker: words and pinyin find a category; with nothing typed the
description's suggestion comes first, then the inspector's recent and the area's common ones."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from intake.channels.inspector import categories as picker

URL = "/en/intake/m/report/categories/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def codes(picks) -> list[str]:
    return [p.category.code for p in picks]


@pytest.mark.parametrize("query", ["井盖", "jg", "jinggai", "JG", "01001"])
def test_words_pinyin_initials_syllables_and_code_find_the_manhole_cover(staff, manhole, query):
    picks = picker.pick(staff["alpha_inspector"], q=query)
    assert manhole in [p.category for p in picks]
    assert all(p.why == picker.MATCH for p in picks)


def test_a_name_that_starts_with_the_words_ranks_above_one_that_contains_them(staff):
    picks = picker.pick(staff["alpha_inspector"], q="井盖")
    names = [p.category.name for p in picks]
    starts = [i for i, n in enumerate(names) if n.startswith("井盖")]
    inside = [i for i, n in enumerate(names) if not n.startswith("井盖")]
    assert not starts or not inside or max(starts) < min(inside)


def test_nothing_matches_nonsense(staff):
    assert picker.pick(staff["alpha_inspector"], q="zzzzqqq") == []


def test_without_a_query_the_description_suggestion_comes_first_then_recent_then_frequent(
    staff, receive, manhole, parking
):
    inspector = staff["alpha_inspector"]
    # The inspector reported a car park problem lately; the area had two manhole cases.
    receive(category=parking, actor=inspector)
    receive(category=manhole)
    picks = picker.pick(inspector, text="路边井盖丢了")
    # Three manhole covers from the words (the area's common manhole case among them, so not
    # offered twice), then the car park problem the inspector reported.
    assert [p.why for p in picks] == [picker.SUGGESTED] * 3 + [picker.RECENT]
    assert manhole in [p.category for p in picks[:3]] and picks[3].category == parking
    # Without words: recent first, then what is common in the area.
    assert [(p.category, p.why) for p in picker.pick(inspector)] == [
        (parking, picker.RECENT),
        (manhole, picker.FREQUENT),
    ]


def test_the_endpoint_answers_inspectors_with_json(client, staff, manhole):
    client.force_login(staff["alpha_inspector"])
    body = client.get(URL, {"q": "jg"}).json()
    found = [c for c in body["categories"] if c["id"] == manhole.pk]
    assert found and set(found[0]) == {"id", "code", "name", "kind", "why"}
    client.force_login(staff["city_dispatcher"])
    assert client.get(URL, {"q": "jg"}).status_code == 403
