"""The sign tree file: the built-in 5/16/58 tree, checking a file (every problem named with its
place), loading and exporting (the same file back), and the command."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from signs import tree as trees
from signs.models import Level, SignNode, SignTree

pytestmark = pytest.mark.django_db


@pytest.fixture
def default():
    return trees.read(trees.DEFAULT_TREE)


def test_the_built_in_tree_is_in_use_with_5_goals_16_groups_58_leaves():
    tree = trees.active_tree()
    assert tree is not None and tree.version == "2026.1-proposal"
    nodes = tree.nodes.all()
    counts = {level: nodes.filter(level=level).count() for level in Level}
    assert counts == {Level.INDEX: 1, Level.GOAL: 5, Level.GROUP: 16, Level.LEAF: 58}
    assert {g.parent.code for g in nodes.filter(level=Level.GOAL)} == {"INDEX"}
    goals = {n.code: n.weight for n in nodes.filter(level=Level.GOAL)}
    assert goals == {c: Decimal(w) for c, w in
                     (("S", "0.25"), ("C", "0.2"), ("O", "0.2"), ("B", "0.15"), ("M", "0.2"))}  # fmt: skip
    assert nodes.get(code="S").red_leaf_cap == 59
    leaf = nodes.get(code="M1.1")
    assert (leaf.parent.code, leaf.parent.parent.code) == ("M1", "M")
    assert leaf.normaliser["kind"] == "piecewise" and leaf.source == "platform"
    for parent in nodes.exclude(level=Level.LEAF):
        shares = sum(c.weight for c in parent.children.all())
        assert abs(shares - 1) <= Decimal("0.001"), parent.code


def test_export_gives_the_file_back_and_it_loads_as_another_version(default):
    exported = trees.export(trees.active_tree())
    assert exported["goals"][0]["groups"][0]["leaves"][0]["normaliser"] == {"kind": "warning_level"}
    assert [g["code"] for g in exported["goals"]] == ["S", "C", "O", "B", "M"]
    assert exported["goals"][2]["groups"][0]["leaves"][3] == {
        **default["goals"][2]["groups"][0]["leaves"][3],
        "weight": 0.25,  # equal shares written out
    }
    exported["version"] = "copy"
    again = trees.load(exported)
    assert trees.export(again) == exported
    assert not again.is_active and trees.active_tree().version == "2026.1-proposal"


def test_loading_with_activate_puts_the_new_version_in_use(default):
    default["version"] = "2027"
    tree = trees.load(default, activate=True)
    assert trees.active_tree() == tree
    assert SignTree.objects.filter(is_active=True).count() == 1


def _problems(data) -> list[str]:
    with pytest.raises(trees.TreeProblem) as caught:
        trees.check(data)
    return caught.value.problems


def test_every_problem_is_named_with_its_place(default):
    bad = copy.deepcopy(default)
    leaves = bad["goals"][0]["groups"][1]["leaves"]
    leaves[0]["normaliser"] = {"kind": "piecewise", "points": [[0, 100]]}
    leaves[1]["code"] = "S2.1"  # twice
    bad["goals"][1]["weight"] = 0.5  # goals now sum to 1.3
    bad["goals"][3]["groups"][2]["leaves"][1]["normaliser"] = {"kind": "survey"}  # observed
    found = _problems(bad)
    assert "S2.1: normaliser: points need at least two [raw value, score] pairs" in found
    assert "S2.1: the code is used twice" in found
    assert any(p.startswith("goals: the weights sum to 1.3") for p in found)
    assert any(p.startswith("B3.2: an observed leaf") for p in found)


def test_the_schema_names_the_path_of_a_bad_value(default):
    bad = copy.deepcopy(default)
    bad["goals"][0]["groups"][0]["leaves"][0]["source"] = "rumour"
    bad["goals"][4]["colour"] = "pink"
    found = _problems(bad)
    assert any(
        p.startswith("goals/0/groups/0/leaves/0/source: 'rumour' is not one of") for p in found
    )
    assert any(p.startswith("goals/4: Unevaluated properties are not allowed") for p in found)


def test_some_weights_given_and_some_not_is_refused(default):
    bad = copy.deepcopy(default)
    bad["goals"][0]["groups"][0]["leaves"][0]["weight"] = 0.5
    assert "S1 leaves: give every sibling a weight, or none (equal shares)" in _problems(bad)


def test_a_version_is_loaded_once_and_a_bad_file_writes_nothing(default):
    with pytest.raises(trees.TreeProblem, match="loaded already"):
        trees.load(default)
    default["version"] = "bad"
    default["goals"][0]["groups"][0]["leaves"][0]["normaliser"] = {"kind": "cubic"}
    with pytest.raises(trees.TreeProblem):
        trees.load(default)
    assert not SignTree.objects.filter(version="bad").exists()
    assert SignNode.objects.count() == 1 + 5 + 16 + 58


def test_the_schema_file_lists_the_models_choices():
    leaf = trees.SCHEMA["$defs"]["leaf"]["properties"]
    assert leaf["source"]["enum"] == trees.ENUMS["source"]
    assert leaf["direction"]["enum"] == trees.ENUMS["direction"]
    assert leaf["frequency"]["enum"] == trees.ENUMS["frequency"]
    assert leaf["tiers"]["items"]["enum"] == trees.ENUMS["tier"]
    assert leaf["normaliser"]["properties"]["kind"]["enum"] == trees.ENUMS["normaliser"]


def test_the_command_checks_loads_and_exports(tmp_path, capsys, default):
    out = tmp_path / "tree.json"
    call_command("signs_tree", "export", "-o", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    data["version"] = "from-file"
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command("signs_tree", "check", str(out))
    assert "good (5 goals, 16 groups, 58 leaves)" in capsys.readouterr().out
    call_command("signs_tree", "load", str(out), "--activate")
    assert trees.active_tree().version == "from-file"
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": "x",\n "name": }', encoding="utf-8")
    with pytest.raises(CommandError, match="line 2: not valid JSON"):
        call_command("signs_tree", "check", str(broken))
    with pytest.raises(CommandError, match="No such file"):
        call_command("signs_tree", "load", str(tmp_path / "missing.json"))
    with pytest.raises(CommandError, match="loaded already"):
        call_command("signs_tree", "load", "--default")
    with pytest.raises(CommandError, match="no tree version nope"):
        call_command("signs_tree", "export", "--version", "nope")


def test_the_admin_lists_trees_and_nodes_and_refuses_a_bad_normaliser(admin_client):
    tree = trees.active_tree()
    assert admin_client.get("/admin/signs/signtree/").status_code == 200
    page = admin_client.get(f"/admin/signs/signtree/{tree.pk}/change/")
    assert page.status_code == 200 and "S1.1" in page.content.decode()
    node = tree.nodes.get(code="S1.2")
    assert admin_client.get(f"/admin/signs/signnode/{node.pk}/change/").status_code == 200
    node.normaliser = {"kind": "piecewise", "points": [[3, 10], [1, 50]]}
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="rise strictly"):
        node.clean()
    tree.floor_green = 95
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError, match="Band floors must fall"):
        tree.clean()


def test_every_unit_of_the_built_in_tree_has_its_label_or_needs_none():
    """A unit added to the tree without a label would show in English in a Chinese page."""
    import json
    from pathlib import Path

    from signs.models import UNIT_LABELS

    data = json.loads((Path(__file__).parents[1] / "data" / "default_tree.json").read_text())
    units = {leaf["unit"] for goal in data["goals"] for group in goal["groups"]
             for leaf in group["leaves"]}  # fmt: skip
    the_same_in_every_language = {"%", "‰", "km/h", "0-10"}
    assert units - the_same_in_every_language == set(UNIT_LABELS)
