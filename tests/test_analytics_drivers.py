"""Driver analysis against the documented output of R's `rwa` package and against planted
drivers: recovered in the right order; collinear or constant drivers said, not computed."""

import numpy as np
import pandas as pd
import pytest

from cxm.metrics.drivers import (
    DriverProblem,
    Quadrant,
    analyse_drivers,
    importance_performance,
    relative_weights,
)


def test_relative_weights_reproduce_the_rwa_reference_example():
    """`rwa(diamonds, "price", c("depth", "carat"))` as documented (martinctc/rwa,
    reference/rwa.md): from its printed RXX and RXY, R² = 0.8506755, raw weights
    carat 0.849946308 and depth 0.000729149, rescaled 99.914 % and 0.0857 %."""
    rxx = np.array([[1.0, 0.02822431], [0.02822431, 1.0]])
    rxy = np.array([-0.0106474, 0.9215913])
    w = relative_weights(rxx, rxy)
    assert w.r_squared == pytest.approx(0.8506755, abs=1e-6)
    assert w.raw == pytest.approx((0.000729149, 0.849946308), abs=1e-6)
    assert w.rescaled == pytest.approx((0.0008571412, 0.9991428588), abs=1e-6)
    assert w.signs == (-1, 1)


# mtcars (Henderson & Velleman 1981): mpg, cyl, disp, hp, wt of the 32 cars.
MTCARS = """21 6 160 110 2.62|21 6 160 110 2.875|22.8 4 108 93 2.32|21.4 6 258 110 3.215
|18.7 8 360 175 3.44|18.1 6 225 105 3.46|14.3 8 360 245 3.57|24.4 4 146.7 62 3.19
|22.8 4 140.8 95 3.15|19.2 6 167.6 123 3.44|17.8 6 167.6 123 3.44|16.4 8 275.8 180 4.07
|17.3 8 275.8 180 3.73|15.2 8 275.8 180 3.78|10.4 8 472 205 5.25|10.4 8 460 215 5.424
|14.7 8 440 230 5.345|32.4 4 78.7 66 2.2|30.4 4 75.7 52 1.615|33.9 4 71.1 65 1.835
|21.5 4 120.1 97 2.465|15.5 8 318 150 3.52|15.2 8 304 150 3.435|13.3 8 350 245 3.84
|19.2 8 400 175 3.845|27.3 4 79 66 1.935|26 4 120.3 91 2.14|30.4 4 95.1 113 1.513
|15.8 8 351 264 3.17|19.7 6 145 175 2.77|15 8 301 335 3.57|21.4 4 121 109 2.78"""


def test_driver_analysis_reproduces_rwa_on_mtcars():
    """`rwa_multiregress(mtcars, "mpg", c("cyl", "disp", "hp", "wt"))` as documented
    (martinctc/rwa, articles/regression-methods.md): R² 0.8486, raw weights cyl 0.2096904,
    disp 0.1883043, hp 0.1799590, wt 0.2706812, all negative."""
    rows = [[float(v) for v in car.split()] for car in MTCARS.replace("\n", "").split("|")]
    frame = pd.DataFrame(rows, columns=["mpg", "cyl", "disp", "hp", "wt"])
    result = analyse_drivers(frame, "mpg", ["cyl", "disp", "hp", "wt"])
    assert result.n == 32 and result.problem is None
    assert result.r_squared == pytest.approx(0.8486, abs=5e-5)
    raw = {d.name: d.raw_weight for d in result.drivers}
    assert raw == pytest.approx(
        {"cyl": 0.2096904, "disp": 0.1883043, "hp": 0.1799590, "wt": 0.2706812}, abs=1e-6
    )
    assert [d.name for d in result.drivers] == ["wt", "cyl", "disp", "hp"]
    assert all(d.sign == -1 for d in result.drivers)
    assert sum(d.weight for d in result.drivers) == pytest.approx(1)


def planted(seed: int, n: int = 400) -> pd.DataFrame:
    """Three correlated drivers with planted effects 0.5 > 0.3 > 0.1 on the outcome."""
    rng = np.random.default_rng(seed)
    shared = rng.normal(size=n)
    drivers = {f"d{i}": 0.5 * shared + rng.normal(size=n) for i in range(3)}
    outcome = 0.5 * drivers["d0"] + 0.3 * drivers["d1"] + 0.1 * drivers["d2"]
    return pd.DataFrame({"outcome": outcome + rng.normal(size=n), **drivers})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_planted_drivers_are_recovered_in_order(seed):
    result = analyse_drivers(planted(seed), "outcome", ["d2", "d0", "d1"])
    assert [d.name for d in result.drivers] == ["d0", "d1", "d2"]
    assert all(d.sign == 1 for d in result.drivers)


def test_collinear_constant_and_scarce_drivers_are_said_not_computed():
    frame = planted(4)
    frame["copy"] = 2 * frame["d0"] + frame["d1"]
    assert analyse_drivers(frame, "outcome", ["d0", "d1", "copy"]).problem == (
        DriverProblem.COLLINEAR
    )
    frame["flat"] = 3.0
    flat = analyse_drivers(frame, "outcome", ["d0", "flat"])
    assert flat.problem == DriverProblem.CONSTANT and flat.problem_drivers == ("flat",)
    few = analyse_drivers(frame.head(9), "outcome", ["d0", "d1"])
    assert few.problem == DriverProblem.TOO_FEW_POINTS and few.n == 9


def test_the_importance_performance_matrix_splits_at_the_means():
    quadrants = importance_performance([0.5, 0.4, 0.05, 0.05], [0.2, 0.9, 0.9, 0.1])
    assert quadrants == [
        Quadrant.FIX,
        Quadrant.MAINTAIN,
        Quadrant.OVER_INVESTED,
        Quadrant.LOW_PRIORITY,
    ]
