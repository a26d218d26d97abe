pytest_plugins = ["portalflow_devstack.testing"]
