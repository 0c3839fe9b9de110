"""管理部件标识码 (GB/T 47678.5, reference/standards.md §2.3): 17 digits = the 6-digit
administrative code (GB/T 2260, the district's) + the 5-digit component type (2 major + 3 minor:
the catalogue code of its 部件 subclass) + a 6-digit sequence within that district and type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

CODE_RE = re.compile(r"^\d{17}$")
ADMIN, TYPE, SEQUENCE = slice(0, 6), slice(6, 11), slice(11, 17)
MAX_SEQUENCE = 999_999


class CodeError(ValueError):
    pass


@dataclass(frozen=True)
class Parts:
    admin: str  # 6: the district's GB/T 2260 code
    type: str  # 5: 2 major + 3 minor (the category code)
    sequence: int


def parse(code: str) -> Parts:
    """The parts of an identifier, or CodeError saying what is wrong."""
    if not CODE_RE.match(code or ""):
        raise CodeError(_("%(code)r is not 17 digits.") % {"code": code})
    sequence = int(code[SEQUENCE])
    if sequence == 0:
        raise CodeError(
            _("%(code)r has the sequence 000000 (they start at 000001).") % {"code": code}
        )
    return Parts(code[ADMIN], code[TYPE], sequence)


def check(code: str, *, category_code: str, grid_code: str) -> Parts:
    """The identifier of a component of ``category_code`` in the grid ``grid_code``: its admin
    part must be the grid's district (the grid code's first six characters), its type the
    category's code. CodeError names the part that disagrees."""
    parts = parse(code)
    if parts.admin != grid_code[:6]:
        raise CodeError(
            _(
                "%(code)r starts with %(admin)s, but its grid %(grid)s lies in district %(district)s."
            )
            % {"code": code, "admin": parts.admin, "grid": grid_code, "district": grid_code[:6]}
        )
    if parts.type != category_code:
        raise CodeError(
            _("%(code)r says type %(type)s, but its category is %(category)s.")
            % {"code": code, "type": parts.type, "category": category_code}
        )
    return parts


def make(admin: str, category_code: str, sequence: int) -> str:
    if not (len(admin) == 6 and admin.isdigit() and len(category_code) == 5):
        raise CodeError(_("An identifier needs a 6-digit district and a 5-digit type."))
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise CodeError(_("The sequence runs from 1 to 999999."))
    return f"{admin}{category_code}{sequence:06d}"
