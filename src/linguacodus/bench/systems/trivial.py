"""The trivial baseline: majority class, prior probabilities, or the mean."""

from __future__ import annotations

import numpy as np

from linguacodus.bench.systems._common import Inputs, run, write_submission


def fit_predict(inputs: Inputs) -> None:
    meta, target = inputs.meta, inputs.train[inputs.meta.target]
    n = len(inputs.test)
    if meta.submission == "value":
        write_submission(inputs, np.full(n, float(target.mean())))
    elif meta.submission == "label":
        write_submission(inputs, np.full(n, target.mode().iloc[0], dtype=object))
    else:
        shares = target.astype(str).value_counts(normalize=True)
        if meta.submission == "binary_probability":
            write_submission(inputs, np.full(n, float(shares.get(str(meta.positive_label), 0.0))))
        else:
            classes = inputs.classes
            write_submission(inputs, np.tile([shares[c] for c in classes], (n, 1)), classes)


if __name__ == "__main__":
    run(fit_predict)
