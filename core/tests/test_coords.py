"""WGS-84 / GCJ-02 / BD-09: published reference values, sub-metre round trips, China only."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from core import coords

GEOD = Geod(ellps="WGS84")

# eviltransform's test vectors (WGS-84 lon/lat -> GCJ-02 lon/lat): Shanghai, Shenzhen, Beijing.
EVILTRANSFORM = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
]
NINGBO_WGS84 = (121.55, 29.87)  # 三江口, central Ningbo


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM)
def test_wgs84_to_gcj02_matches_published_vectors(wgs, gcj):
    assert coords.wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM)
def test_gcj02_to_wgs84_inverts_to_well_under_half_a_metre(wgs, gcj):
    assert metres(coords.gcj02_to_wgs84(*gcj), wgs) < 0.01


def test_coordtransform_readme_vectors():
    # wandergis/coordtransform README, point (116.404, 39.915) in Beijing.
    assert coords.wgs84_to_gcj02(116.404, 39.915) == pytest.approx(
        (116.41024449916938, 39.91640428150164), abs=1e-9
    )
    assert coords.gcj02_to_bd09(116.404, 39.915) == pytest.approx(
        (116.41036949371029, 39.92133699351021), abs=1e-9
    )
    # Their BD-09 -> GCJ-02 is the one-step approximation; ours iterates, so agree to ~5 cm.
    assert (
        metres(coords.bd09_to_gcj02(116.404, 39.915), (116.39762729119315, 39.90865673957631))
        < 0.05
    )


def test_offsets_in_ningbo_are_hundreds_of_metres():
    gcj = coords.wgs84_to_gcj02(*NINGBO_WGS84)
    bd = coords.wgs84_to_bd09(*NINGBO_WGS84)
    assert 200 < metres(NINGBO_WGS84, gcj) < 1000
    assert metres(NINGBO_WGS84, bd) > metres(NINGBO_WGS84, gcj)
    assert gcj[0] > NINGBO_WGS84[0] and gcj[1] < NINGBO_WGS84[1]  # east and a little south


def test_round_trips_stay_under_half_a_metre_across_china():
    rng = np.random.default_rng(7)
    lons, lats = rng.uniform(75, 134, 5000), rng.uniform(18, 53, 5000)
    for forward, back in [
        (coords.wgs84_to_gcj02_many, coords.gcj02_to_wgs84_many),
        (coords.wgs84_to_bd09_many, coords.bd09_to_wgs84_many),
        (coords.gcj02_to_bd09_many, coords.bd09_to_gcj02_many),
    ]:
        x, y = back(*forward(lons, lats))
        _, _, dist = GEOD.inv(lons, lats, x, y)
        assert dist.max() < 0.5, forward.__name__


@pytest.mark.parametrize("point", [(2.3522, 48.8566), (-104.9903, 39.7392), (153.0251, -27.4698)])
def test_outside_china_gcj02_is_wgs84(point):
    assert coords.out_of_china(*point)
    assert coords.wgs84_to_gcj02(*point) == point
    assert coords.gcj02_to_wgs84(*point) == point
    assert coords.to_wgs84(*point, "gcj02") == point


def test_to_wgs84_accepts_each_crs_and_common_spellings():
    gcj = coords.wgs84_to_gcj02(*NINGBO_WGS84)
    bd = coords.wgs84_to_bd09(*NINGBO_WGS84)
    assert coords.to_wgs84(*NINGBO_WGS84, "wgs84") == NINGBO_WGS84
    assert metres(coords.to_wgs84(*gcj, "gcj02"), NINGBO_WGS84) < 0.01
    assert metres(coords.to_wgs84(*gcj, "GCJ-02"), NINGBO_WGS84) < 0.01
    assert metres(coords.to_wgs84(*bd, "bd09"), NINGBO_WGS84) < 0.01
    assert coords.from_wgs84(*NINGBO_WGS84, "bd09") == pytest.approx(bd)


def test_unknown_crs_is_a_value_error_naming_the_choices():
    with pytest.raises(ValueError, match=r"Unknown coordinate system 'utm51n'.*wgs84, gcj02, bd09"):
        coords.to_wgs84(121.5, 29.8, "utm51n")


def test_vectorised_and_scalar_agree():
    rng = np.random.default_rng(3)
    lons, lats = rng.uniform(121.4, 121.7, 50), rng.uniform(29.7, 30.0, 50)
    x, y = coords.to_wgs84_many(lons, lats, "bd09")
    for i in range(50):
        assert coords.to_wgs84(lons[i], lats[i], "bd09") == pytest.approx((x[i], y[i]), abs=1e-9)


def test_vectorised_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="differ in shape"):
        coords.wgs84_to_gcj02_many([121.5, 121.6], [29.8])
