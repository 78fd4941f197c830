"""Fixtures shared by every app's tests."""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient


@pytest.fixture
def staff_user(db) -> User:
    return User.objects.create_user(
        username="staff", password="staff-password", is_staff=True
    )


@pytest.fixture
def api_client(staff_user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


class Answer:
    """Calls a metric function on one forced path and checks that path answered.

    On the roll-up path the roll-ups are refreshed from the test's data first, as a
    load would. `raw_by_design=True` says the roll-ups do not keep the level asked
    for, so the raw tables answer on both paths; `answered=None` says no path runs
    (no window at all).
    """

    def __init__(self, path: str) -> None:
        self.path = path

    def pick(self, *, raw: int, rollup: int) -> int:
        """A per-path value, such as the number of queries."""
        return raw if self.path == "raw" else rollup

    def refresh(self) -> None:
        from ecomanalytics.rollups.refresh import refresh_rollups

        if self.path == "rollup":
            refresh_rollups()

    def __call__(
        self,
        metric,
        /,
        *,
        refresh: bool = True,
        raw_by_design: bool = False,
        answered: object = "path",
        **kwargs,
    ):
        from ecomanalytics.rollups.status import answered_by, metrics_path

        if refresh:
            self.refresh()
        expected = (
            ("raw" if raw_by_design else self.path) if answered == "path" else answered
        )
        with metrics_path(self.path):  # type: ignore[arg-type]
            answered_by.set(None)
            result = metric(**kwargs)
            path = answered_by.get()
        assert path == expected, (
            f"{metric.__name__} answered from {path}, not {expected}"
        )
        return result


@pytest.fixture(params=["raw", "rollup"])
def answer(request) -> Answer:
    """Run a metric on the raw tables and on the roll-ups (see Answer)."""
    return Answer(request.param)
