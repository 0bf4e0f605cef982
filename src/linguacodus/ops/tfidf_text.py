"""TF-IDF features of word n-grams, or of character n-grams within words, from text columns.

Character n-grams (``analyzer='char_wb'``) read what words can't: names, codes, misspellings
and word endings, where a test text shares no whole word with the training texts.
"""

from linguacodus.codegen.literals import py
from linguacodus.errors import InstructionError
from linguacodus.ops import _edits
from linguacodus.ops.base import MatrixCode, Operation, names

ANALYZERS = ("word", "char_wb")


def _check(step, spec, instruction) -> None:
    if step.param("analyzer") not in ANALYZERS:
        raise InstructionError(f"tfidf_text analyzer must be 'word' or 'char_wb' (character "
                               f"n-grams within words), not {step.param('analyzer')!r}")
    missing = [c for c in step.param("columns") or [] if c not in spec.columns]
    if missing:
        raise InstructionError(f"tfidf_text names column(s) the task lacks: {', '.join(missing)}")


def _matrix(step, spec) -> MatrixCode:
    analyzer = step.param("analyzer")
    shortest = 1 if analyzer == "word" else 2  # single characters say little
    return MatrixCode("text", lines=(
        "    for column in TEXT_COLUMNS:",
        "        vectorizer = TfidfVectorizer(",
        *([f"            analyzer={py(analyzer)},"] if analyzer != "word" else []),
        f"            max_features={py(step.param('max_features'))}, "
        f"ngram_range=({shortest}, {py(step.param('ngram_max'))}),",
        f"            min_df={py(step.param('min_df'))}, sublinear_tf=True,",
        "        )",
        '        blocks.append((f"text_{column}", vectorizer, column))',
    ), imports=frozenset({"from sklearn.feature_extraction.text import TfidfVectorizer"}))


def _fewer_terms(instruction, spec):
    tfidf = instruction.find("tfidf_text")
    if tfidf is None or tfidf.param("max_features") <= 2000:
        return None
    terms = tfidf.param("max_features") // 4
    return f"at most {terms} TF-IDF terms", _edits.replace(
        instruction, "tfidf_text", _edits.with_params(tfidf, max_features=terms))


OPERATION = Operation(
    "tfidf_text", "preprocessing", 8,
    lambda p: f"Turn text columns ({names(p['columns'])}) into TF-IDF features of "
              + ("word 1" if p["analyzer"] == "word" else "character 2")
              + f"- to {p['ngram_max']}-grams"
              + ("" if p["analyzer"] == "word" else " within words")
              + f", at most {p['max_features']} terms each.",
    defaults={"columns": [], "max_features": 20000, "ngram_max": 2, "min_df": 2,
              "analyzer": "word"},
    check=_check,
    extracts={"TfidfVectorizer": {}, "CountVectorizer": {}},
    fixes={"timeout": _fewer_terms, "out_of_memory": _fewer_terms},
    matrix=_matrix,
)
