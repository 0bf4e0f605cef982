"""Date parts from timestamp columns (the id too, where it is a timestamp).

As a search move they are added where the task has timestamps and an instruction (one a
model proposed, or a user wrote) leaves them unread."""

from linguacodus.ops._edits import add, make, with_numbers_prepared
from linguacodus.ops.base import FeatureCode, Operation, names


def _variant(instruction, spec):
    from linguacodus.spec import ColumnRole

    dates = spec.columns_with(ColumnRole.DATETIME)
    if not dates or instruction.find("datetime_features") is not None:
        return None
    return "date parts", with_numbers_prepared(
        add(instruction, make("datetime_features", columns=dates)))


def _features(step, layout) -> FeatureCode:
    return FeatureCode(body=(
        "    for column in DATETIME_COLUMNS:",
        '        stamp = pd.to_datetime(frame[column], errors="coerce", format="mixed")',
        # day_of_week, not dayofweek: pandas deprecates the older names.
        '        parts = {"year": stamp.dt.year, "month": stamp.dt.month, "day": stamp.dt.day,',
        '                 "dayofweek": stamp.dt.day_of_week, "dayofyear": stamp.dt.day_of_year,',
        '                 "hour": stamp.dt.hour}',
        "        for part, values in parts.items():",
        '            features[f"{column}_{part}"] = values.astype(float)',
        "        if stamp.dt.tz is not None:",
        "            stamp = stamp.dt.tz_localize(None)  # the local wall-clock time",
        "        # Days since 1970 as one number: nearness in time, and trends.",
        '        features[f"{column}_days"] = (stamp - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)',
    ))


OPERATION = Operation(
    "datetime_features", "preprocessing", 2,
    lambda p: "Expand date columns (a timestamp id too) into year, month, day, day of week, "
              "day of year, hour and days since 1970: "
              f"{names(p['columns'])}.",
    defaults={"columns": []},
    extracts={"to_datetime": {}},
    features=_features,
    variant=_variant,
)
