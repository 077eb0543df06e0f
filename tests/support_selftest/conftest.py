from tests.support.fixtures import strict_platform, third_party_platform  # noqa: F401
