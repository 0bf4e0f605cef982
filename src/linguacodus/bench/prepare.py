"""Prepare benchmark tasks: labelled source → public/ (what systems see) and private/.

    <data_dir>/<task id>/public/{description.md,train.csv,test.csv,sample_submission.csv}
    <data_dir>/<task id>/private/answers.csv
    <data_dir>/<task id>/meta.json         (TaskMeta: nothing private)
    <data_dir>/<task id>/checksums.json    (sha256 of every file above)
    <data_dir>/<task id>/plugin.sha256     (the plugin it was made from: a changed one re-prepares)

Deterministic: the same package versions give byte-identical files. Each task is written
to a temporary folder and renamed into place, so an interrupted prepare leaves no half task.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from linguacodus.bench.registry import BenchTask, TaskMeta


def sample_submission(meta: TaskMeta, train: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    """A valid placeholder submission in the task's format."""
    ids = test[meta.id_column].to_numpy()
    if meta.submission == "class_probabilities":
        classes = sorted(train[meta.target].astype(str).unique())
        frame = pd.DataFrame({meta.id_column: ids})
        for label in classes:
            frame[label] = round(1 / len(classes), 4)
        return frame
    value: object
    if meta.submission == "label":
        value = train[meta.target].mode().iloc[0]
    elif meta.submission == "binary_probability":
        value = 0.5
    else:
        value = round(float(train[meta.target].mean()), 3)
    return pd.DataFrame({meta.id_column: ids, meta.target: value})


def prepare_task(task: BenchTask, data_dir: Path, force: bool = False) -> Path:
    """Write the task's folders under data_dir; returns the task's root folder."""
    meta = task.meta
    root = Path(data_dir) / meta.id
    if root.exists() and not force and _is_current(root, task):
        return root
    frame = task.load()
    if meta.target not in frame.columns or meta.id_column != frame.columns[0]:
        raise ValueError(f"{meta.id}: load() must return the id column first and the target")
    train, test = task.split(frame)
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{meta.id}-", dir=data_dir))
    try:
        public, private = staging / "public", staging / "private"
        public.mkdir()
        private.mkdir()
        (public / "description.md").write_text(task.description, encoding="utf-8")
        train.to_csv(public / "train.csv", index=False)
        test.drop(columns=[meta.target]).to_csv(public / "test.csv", index=False)
        sample_submission(meta, train, test).to_csv(public / "sample_submission.csv", index=False)
        test[[meta.id_column, meta.target]].to_csv(private / "answers.csv", index=False)
        (staging / "meta.json").write_text(meta.model_dump_json(indent=2) + "\n", encoding="utf-8")
        (staging / "checksums.json").write_text(json.dumps(checksums(staging), indent=2) + "\n")
        (staging / "plugin.sha256").write_text(plugin_fingerprint(task) + "\n")
        if root.exists():
            shutil.rmtree(root)
        staging.rename(root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return root


def checksums(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name not in ("checksums.json", "plugin.sha256")
    }


def plugin_fingerprint(task: BenchTask) -> str:
    """A hash of what makes the task: its plugin files and the shared loaders."""
    digest = hashlib.sha256()
    for path in (task.folder / "task.py", task.folder / "description.md",
                 task.folder.parent / "_sources.py"):
        digest.update(path.read_bytes())
    digest.update(task.meta.model_dump_json().encode())
    return digest.hexdigest()


def _is_current(root: Path, task: BenchTask) -> bool:
    """Prepared from the plugin as it is now (a changed loader, split or META re-prepares)."""
    stamp = root / "plugin.sha256"
    return ((root / "checksums.json").exists() and stamp.exists()
            and stamp.read_text().strip() == plugin_fingerprint(task))


def load_meta(root: Path) -> TaskMeta:
    return TaskMeta.model_validate_json((Path(root) / "meta.json").read_text(encoding="utf-8"))
