"""Numbers that describe each text: length, words, word length, digits, capitals, punctuation.

They let a tree model that does not read the words still use the shape of the text."""

from linguacodus.codegen.literals import assign
from linguacodus.errors import InstructionError
from linguacodus.ops.base import FeatureCode, Operation, names


def _check(step, spec, instruction) -> None:
    missing = [c for c in step.param("columns") if c not in spec.columns]
    if missing:
        raise InstructionError(f"text_statistics names column(s) the task lacks: {', '.join(missing)}")


def _features(step, layout) -> FeatureCode:
    return FeatureCode(
        setup=(assign("STATISTICS_COLUMNS", list(step.param("columns"))),),
        body=(
            "    for column in STATISTICS_COLUMNS:",
            '        text = frame[column].fillna("").astype(str)',
            "        length = text.str.len().astype(float)",
            "        words = text.str.split().str.len().astype(float)",
            '        features[f"{column}_characters"] = length',
            '        features[f"{column}_words"] = words',
            '        features[f"{column}_word_length"] = length / words.where(words > 0)',
            '        features[f"{column}_digits"] = text.str.count(r"\\d") / length.where(length > 0)',
            '        features[f"{column}_capitals"] = text.str.count(r"[A-Z]") / length.where(length > 0)',
            '        features[f"{column}_punctuation"] = text.str.count(r"[!?.,;:]").astype(float)',
        ),
    )


OPERATION = Operation(
    "text_statistics", "preprocessing", 8,
    lambda p: "Describe each text by numbers (characters, words, mean word length, shares of "
              f"digits and capitals, punctuation marks): {names(p['columns'])}.",
    defaults={"columns": []},
    check=_check,
    features=_features,
)
