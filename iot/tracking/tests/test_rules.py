"""Track rules on hand-made geometries (metres in a local plane, Beijing time of day)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from shapely.geometry import LineString, box

from iot.tracking import rules
from iot.tracking.rules import Fence, Status, Track

TZ = ZoneInfo("Asia/Shanghai")
# Monday 2026-11-23 10:00 Beijing time: a working morning.
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC).timestamp()
STEP = 30.0  # seconds between positions, as muck-truck terminals report (iot.md §4.1)


def track(xy, *, start=MONDAY_10, step=STEP, speed=None) -> Track:
    ts = [start + i * step for i in range(len(xy))]
    return Track.build(ts, [p[0] for p in xy], [p[1] for p in xy], speed, tz=TZ)


ROUTE = Fence(area=LineString([(0, 0), (1000, 0)]).buffer(50))  # a 50 m corridor


class TestOffRoute:
    def test_inside_the_corridor_is_fine(self):
        verdict = rules.off_route(track([(0, 10), (100, -40), (200, 49)]), [ROUTE])
        assert verdict.status is Status.CLEAR

    def test_off_for_enough_points_and_time_raises_from_the_first_point_off(self):
        t = track([(0, 0), (100, 80), (200, 90), (300, 85)])
        verdict = rules.off_route(t, [ROUTE], count=2, duration=60)
        assert verdict.status is Status.BREACH
        assert verdict.since == t.ts[1]
        assert verdict.value == pytest.approx(40)  # 90 m from the line = 40 m beyond 50 m

    def test_one_stray_point_is_not_a_deviation_yet(self):
        verdict = rules.off_route(track([(0, 0), (100, 0), (200, 90)]), [ROUTE], count=2)
        assert verdict.status is Status.HOLD

    def test_off_for_enough_points_but_not_long_enough_holds(self):
        verdict = rules.off_route(
            track([(0, 0), (100, 80), (200, 90)]), [ROUTE], count=2, duration=60
        )
        assert verdict.status is Status.HOLD  # 30 s off so far

    def test_coming_back_clears_only_after_clear_count_points(self):
        back_one = track([(100, 80), (200, 90), (300, 85), (400, 0)])
        back_two = track([(100, 80), (200, 90), (300, 85), (400, 0), (500, 0)])
        assert rules.off_route(back_one, [ROUTE], clear_count=2).status is Status.HOLD
        assert rules.off_route(back_two, [ROUTE], clear_count=2).status is Status.CLEAR

    def test_a_route_outside_its_active_hours_does_not_apply(self):
        night = Fence(area=ROUTE.area, start=22 * 3600, end=6 * 3600)  # wraps midnight
        off = [(0, 300), (100, 300)]
        noon = datetime(2026, 11, 23, 4, 0, tzinfo=UTC).timestamp()  # 12:00 Beijing
        late = datetime(2026, 11, 23, 15, 0, tzinfo=UTC).timestamp()  # 23:00 Beijing
        assert rules.off_route(track(off, start=noon), [night]).status is Status.CLEAR
        assert rules.off_route(track(off, start=late), [night]).status is Status.BREACH

    def test_inside_any_of_two_routes_is_on_route(self):
        north = Fence(area=LineString([(0, 500), (1000, 500)]).buffer(50))
        verdict = rules.off_route(track([(0, 0), (100, 500)]), [ROUTE, north])
        assert verdict.status is Status.CLEAR


class TestForbiddenZone:
    ZONE = Fence(area=box(400, 400, 600, 600))  # a school block, 200 m square

    def test_entering_raises_with_the_depth(self):
        verdict = rules.forbidden_zone(track([(0, 0), (450, 500)]), [self.ZONE])
        assert verdict.status is Status.BREACH
        assert verdict.value == pytest.approx(50)

    def test_passing_by_outside_is_fine(self):
        verdict = rules.forbidden_zone(track([(390, 500), (610, 300)]), [self.ZONE])
        assert verdict.status is Status.CLEAR

    def test_leaving_clears(self):
        verdict = rules.forbidden_zone(track([(500, 500), (700, 700)]), [self.ZONE])
        assert verdict.status is Status.CLEAR

    def test_a_zone_active_by_day_is_no_zone_at_night(self):
        by_day = Fence(area=self.ZONE.area, start=7 * 3600, end=19 * 3600)
        night = datetime(2026, 11, 23, 14, 0, tzinfo=UTC).timestamp()  # 22:00 Beijing
        assert rules.forbidden_zone(track([(500, 500)]), [by_day]).status is Status.BREACH
        assert (
            rules.forbidden_zone(track([(500, 500)], start=night), [by_day]).status is Status.CLEAR
        )


class TestDwell:
    def test_staying_within_the_radius_long_enough_raises(self):
        jitter = [(5 * (i % 3), 4 * (i % 2)) for i in range(63)]  # 31 minutes, 30 s apart
        verdict = rules.dwell(track(jitter), radius_m=50, min_seconds=1800)
        assert verdict.status is Status.BREACH
        assert verdict.value == pytest.approx(31)

    def test_a_shorter_stop_is_fine(self):
        verdict = rules.dwell(track([(0, 0)] * 59), radius_m=50, min_seconds=1800)  # 29 min
        assert verdict.status is Status.CLEAR

    def test_the_stay_starts_after_the_last_point_outside_the_radius(self):
        t = track([(500, 0)] + [(0, 0)] * 62)
        verdict = rules.dwell(t, radius_m=50, min_seconds=1800)
        assert verdict.status is Status.BREACH and verdict.since == t.ts[1]

    def test_moving_on_clears_at_once(self):
        verdict = rules.dwell(track([(0, 0)] * 70 + [(300, 0)]), radius_m=50, min_seconds=1800)
        assert verdict.status is Status.CLEAR


class TestSpeeding:
    def test_n_points_above_the_limit_raise_with_the_top_speed(self):
        t = track([(0, 0)] * 4, speed=[50, 70, 75, 80])
        verdict = rules.speeding(t, limit_kmh=60, count=3)
        assert verdict.status is Status.BREACH
        assert verdict.value == 80 and verdict.since == t.ts[1]

    def test_fewer_points_above_the_limit_hold(self):
        t = track([(0, 0)] * 3, speed=[50, 70, 75])
        assert rules.speeding(t, limit_kmh=60, count=3).status is Status.HOLD

    def test_at_the_limit_is_not_above_it(self):
        t = track([(0, 0)] * 3, speed=[60, 60, 60])
        assert rules.speeding(t, limit_kmh=60).status is Status.CLEAR

    def test_without_a_sent_speed_the_distance_over_time_counts(self):
        # 100 m every 5 s is 72 km/h.
        t = track([(100 * i, 0) for i in range(4)], step=5)
        verdict = rules.speeding(t, limit_kmh=60, count=3)
        assert verdict.status is Status.BREACH
        assert verdict.value == pytest.approx(72)


@pytest.mark.django_db
class TestBadgeOutOfGrid:
    HOME = box(0, 0, 500, 500)

    @staticmethod
    def verdict(start: float) -> rules.Verdict:
        from core.workcalendar import get_calendar

        t = track([(900, 250)] * 4, start=start, step=60)  # 400 m east of the grid
        working = rules.working_mask(t.ts, get_calendar(), TZ)
        return rules.out_of_grid(t, TestBadgeOutOfGrid.HOME, working, tolerance_m=30, count=3)

    def test_away_from_the_grid_in_working_hours_raises(self):
        verdict = self.verdict(MONDAY_10)
        assert verdict.status is Status.BREACH
        assert verdict.value == pytest.approx(400)

    def test_inside_the_grid_or_within_tolerance_is_fine(self):
        from core.workcalendar import get_calendar

        t = track([(250, 250), (520, 250), (250, 510)], step=60)
        working = rules.working_mask(t.ts, get_calendar(), TZ)
        verdict = rules.out_of_grid(t, self.HOME, working, tolerance_m=30)
        assert verdict.status is Status.CLEAR

    def test_lunch_break_is_off_duty(self):
        lunch = datetime(2026, 11, 23, 4, 30, tzinfo=UTC).timestamp()  # 12:30 Beijing
        assert self.verdict(lunch).status is Status.CLEAR

    def test_evening_is_off_duty(self):
        evening = datetime(2026, 11, 23, 11, 0, tzinfo=UTC).timestamp()  # 19:00 Beijing
        assert self.verdict(evening).status is Status.CLEAR

    def test_a_public_holiday_is_off_duty(self):
        from core.workcalendar import get_calendar

        national_day = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)  # Thursday 10:00, 国庆节
        assert not get_calendar().is_workday(national_day.astimezone(TZ).date())
        assert self.verdict(national_day.timestamp()).status is Status.CLEAR


def test_sustained_counts_the_trailing_run_only():
    flags = np.array([True, True, False, True, True])
    ts = np.arange(5) * 30.0
    verdict = rules.sustained(flags, ts, np.arange(5.0), count=2)
    assert verdict.status is Status.BREACH and verdict.since == 90 and verdict.value == 4


def test_verdicts_from_the_new_points_give_each_change_in_order():
    flags = np.array([False, True, True, False, False, True])
    ts = np.arange(6) * 30.0
    found = rules.changes(rules.verdicts_from(flags, ts, np.arange(6.0), first=1, clear_count=2))
    assert [(i, v.status) for i, v in found] == [
        (2, Status.BREACH),  # 1 and 2 in breach: the last of the run carries the update
        (4, Status.CLEAR),  # two points back: confirmed clear
        (5, Status.BREACH),
    ]
    assert found[0][1].since == 30.0
