"""Regenerate ``demand.csv``: one year of synthetic daily electricity demand for notebook 09.

The file stands in for "a real CSV export": a date column, the demand in MWh and the day's mean
temperature. It is generated (we ship no third-party data) from a fixed seed, so running

    python source/09_forecasting/data/make_demand_csv.py

rewrites it byte for byte (tests/test_exercises_forecasting.py checks that). The model: a
base load, more demand in winter, less at weekends, extra demand on cold days (heating), and
day-to-day persistence (AR(1) noise).
"""

import datetime
from pathlib import Path

import numpy as np

SEED = 2024
START = datetime.date(2023, 1, 1)  # a Sunday
DAYS = 365


def make_rows(seed=SEED):
    """The CSV rows (header first) as lists of strings."""
    rng = np.random.default_rng(seed)
    day = np.arange(DAYS)
    # Mean temperature: coldest mid-January, warmest mid-July, plus weather noise.
    temperature = 10.0 - 9.0 * np.cos(2 * np.pi * (day - 15) / 365) + rng.normal(0.0, 2.5, DAYS)
    weekday = np.array([(START + datetime.timedelta(days=int(d))).weekday() for d in day])
    weekly = np.select([weekday == 5, weekday == 6, weekday == 4], [-70.0, -95.0, -20.0], 0.0)
    heating = 6.0 * np.maximum(0.0, 12.0 - temperature)  # heating only below 12 degrees
    persistent = np.zeros(DAYS)
    shocks = rng.normal(0.0, 8.0, DAYS)
    for d in range(1, DAYS):
        persistent[d] = 0.7 * persistent[d - 1] + shocks[d]
    demand = 520.0 + weekly + heating + persistent
    rows = [["date", "demand_mwh", "temperature_c"]]
    for d in day:
        date = START + datetime.timedelta(days=int(d))
        rows.append([date.isoformat(), f"{demand[d]:.1f}", f"{temperature[d]:.1f}"])
    return rows


def write(path=Path(__file__).with_name("demand.csv")):
    text = "".join(",".join(row) + "\n" for row in make_rows())
    Path(path).write_text(text, encoding="utf-8")
    return path


if __name__ == "__main__":
    print("wrote", write())
