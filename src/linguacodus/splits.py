"""How the test rows relate to the training rows, and so how validation must split them.

A random K-fold assumes test rows are drawn like training rows. Three common shapes of
Kaggle-style data break that, and each gets its own folds:

- new groups: the test set holds colleges, people or stores that training lacks; folds keep
  each group's rows together (GroupKFold on the column);
- later times: the test rows lie after the training rows (a date, a year, a trend index);
  folds fit on earlier rows and validate on the next block (forward folds);
- new days: sub-daily timestamps whose test days are all unseen (often runs of consecutive
  days); folds hold out blocks of whole days as long as the test's runs, so that
  neighbouring hours and days do not leak the answer.

The functions take the two frames and the candidate column names; TaskSpec records what
they found.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

# A column whose values repeat in train (at least GROUP_ROWS rows a value on average) but
# mostly don't appear in test (under GROUP_OVERLAP of the test rows) marks groups: the test
# set holds new groups (new colleges, new people), and a random K-fold that splits a group
# between fit and validation rows measures memory of the group, not what holds on test.
GROUP_ROWS = 2.0
GROUP_OVERLAP = 0.1
MIN_GROUPS = 20
# Test rows lie "after" training when at least FORWARD_SHARE of them are beyond the
# largest training value of a column with at least FORWARD_LEVELS distinct values.
FORWARD_SHARE = 0.9
FORWARD_LEVELS = 3
# Forward folds need enough rows that each validation block means something.
FORWARD_MIN_ROWS = 60


def parse_times(values: pd.Series) -> pd.Series:
    """Timestamps as the generated scripts parse them (unparseable: NaT), time-zone free."""
    stamps = pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
    return stamps.dt.tz_localize(None)


def ordering_values(values: pd.Series, is_datetime: bool) -> pd.Series:
    """A column as numbers that order its rows in time (missing: NaN)."""
    if is_datetime:
        stamps = parse_times(values)
        return (stamps - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    return pd.to_numeric(values, errors="coerce")


def find_group_column(train: pd.DataFrame, test: pd.DataFrame,
                      columns: Iterable[str]) -> str | None:
    """The column whose test values are mostly new groups (the one with most groups)."""
    found = []
    for column in columns:
        values = train[column].dropna().astype(str)
        levels = values.nunique()
        if levels < MIN_GROUPS or len(values) / levels < GROUP_ROWS:
            continue
        seen = test[column].dropna().astype(str).isin(set(values)).mean()
        if seen < GROUP_OVERLAP:
            found.append((levels, column))
    return max(found)[1] if found else None


def find_forward_column(train: pd.DataFrame, test: pd.DataFrame, numeric: Iterable[str],
                        datetime: Iterable[str]) -> str | None:
    """The column (timestamps first, then numbers) beyond whose training range the test rows
    lie; None where the test rows sit among the training rows."""
    if len(train) < FORWARD_MIN_ROWS:
        return None
    found = []
    for preference, (columns, is_datetime) in enumerate(((datetime, True), (numeric, False))):
        for column in columns:
            seen = ordering_values(train[column], is_datetime).dropna()
            if seen.nunique() < FORWARD_LEVELS:
                continue
            later = ordering_values(test[column], is_datetime)
            share = float((later > seen.max()).mean())  # missing test values count against
            if share >= FORWARD_SHARE:
                found.append((-share, preference, column))
    return min(found)[2] if found else None


def find_day_blocks(train: pd.DataFrame, test: pd.DataFrame,
                    datetime: Iterable[str]) -> tuple[str, int] | None:
    """A sub-daily timestamp column whose test calendar days are (almost) all unseen in
    training, and the typical length in days of the test's runs of consecutive days:
    validation should then hold out blocks of that many whole days."""
    for column in datetime:
        stamps = parse_times(train[column]).dropna()
        days = stamps.dt.normalize()
        levels = days.nunique()
        if levels < MIN_GROUPS or len(stamps) / levels < GROUP_ROWS:
            continue
        test_days = parse_times(test[column]).dropna().dt.normalize()
        if test_days.empty or test_days.isin(set(days)).mean() >= GROUP_OVERLAP:
            continue
        distinct = pd.Series(sorted(set(test_days)))
        runs = (distinct.diff() != pd.Timedelta(days=1)).cumsum()
        return column, max(1, int(round(distinct.groupby(runs).size().median())))
    return None
