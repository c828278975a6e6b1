pytest_plugins = ["cxloop.testing.fixtures"]
