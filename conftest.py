"""Every test carries one of three markers, from what it needs (`-m unit` runs in seconds)."""

import pytest

pytest_plugins = ["portalflow_devstack.testing"]

SERVERS = {"stack", "database", "services"}
"""Fixtures that start or use the real PostgreSQL and broker (and, for `services`, both
services): a test that asks for one, directly or through its own fixtures, is not a unit test."""


@pytest.hookimpl(tryfirst=True)  # before -m selects by them
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(item.get_closest_marker(name) for name in ("unit", "integration", "e2e")):
            continue
        needs = set(getattr(item, "fixturenames", ()))
        if "services" in needs or item.path.parent.name == "tests" and (
                item.path.parent.parent == item.config.rootpath):
            item.add_marker(pytest.mark.e2e)
        elif needs & SERVERS:
            item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.unit)
