from cxloop.testing.processes import installation  # noqa: F401 (a fixture: an installation on its own file)
