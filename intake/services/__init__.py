"""Intake services (STYLE.md rule 1): every write of the intake app.

- ``receive_report``: every channel ends here (受理); ``record_report`` keeps a report that
  opens no case (module ``receiving``);
- ``case_merge`` / ``case_split``: an operator merges (合并) or splits (拆分) cases (``merging``).

Only intake opens cases (``cases.services.reporting.case_report``); a contract test
(intake/tests/test_one_door.py) keeps it so.
"""

from __future__ import annotations

from intake.services._checks import locate
from intake.services.merging import case_merge, case_split
from intake.services.receiving import IntakeResult, component_fits, receive_report, record_report

__all__ = [
    "IntakeResult",
    "case_merge",
    "case_split",
    "component_fits",
    "locate",
    "receive_report",
    "record_report",
]
