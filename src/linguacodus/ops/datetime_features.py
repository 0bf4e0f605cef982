"""Date parts from timestamp columns (the id too, where it is a timestamp)."""

from linguacodus.ops.base import FeatureCode, Operation, names


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
)
