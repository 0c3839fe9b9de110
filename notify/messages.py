"""What the reporter is told (告知反映人): the texts of the citizen messages.

Rendered in the platform language (settings.LANGUAGE_CODE, zh-Hans by default), not in the
language of whoever happened to trigger the move: the citizen reads the SMS, not the operator.

An SMS to a reporter ends with their tracking link (``link``, see portal.tracking), last so
that phones make it tappable without swallowing any words. Chinese SMS are billed by 70
characters per segment (67 each once split): the filing notice is about 40 characters, about
110 with the link under a short PUBLIC_BASE_URL, so two segments; keep new texts that short.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

# Follows the message, before the tracking link.
DETAILS = gettext_noop("Details: %(link)s")


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


# A refusal's reason is cut to keep the SMS within three segments.
REASON_IN_SMS_MAX = 60


def _render(subject: str, body: str, number: str, link: str = "", **values: str) -> Text:
    # The literals are marked with gettext_noop (so makemessages finds them) and translated here,
    # inside the override.
    with translation.override(settings.LANGUAGE_CODE):
        body = gettext(body) % {"number": number, **values}
        if link:
            body = f"{body} {gettext(DETAILS) % {'link': link}}"
        return Text(subject=gettext(subject) % {"number": number}, body=body)


def case_filed(case, *, link: str = "") -> Text:
    """立案告知: the report became case ``case.number`` and will be handled."""
    return _render(
        gettext_noop("Case %(number)s filed"),
        gettext_noop(
            "Your report has been filed as case %(number)s. We will handle it as soon as possible."
        ),
        case.number,
        link,
    )


def case_closed(case, *, link: str = "") -> Text:
    """结案告知: the problem is solved; invite a rating (回访), which the link's page takes."""
    return _render(
        gettext_noop("Case %(number)s closed"),
        gettext_noop(
            "The problem you reported (%(number)s) has been resolved. You are welcome to rate our work."
        ),
        case.number,
        link,
    )


def case_refused(case, *, reason: str, link: str = "") -> Text:
    """不予受理告知: the report was not taken on, and why (the reporter is owed the reason)."""
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_IN_SMS_MAX:
        reason = reason[: REASON_IN_SMS_MAX - 1] + "…"
    return _render(
        gettext_noop("Report %(number)s not taken on"),
        gettext_noop("Your report (%(number)s) was not taken on: %(reason)s"),
        case.number,
        link,
        reason=reason,
    )
