"""Linking fixtures: a small fan-out cap so decoys stay cheap to build."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

TEST_CAP = 5


@pytest.fixture(autouse=True)
def small_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Set before the platform opens: the linking configuration is read once, when it does."""
    monkeypatch.setenv("JIGSAW_LINK_FAN_OUT_CAP", str(TEST_CAP))


@pytest.fixture
def linking_client(client: TestClient) -> TestClient:
    return client
