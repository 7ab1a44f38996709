"""The Dask engine: per-date blocks as tasks on a real 2-process LocalCluster (loopback) give the
local engine's numbers to 1e-12, from a dataset read by the workers or a frame sent to them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.crosssection import CrossSectionModel
from analytics.data.partitioned import write_partitioned
from analytics.errors import InputError
from cli import main

distributed = pytest.importorskip("distributed")

CHARS = ["a", "b", "c", "d"]


def _panel(n_dates: int = 30, n_stocks: int = 200, seed: int = 3) -> pd.DataFrame:
    """Characteristics with large means (the case centering is for), a market cap, 4% holes."""
    rng = np.random.default_rng(seed)
    rows = n_dates * n_stocks
    frame = pd.DataFrame(
        {
            "date": np.repeat(pd.date_range("2018-01-31", periods=n_dates, freq="ME"), n_stocks),
            "id": np.tile([f"S{i:04d}" for i in range(n_stocks)], n_dates),
        }
    )
    x = rng.normal(size=(rows, len(CHARS))) * [1, 3, 0.5, 2] + [100, -20, 5, 1e4]
    frame[CHARS] = x
    frame["re"] = (x - x.mean(axis=0)) / x.std(axis=0) @ [0.01, -0.005, 0.002, 0.0] + rng.normal(0, 0.05, rows)
    frame["mcap"] = np.exp(rng.normal(7, 1.5, rows))
    frame.loc[rng.random(rows) < 0.04, "c"] = np.nan
    return frame


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes, one thread each, on loopback, no dashboard (the scheduler's HTTP
    endpoint on a free loopback port)."""
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    ) as local:
        yield local


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return write_partitioned(_panel(), tmp_path_factory.mktemp("dask") / "panel")


def _assert_equal(a, b) -> None:
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a.rsquared.to_numpy(), b.rsquared.to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(a.nobs.to_numpy(), b.nobs.to_numpy())
    for name in ("mean", "std", "lower", "upper", "cutoff"):
        np.testing.assert_allclose(getattr(a.stats, name), getattr(b.stats, name), rtol=1e-12, err_msg=name)
    pd.testing.assert_frame_equal(a.fama_macbeth, b.fama_macbeth, rtol=1e-12)


@pytest.mark.parametrize(
    "options",
    [{}, {"weight_col": "mcap", "winsorize": 0.02}, {"constant": True, "top_pct": 40, "cap_col": "mcap"}],
)
def test_dask_on_a_dataset_equals_local(cluster, dataset, options):
    """Workers read the dataset's files themselves; every per-date number equals the local engine's."""
    model = CrossSectionModel(dataset, chars=CHARS, **options)
    local = model.fit(block_dates=4)
    remote = model.fit(engine="dask", scheduler=cluster.scheduler_address, block_dates=4)
    _assert_equal(remote, local)
    assert remote.engine.startswith("Dask engine at tcp://127.0.0.1:")
    np.testing.assert_allclose(
        remote.pure_play_weights("2019-06").to_numpy(), local.pure_play_weights("2019-06").to_numpy(), rtol=1e-12
    )


def test_dask_on_a_frame_in_memory_equals_local(cluster):
    """A panel in memory is sent to the workers block by block, with the same result."""
    model = CrossSectionModel(_panel(), chars=CHARS, weight_col="mcap")
    _assert_equal(model.fit(engine="dask", scheduler=cluster.scheduler_address, block_dates=7), model.fit())


def test_cli_engine_dask_writes_the_same_tables(cluster, dataset, tmp_path):
    """``crosssection --engine dask --scheduler ADDRESS`` writes the local run's tables."""
    common = ["crosssection", "--panel", str(dataset.folder), "--chars", ",".join(CHARS), "--nw-lags", "2"]
    assert main([*common, "--out", str(tmp_path / "local.csv"), "--fm-out", str(tmp_path / "local_fm.csv")]) == 0
    assert (
        main(
            [
                *common,
                "--engine",
                "dask",
                "--scheduler",
                cluster.scheduler_address,
                "--block-dates",
                "3",
                "--out",
                str(tmp_path / "dask.csv"),
                "--fm-out",
                str(tmp_path / "dask_fm.csv"),
            ]
        )
        == 0
    )
    for name in ("", "_fm"):
        pd.testing.assert_frame_equal(
            pd.read_csv(tmp_path / f"dask{name}.csv"), pd.read_csv(tmp_path / f"local{name}.csv"), rtol=1e-12
        )


def test_without_an_address_a_local_cluster_runs_the_fit(dataset):
    """``engine="dask"`` alone starts a local cluster for the fit and closes it afterwards."""
    model = CrossSectionModel(dataset, chars=CHARS)
    remote = model.fit(engine="dask", workers=2, block_dates=10)
    assert remote.engine == "Dask engine on a local cluster"
    _assert_equal(remote, model.fit(block_dates=10))


def test_dask_engine_options_are_checked(dataset):
    """The Dask engine's options are its own: threads belong to the local engine."""
    with pytest.raises(InputError, match="the dask engine has no option 'threads'"):
        CrossSectionModel(dataset, chars=CHARS).fit(engine="dask", threads=2)


def test_an_unreachable_scheduler_is_one_clear_error(dataset):
    """Nothing listening at the address: an InputError naming it, once the connect timeout passes."""
    import dask

    with (
        dask.config.set({"distributed.comm.timeouts.connect": "2s"}),
        pytest.raises(InputError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"),
    ):
        CrossSectionModel(dataset, chars=CHARS).fit(engine="dask", scheduler="tcp://127.0.0.1:9")


def test_the_request_takes_the_engine_and_scheduler(cluster, dataset):
    """The cross-section request (what the GUI and the commands run) passes engine and scheduler through."""
    from analytics import jobs
    from analytics.crosssection.request import CrossSectionRequest, run_cross_section
    from analytics.data.dataset import Dataset

    panel = Dataset("panel", "panel", dataset, "dataset")
    frame = pd.DataFrame({"portfolio": ["p"] * 3, "id": ["S0001", "S0002", "S0150"], "weight": [0.3, 0.3, 0.4]})
    portfolios = Dataset("portfolios", "portfolios", frame, "3 positions")
    local = jobs.run(run_cross_section(CrossSectionRequest(panel, portfolios, chars=CHARS)))
    remote = jobs.run(
        run_cross_section(
            CrossSectionRequest(panel, portfolios, chars=CHARS, engine="dask", scheduler=cluster.scheduler_address)
        )
    )
    assert remote.results.engine.startswith("Dask engine at")
    _assert_equal(remote.results, local.results)
    pd.testing.assert_frame_equal(remote.adjusted.returns, local.adjusted.returns, rtol=1e-12)


def test_without_dask_installed_the_engine_says_so(dataset, monkeypatch):
    """Where dask.distributed is missing (a build without it), asking for its engine is one clear error."""
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(InputError, match="needs the dask and distributed packages"):
        CrossSectionModel(dataset, chars=CHARS).fit(engine="dask")
