"""``manage.py signs_tree check FILE | load FILE [--activate] | load --default [--activate] |
export [--version V] [-o FILE]``: the sign tree file (signs.tree). Problems are listed one per
line with the place they are at, and nothing is written."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from signs import tree as trees
from signs.models import SignTree


class Command(BaseCommand):
    help = "Check, load or export a sign tree file (体征指标体系, JSON)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="check a file, write nothing")
        check.add_argument("file")
        load = sub.add_parser("load", help="load a file as a new tree version")
        load.add_argument("file", nargs="?")
        load.add_argument("--default", action="store_true", help="the built-in 5/16/58 tree")
        load.add_argument("--activate", action="store_true", help="make it the tree in use")
        export = sub.add_parser("export", help="write a tree version as a file")
        export.add_argument("--version", dest="tree_version", help="default: the tree in use")
        export.add_argument("-o", "--output", help="file (default: standard output)")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except trees.TreeProblem as exc:
            raise CommandError("the tree file has problems:\n" + str(exc)) from None

    def _read(self, path: str | None, default: bool = False) -> dict:
        if default:
            return trees.read(trees.DEFAULT_TREE)
        if not path:
            raise CommandError("name a file, or --default")
        try:
            return trees.read(path)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None

    def _check(self, file, **options):
        data = self._read(file)
        trees.check(data)
        self.stdout.write(f"{file}: good ({_count(data)})")

    def _load(self, file=None, default=False, activate=False, **options):
        data = self._read(file, default)
        tree = trees.load(data, activate=activate)
        state = " and put in use" if activate else ""
        self.stdout.write(f"loaded {tree} ({_count(data)}){state}")

    def _export(self, tree_version=None, output=None, **options):
        if tree_version:
            tree = SignTree.objects.filter(version=tree_version).first()
        else:
            tree = trees.active_tree()
        if tree is None:
            raise CommandError(f"no tree {'version ' + tree_version if tree_version else 'in use'}")
        text = json.dumps(trees.export(tree), ensure_ascii=False, indent=1) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as out:
                out.write(text)
        else:
            self.stdout.write(text, ending="")


def _count(data: dict) -> str:
    groups = [g for goal in data["goals"] for g in goal["groups"]]
    leaves = sum(len(g["leaves"]) for g in groups)
    return f"{len(data['goals'])} goals, {len(groups)} groups, {leaves} leaves"
