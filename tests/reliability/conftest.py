from cxloop.testing.processes import installation, postgres_installation  # noqa: F401 (fixtures)
