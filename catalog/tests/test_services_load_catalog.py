"""load_catalog: the GB/T 47678.5 directory (153 部件 + 250 事项) upserted by (kind, code)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from catalog import services
from catalog.models import Category, FilingStandard

pytestmark = pytest.mark.django_db

CATEGORY_HEADER = "kind,major_code,major_name,minor_code,minor_name,source"


def _empty_catalogue():
    """Empty the catalogue, and first whatever other apps' seed data hangs on it (Open311
    services, device alarm rules, ...), so this test does not depend on which apps are installed."""
    FilingStandard.objects.all().delete()
    for relation in Category._meta.related_objects:
        relation.related_model._default_manager.all().delete()
    Category.objects.all().delete()


def test_the_shipped_file_has_153_components_and_250_matters_with_valid_codes():
    rows = services.parse_categories(services.CATEGORIES_FILE)
    kinds = [r["kind"] for r in rows]
    assert kinds.count("component") == 153
    assert kinds.count("event") == 250
    assert len({(r["kind"], r["minor_code"]) for r in rows}) == 403
    assert all(len(r["minor_code"]) == 5 and r["minor_code"].isdigit() for r in rows)
    assert all(r["minor_code"].startswith(r["major_code"]) for r in rows)
    assert all(r["source"] for r in rows), "every row keeps its provenance"


def test_loading_into_an_empty_catalogue_creates_every_category():
    _empty_catalogue()
    result = services.load_categories()
    assert (result.created, result.updated, result.unchanged) == (403, 0, 0)
    assert Category.objects.filter(kind="component").count() == 153
    assert Category.objects.filter(kind="event").count() == 250
    # The same 5-digit code exists once per kind: 部件 01001 and 事项 "供水井盖异常".
    assert Category.objects.get(kind="component", code="01001").name == "供水井盖"
    assert Category.objects.get(kind="event", code="01001").name == "供水井盖异常"


def test_loading_twice_changes_nothing():
    services.load_categories()
    before = dict(Category.objects.values_list("id", "updated_at"))
    result = services.load_categories()
    assert (result.created, result.updated, result.unchanged) == (0, 0, 403)
    assert dict(Category.objects.values_list("id", "updated_at")) == before


def test_a_changed_name_is_updated_and_admin_choices_survive():
    lamp = Category.objects.get(kind="component", code="01037")
    Category.objects.filter(pk=lamp.pk).update(name="old name", is_active=False, plain_name="灯")
    result = services.load_categories()
    assert (result.created, result.updated) == (0, 1)
    lamp.refresh_from_db()
    assert lamp.name == "路灯"
    assert lamp.is_active is False, "the loader never reactivates what an operator turned off"
    assert lamp.plain_name == "灯"


def test_a_category_missing_from_the_file_is_deactivated_only_on_request(write_file):
    path = write_file(
        "small.csv",
        f"{CATEGORY_HEADER}\ncomponent,01,市政公用设施,01001,供水井盖,test\n",
    )
    Category.objects.create(
        kind="event", code="99001", name="local", major_code="99", major_name="local", is_local=True
    )
    result = services.load_categories(path=path)
    assert result.deactivated == 0
    assert Category.objects.filter(is_active=False).count() == 0

    result = services.load_categories(path=path, deactivate_missing=True)
    assert result.deactivated == 402
    assert Category.objects.get(kind="component", code="01001").is_active
    assert Category.objects.get(code="99001").is_active, "local extensions are not national rows"
    assert Category.objects.count() == 404, "nothing is ever deleted"


def test_a_bad_directory_file_names_every_bad_line_and_writes_nothing(write_file):
    _empty_catalogue()
    path = write_file(
        "bad.csv",
        "\n".join(
            [
                CATEGORY_HEADER,
                "component,01,市政公用设施,01001,供水井盖,ok",
                "component,01,市政公用设施,1002,污水井盖,short code",
                "component,01,市政公用设施,02003,雨水井盖,wrong major",
                "thing,01,市政公用设施,01004,雨水箅子,bad kind",
                "component,01,市政公用设施,01001,供水井盖,repeat",
            ]
        ),
    )
    with pytest.raises(services.CatalogFileError) as caught:
        services.load_categories(path=path)
    lines = {e.line: e.reason for e in caught.value.errors}
    assert set(lines) == {3, 4, 5, 6}
    assert "5 digits" in lines[3]
    assert "major code" in lines[4]
    assert "unknown kind" in lines[5]
    assert "repeats line 2" in lines[6]
    assert Category.objects.count() == 0


def test_plain_names_fill_blanks_and_overwrite_only_on_request(write_file):
    lamp = Category.objects.get(kind="component", code="01037")
    assert lamp.plain_name, "the migration loaded the plain names"
    Category.objects.filter(pk=lamp.pk).update(plain_name="灯坏了", keywords="")
    path = write_file(
        "names.csv", 'code,kind,plain_name,keywords\n01037,component,路灯不亮,"路灯, 灯杆|黑灯"\n'
    )
    services.load_plain_names(path=path)
    lamp.refresh_from_db()
    assert lamp.plain_name == "灯坏了", "an edited plain name is kept"
    assert lamp.keywords == "路灯、灯杆、黑灯", "a blank field is filled, separators normalised"
    services.load_plain_names(path=path, overwrite=True)
    lamp.refresh_from_db()
    assert lamp.plain_name == "路灯不亮"


def test_plain_names_for_an_unknown_category_are_refused(write_file):
    path = write_file("names.csv", "code,kind,plain_name,keywords\n06999,event,x,y\n")
    with pytest.raises(services.CatalogFileError) as caught:
        services.load_plain_names(path=path)
    assert str(caught.value.errors[0]) == "line 2: unknown category event 06999"


def test_the_shipped_plain_names_cover_the_common_categories():
    curated = Category.objects.exclude(plain_name="")
    assert curated.count() >= 40
    for kind, code in [
        ("component", "01023"),
        ("component", "01037"),
        ("event", "06010"),
        ("event", "09006"),
        ("event", "07001"),
        ("event", "09009"),
        ("event", "06028"),
        ("event", "06027"),
        ("event", "06011"),
    ]:
        assert curated.filter(kind=kind, code=code).exists(), (kind, code)


def test_command_prints_counts(capsys):
    call_command("load_catalog")
    out = capsys.readouterr().out
    assert "403 in file (153 components 部件, 250 matters 事项)" in out
    assert "created 0, updated 0, unchanged 403, deactivated 0" in out
    assert "Plain names:" in out


def test_command_turns_a_bad_file_into_a_command_error(write_file):
    path = write_file("bad.csv", "kind,code\n")
    with pytest.raises(CommandError, match="missing column"):
        call_command("load_catalog", "--file", str(path))


def test_an_unquoted_comma_in_plain_names_is_an_error_not_a_lost_keyword(write_file):
    path = write_file(
        "names.csv", "code,kind,plain_name,keywords\n01037,component,路灯,路灯,灯杆\n"
    )
    with pytest.raises(services.CatalogFileError, match="line 2: more cells than header columns"):
        services.load_plain_names(path=path)


def test_a_non_utf8_file_is_a_command_error(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("kind,major_code\n部件,01\n".encode("gbk"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("load_catalog", "--file", str(path))
