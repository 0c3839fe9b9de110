"""What the reporter is told (告知反映人): the texts of the citizen messages.

Rendered in the platform language (settings.LANGUAGE_CODE, zh-Hans by default), not in the
language of whoever happened to trigger the move: the citizen reads the SMS, not the operator.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


def _render(subject: str, body: str, number: str) -> Text:
    # The literals are marked with gettext_noop (so makemessages finds them) and translated here,
    # inside the override.
    with translation.override(settings.LANGUAGE_CODE):
        return Text(
            subject=gettext(subject) % {"number": number},
            body=gettext(body) % {"number": number},
        )


def case_filed(case) -> Text:
    """立案告知: the report became case ``case.number`` and will be handled."""
    return _render(
        gettext_noop("Case %(number)s filed"),
        gettext_noop(
            "Your report has been filed as case %(number)s. We will handle it as soon as possible."
        ),
        case.number,
    )


def case_closed(case) -> Text:
    """结案告知: the problem is solved; invite a rating (回访)."""
    return _render(
        gettext_noop("Case %(number)s closed"),
        gettext_noop(
            "The problem you reported (%(number)s) has been resolved. You are welcome to rate our work."
        ),
        case.number,
    )
