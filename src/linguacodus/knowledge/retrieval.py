"""Nearest tasks in the knowledge base by description similarity (TF-IDF cosine).

The meta-feature distance and MiniLM embeddings of issue #4 are not built yet; the results
interface (TaskHit) is what they will fill too.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict

from linguacodus.knowledge.store import KnowledgeStore


class TaskHit(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    similarity: float
    data_type: str | None
    metric: str | None
    instructions: tuple[tuple[int | None, str], ...]  # (rank, full text), best rank first


def nearest_tasks(store: KnowledgeStore, query: str, k: int = 5,
                  instructions_per_task: int = 3) -> list[TaskHit]:
    """The k stored tasks whose title and description are most like the query."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # only when searching

    tasks = store.tasks()
    if not tasks or not query.strip():
        return []
    documents = [f"{t['title']}\n{t['description']}" for t in tasks]
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=(1, 2))
    matrix = vectorizer.fit_transform(documents + [query])
    similarity = (matrix[:-1] @ matrix[-1].T).toarray().ravel()  # rows are L2-normalised
    order = np.argsort(-similarity, kind="stable")[:k]
    hits = []
    for index in order:
        task = tasks[int(index)]
        ranked = store.instruction_texts(task["id"], instructions_per_task)
        hits.append(TaskHit(title=task["title"], similarity=round(float(similarity[index]), 4),
                            data_type=task["data_type"], metric=task["metric"],
                            instructions=tuple(ranked)))
    return hits
