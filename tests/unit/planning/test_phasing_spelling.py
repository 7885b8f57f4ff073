"""Phasing names are accepted as planners write them (front-loaded, Front loaded)."""

import numpy as np
import pytest

from imcap.errors import ParameterError
from imcap.planning.phasing import weights


@pytest.mark.parametrize("name", ["front_loaded", "front-loaded", "Front loaded"])
def test_front_loaded_spellings(name):
    assert np.allclose(weights(name, 3), [3 / 6, 2 / 6, 1 / 6])


def test_unknown_phasing_names_the_choices():
    with pytest.raises(ParameterError, match="unknown phasing"):
        weights("sideways", 3)
