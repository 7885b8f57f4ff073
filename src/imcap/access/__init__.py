"""Geographic access: travel time, catchments and population coverage (AccessMod terms).

- :mod:`imcap.access.engine`: least-cost travel time on plain arrays (numba Dijkstra).
- :mod:`imcap.access.reference`: the plain-Python oracle the engine is tested against.
"""

from imcap.access.engine import BoundedSearch, cell_lengths, travel_time

__all__ = ["BoundedSearch", "cell_lengths", "travel_time"]
