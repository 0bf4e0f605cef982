"""Numbers that describe each text: length, words, word length, digits, capitals, punctuation.

They let a tree model that does not read the words still use the shape of the text, and
add to a model that reads the words what TF-IDF leaves out (how long, how shouted). As a
search move they are added for the text columns an instruction does not yet describe."""

from linguacodus.codegen.literals import assign
from linguacodus.errors import InstructionError
from linguacodus.ops._edits import add, make, replace, with_numbers_prepared
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


def _variant(instruction, spec):
    from linguacodus.spec import ColumnRole

    step = instruction.find("text_statistics")
    have = list(step.param("columns")) if step is not None else []
    more = [c for c in spec.columns_with(ColumnRole.TEXT) if c not in have]
    if not more:
        return None
    widened = make("text_statistics", columns=have + more)
    if step is None:
        return "text statistics", with_numbers_prepared(add(instruction, widened))
    return "text statistics", with_numbers_prepared(replace(instruction, "text_statistics", widened))


OPERATION = Operation(
    "text_statistics", "preprocessing", 8,
    lambda p: "Describe each text by numbers (characters, words, mean word length, shares of "
              f"digits and capitals, punctuation marks): {names(p['columns'])}.",
    defaults={"columns": []},
    check=_check,
    features=_features,
    variant=_variant,
)
