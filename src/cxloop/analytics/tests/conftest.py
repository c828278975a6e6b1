import pytest


@pytest.fixture(autouse=True)
def warehouse_file(settings, tmp_path):
    """Each test its own warehouse file."""
    settings.CXLOOP_WAREHOUSE_PATH = tmp_path / "analytics.duckdb"
    return settings.CXLOOP_WAREHOUSE_PATH
