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
