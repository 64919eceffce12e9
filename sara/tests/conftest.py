import pytest


@pytest.fixture
def stockholm(reference_orgs):
    """Stockholms stad: leads the Sergels torg team."""
    return reference_orgs["kommun-0180"]


@pytest.fixture
def transit(reference_orgs):
    """Region Stockholm, Trafikförvaltningen (sl.trygghet's organisation)."""
    return reference_orgs["region-stockholm-tf"]


@pytest.fixture
def police(reference_orgs):
    """Lokalpolisområde City (polis.city's organisation)."""
    return reference_orgs["lpo-city"]
