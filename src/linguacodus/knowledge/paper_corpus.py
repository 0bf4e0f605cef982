"""Import the Linguacodus paper's instruction corpus (Llama-2 chat-format rows).

Each row pairs a Kaggle task (title, description, data type, metric) with the
instruction extracted from the notebook that placed N-th. We keep the full text, map the
words we recognise (model families, preprocessing, validation) to IR steps, and report
every row we skip with the reason.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from linguacodus.instruction import Instruction, Provenance, Step
from linguacodus.knowledge.store import InstructionRecord, KnowledgeStore, TaskRecord

SOURCE = "linguacodus-paper"

_ORDINALS = {
    word: number for number, word in enumerate(
        ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
         "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
         "seventeenth", "eighteenth", "nineteenth", "twentieth"], start=1)
}
_HEADER = re.compile(
    r"writing the (?P<place>\S+) place instruction for solving this machine learning task\.\s*"
    r"Task:\s*(?P<task>.*?)\n(?:The )?(?P<data>[\w ,/-]*?) data(?: data)? is used for the problem\.\s*"
    r"The metric type is (?P<metric>\S+) for the problem\.",
    re.S,
)
_ANSWER = re.compile(r"\[/INST\]\s*(?P<text>.*?)\s*(?:</s>)?\s*$", re.S)

# Words in an instruction → the operation they name. Order matters only for the report.
_MODEL_WORDS = [
    (r"\blight ?gbm\b|\blgbm", "lightgbm"),
    (r"\bxgboost\b|\bxgb", "xgboost"),
    (r"random ?forest", "random_forest"),
    (r"extra ?trees", "extra_trees"),
    (r"logistic regression", "logistic_regression"),
    (r"\bridge\b", "ridge"),
]
_STEP_WORDS = [
    (r"fill(?:ed|ing|s)? (?:in )?(?:the )?missing|missing values? (?:are |were |is )?"
     r"(?:filled|imputed|replaced)|fillna|imput", "impute_numeric"),
    (r"one[- ]hot|get_dummies", "encode_categorical:onehot"),
    (r"label ?encod|ordinal ?encod", "encode_categorical:ordinal"),
    (r"standard ?scal|standardi[sz]|normali[sz]", "scale_numeric"),
    (r"tf-?idf", "tfidf_text"),
    (r"\blog(?:1p| transform)", "log_target"),
    (r"k-?fold|cross[- ]validation", "kfold"),
]


def model_in_text(text: str) -> str | None:
    """The model operation a prose instruction names first (by its position in the text)."""
    lowered = text.lower()
    found = [(match.start(), op) for pattern, op in _MODEL_WORDS
             if (match := re.search(pattern, lowered))]
    return min(found)[1] if found else None


@dataclass(frozen=True)
class PaperExample:
    notebook: str
    rank: int
    title: str
    description: str
    data_type: str
    metric: str
    text: str


@dataclass
class ImportReport:
    rows: int = 0
    parsed: int = 0
    mapped: int = 0  # parsed rows with at least one structured step
    skipped: Counter = field(default_factory=Counter)  # reason → rows
    tasks: int = 0

    def lines(self) -> list[str]:
        out = [f"rows {self.rows}: parsed {self.parsed}, mapped to IR steps {self.mapped}, "
               f"skipped {sum(self.skipped.values())}; tasks {self.tasks}"]
        out += [f"  skipped {count}: {reason}" for reason, count in self.skipped.most_common()]
        return out


def place_word(place: int) -> str:
    """9 → 'ninth', 21 → '21st': the words the corpus's prompts use."""
    for word, number in _ORDINALS.items():
        if number == place:
            return word
    suffix = "th" if 10 <= place % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(place % 10, "th")
    return f"{place}{suffix}"


def parse_place(word: str) -> int | None:
    """'ninth' → 9, '21.0st' → 21; None where it is no place."""
    word = word.lower().strip()
    if word in _ORDINALS:
        return _ORDINALS[word]
    number = re.match(r"^(\d+)(?:\.0)?(?:st|nd|rd|th)$", word)
    return int(number.group(1)) if number else None


def parse_row(prompt: str, notebook: str) -> PaperExample | str:
    """An example, or the reason the row can't be read."""
    if not isinstance(prompt, str) or not prompt.strip():
        return "empty prompt"
    header = _HEADER.search(prompt)
    if header is None:
        return "prompt does not follow the paper's template"
    rank = parse_place(header.group("place"))
    if rank is None:
        return f"unknown place word {header.group('place')!r}"
    answer = _ANSWER.search(prompt)
    if answer is None or not answer.group("text").strip():
        return "no instruction after [/INST]"
    task = header.group("task").strip()
    title, _, description = task.partition("\n")
    return PaperExample(notebook=str(notebook), rank=rank, title=title.strip(),
                        description=description.strip(), data_type=header.group("data").strip(),
                        metric=header.group("metric").strip(), text=answer.group("text").strip())


def to_instruction(example: PaperExample) -> Instruction:
    """The recognisable part as operations; the full text kept as a free-text step."""
    lowered = example.text.lower()
    models: list[Step] = []
    for pattern, op in _MODEL_WORDS:
        found = re.search(pattern, lowered)
        if found:  # parameters are not read from prose: the operation's defaults apply
            models.append(Step(text=f"Recognised in the text: {found.group(0)!r}.", op=op))
    preprocessing: list[Step] = []
    training: list[Step] = []
    for pattern, op in _STEP_WORDS:
        found = re.search(pattern, lowered)
        name, _, method = op.partition(":")
        if not found or any(s.op == name for s in preprocessing):
            continue
        step = Step(text=f"Recognised in the text: {found.group(0)!r}.", op=name,
                    params={"method": method} if method else {})
        (training if name == "kfold" else preprocessing).append(step)
    return Instruction(
        title=f"{example.title} — place {example.rank}",
        preprocessing=tuple(preprocessing),
        model=tuple(models) + (Step(text=example.text),),
        training=tuple(training),
        provenance=Provenance(source=SOURCE, rank=example.rank,
                              note=f"Kaggle notebook {example.notebook}"),
    )


def import_corpus(csv_path: Path, store: KnowledgeStore) -> ImportReport:
    """Read the corpus CSV into the store; a report of what was parsed, mapped, skipped."""
    frame = pd.read_csv(csv_path)
    missing = {"prompt", "kaggle_id"} - set(frame.columns)
    if missing:
        raise ValueError(f"{csv_path} lacks column(s) {', '.join(sorted(missing))}")
    report = ImportReport(rows=len(frame))
    by_task: dict[str, list[tuple[PaperExample, Instruction]]] = {}
    for prompt, notebook in zip(frame["prompt"], frame["kaggle_id"], strict=True):
        parsed = parse_row(prompt, notebook)
        if isinstance(parsed, str):
            report.skipped[parsed] += 1
            continue
        report.parsed += 1
        instruction = to_instruction(parsed)
        if any(step.op for step in instruction.steps()):
            report.mapped += 1
        by_task.setdefault(parsed.title, []).append((parsed, instruction))
    for title, examples in by_task.items():
        first = examples[0][0]
        store.add_task(
            TaskRecord(source=SOURCE, source_id=title, title=title, description=first.description,
                       data_type=first.data_type, metric=first.metric),
            [InstructionRecord(source_key=f"{SOURCE}:{example.notebook}", rank=example.rank,
                               text=example.text, instruction=instruction)
             for example, instruction in examples],
        )
    report.tasks = len(by_task)
    return report
