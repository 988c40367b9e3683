"""Alias of :mod:`tests.factories`, where the test factories live: import from there."""

from tests.factories import *  # noqa: F403
from tests.factories import ACTOR, TEST_PASSWORD, StaffAccount  # noqa: F401
