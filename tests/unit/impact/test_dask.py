"""Draws spread on a Dask cluster give the same numbers as the local run."""

import numpy as np

from imcap.impact import builtin, load_inputs, make_draws, simulate


def test_dask_equals_local():
    from distributed import Client, LocalCluster

    inp = load_inputs()
    draws = make_draws(inp, 250, seed=2)  # 3 blocks
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        remote = simulate(inp, builtin("comprehensive"), draws, scheduler=client)
    local = simulate(inp, builtin("comprehensive"), draws)
    for m, v in local.values.items():
        np.testing.assert_array_equal(remote.values[m], v)
