"""The home page shows cases by source in the user's areas, each linking to the workbench."""

from __future__ import annotations


def test_home_counts_cases_by_source(staff, receive, client):
    receive(source="citizen", description="污水井盖坏了")
    receive(source="hotline_12345", address="Gamma market", area="330205")  # West only

    client.force_login(staff["city_dispatcher"])
    page = client.get("/").content.decode()
    assert 'id="source-counts"' in page
    assert 'data-source="citizen"' in page and 'data-source="hotline_12345"' in page
    assert "/cases/?queue=all&amp;source=citizen" in page
    assert 'data-source="video_ai"' not in page  # channels without cases are left out

    client.force_login(staff["west_dispatcher"])
    page = client.get("/").content.decode()
    assert 'data-source="hotline_12345"' in page and 'data-source="citizen"' not in page


def test_home_says_when_there_is_no_case(staff, client):
    client.force_login(staff["city_dispatcher"])
    assert 'id="source-counts-empty"' in client.get("/").content.decode()
