"""On-disk cache of chat completions, keyed by the full request.

The key covers everything that shapes the answer (server, model, messages, sampling,
response format) and nothing secret (the key is not part of a request body), so a re-run
with the same inputs is answered from disk: free and reproducible.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def request_key(request: dict) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


class ResponseCache:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        path = self._path(key)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # absent, or a torn write from a killed run
            return None

    def put(self, key: str, response: dict) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(response, ensure_ascii=False), encoding="utf-8")
        partial.replace(path)  # atomic: a reader sees the whole answer or none
