"""The public API is small and deliberate (STYLE.md #8)."""

import imcap

EXPECTED = {
    "ConflictError",
    "Database",
    "ImcapError",
    "NotFoundError",
    "ParameterError",
    "PermissionDenied",
    "UserError",
    "ValidationError",
    "ValidationReport",
    "__version__",
}


def test_public_api_is_exactly_what_we_chose():
    assert set(imcap.__all__) == EXPECTED
    for name in imcap.__all__:
        assert hasattr(imcap, name)
