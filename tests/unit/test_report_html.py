"""report.html: the plots' data (diagnostics.py), the SVG drawing (svg.py), the page of a
real run, and — in headless Chromium — that every plot draws."""

import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from linguacodus.diagnostics import (
    MAX_CLASSES,
    MAX_POINTS,
    calibration,
    confusion,
    importance_top,
    residuals,
    score_over_time,
    tree_order,
)
from linguacodus.grading import Grade
from linguacodus.journal import Attempt
from linguacodus.report_html import _node_text
from linguacodus.runner import run_task
from linguacodus.sandbox import Execution
from linguacodus.search import SearchSettings
from linguacodus.svg import TreeNode, bar_chart, heatmap, ticks, tree


def _attempt(number, score=None, parent=None, move="candidate", purpose="full", started=0.0,
             wall=1.0):
    execution = Execution(exit_code=0, signal=None, timed_out=False, wall_seconds=wall,
                          peak_memory_mb=10.0, stdout_tail="", stderr_tail="", isolation="none")
    grade = Grade(valid=score is not None, cv_score=score,
                  reason=None if score is not None else "bad rows")
    return Attempt(number=number, candidate=1, instruction_title=f"t{number}", purpose=purpose,
                   folder=f"attempts/{number:02d}", started_seconds=started, parent=parent,
                   move=move, execution=execution, grade=grade)


def test_confusion_counts_truth_against_the_most_probable_class():
    classes = ("a", "b", "c")
    truth = ["a", "a", "b", "c", "c", "c"]
    raw = np.array([[.9, .1, 0], [.2, .7, .1], [0, 1, 0], [0, 0, 1], [.5, .2, .3], [0, .4, .6]])
    matrix = confusion(truth, raw, classes)
    assert matrix.classes == ("c", "a", "b")  # most frequent first
    assert matrix.counts == ((2, 1, 0), (0, 1, 1), (0, 0, 1))
    assert matrix.accuracy == pytest.approx(4 / 6) and matrix.omitted == 0


def test_confusion_shows_the_most_frequent_classes_and_skips_unpredicted_rows():
    classes = tuple(f"k{i:02d}" for i in range(MAX_CLASSES + 3))
    rng = np.random.default_rng(0)
    truth = [classes[i] for i in rng.integers(0, len(classes), 500)]
    raw = rng.random((500, len(classes)))
    raw[:50] = np.nan  # forward folds: the first block has no prediction
    matrix = confusion(truth, raw, classes)
    assert len(matrix.classes) == MAX_CLASSES and matrix.omitted == 3
    assert sum(map(sum, matrix.counts)) <= 450


def test_calibration_bins_hold_the_observed_share_of_positives():
    classes = ("no", "yes")
    probability = np.array([0.05, 0.05, 0.95, 0.95, 0.95, 0.95])
    truth = ["no", "yes", "yes", "yes", "yes", "no"]
    raw = np.column_stack([1 - probability, probability])
    curve = calibration(truth, raw, classes, "yes")
    assert curve.mean_predicted == pytest.approx((0.05, 0.95))
    assert curve.observed == pytest.approx((0.5, 0.75)) and curve.rows == (2, 4)


def test_residuals_are_truth_minus_prediction_on_a_sample():
    truth = np.arange(5000, dtype=float)
    raw = truth + 2.0
    raw[0] = np.nan
    points = residuals(truth, raw)
    assert len(points.predicted) == MAX_POINTS and points.shown_of == 4999
    assert set(points.residual) == {-2.0}


def test_score_over_time_steps_follow_the_direction_of_the_metric():
    attempts = [_attempt(1, 0.5, started=0, wall=2), _attempt(2, 0.4, started=2, wall=2),
                _attempt(3, 0.45, started=4, wall=2), _attempt(4, None, started=6),
                _attempt(5, 0.1, purpose="probe", move="probe", started=7)]
    points, steps = score_over_time(attempts, higher_is_better=False)
    assert points == [(2, 0.5), (4, 0.4), (6, 0.45)]  # probes and failures are not plotted
    assert steps == [(2, 0.5), (4, 0.4)]
    assert score_over_time(attempts, higher_is_better=True)[1] == [(2, 0.5)]


def test_a_held_back_variant_is_a_point_but_never_the_best_so_far():
    held = _attempt(3, 0.3, parent=2, move="variant", started=5.0).model_copy(
        update={"held_back": "within the noise of its parent (gain 0.01, noise 0.02)"})
    attempts = [_attempt(2, 0.5, started=1.0), held]
    points, steps = score_over_time(attempts, higher_is_better=False)
    assert points == [(2.0, 0.5), (6.0, 0.3)] and steps == [(2.0, 0.5)]
    assert held.outcome() == "valid, held back: within the noise of its parent (gain 0.01, noise 0.02)"
    assert "CV 0.3, held back" in _node_text(held)


def test_the_tree_puts_each_attempt_under_the_one_it_started_from():
    attempts = [_attempt(1, 0.5), _attempt(2, None), _attempt(3, 0.6, parent=2, move="repair"),
                _attempt(4, 0.7, parent=3, move="more-folds"), _attempt(5, 0.4)]
    order = [(depth, a.number) for depth, a in tree_order(attempts)]
    assert order == [(0, 1), (0, 2), (1, 3), (2, 4), (0, 5)]


def test_importance_is_shown_as_shares_of_the_total():
    frame = pd.DataFrame({"feature": ["a", "b", "c", "d"], "importance": [3.0, 1.0, 0.0, np.nan]})
    assert importance_top(frame) == [("a", 0.75), ("b", 0.25)]
    assert importance_top(frame.assign(importance=0.0)) == []


def test_svg_escapes_what_a_run_names_and_ticks_are_round():
    hostile = '<script>alert("x")</script>'
    for svg in (bar_chart([(hostile, 1.0)], hostile, "v"),
                heatmap([[1.0]], [hostile], [hostile], hostile, "t", "p"),
                tree([TreeNode(0, hostile, "valid")], hostile)):
        assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert ticks(0.0, 1.0) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert ticks(0.81, 0.86) == pytest.approx([0.81, 0.82, 0.83, 0.84, 0.85, 0.86])


@pytest.fixture(scope="module")
def binary_run(tmp_path_factory):
    """One real run of a small binary task with probabilities (ROC AUC)."""
    from conftest import make_task

    root = tmp_path_factory.mktemp("report")
    task_dir = make_task(root, "binary_proba", n=300)
    result, run_dir = run_task(task_dir, root / "run", SearchSettings(budget=40, tune_trials=2), k=3)
    assert result.valid
    return run_dir


def test_the_report_of_a_run_holds_every_section_self_contained(binary_run):
    page = (binary_run / "report.html").read_text(encoding="utf-8")
    plots = re.findall(r'data-plot="([a-z-]+)"', page)
    assert plots == ["score-over-time", "tree", "leaderboard", "importance", "confusion",
                     "calibration"]
    for heading in ("Task as understood", "Chosen instruction", "Attempts"):
        assert f"<h2>{heading}</h2>" in page
    assert "<script" not in page and not re.search(r'(src|href)="(https?:)?//', page)
    journal = [Attempt.model_validate_json(line)
               for line in (binary_run / "journal.jsonl").read_text().splitlines()]
    assert page.count("<circle") >= len(journal)  # a tree node each, and the score dots


def test_a_regression_report_draws_residuals(task_factory, tmp_path):
    result, run_dir = run_task(task_factory("regression", n=200), tmp_path / "run",
                               SearchSettings(budget=25, tune_trials=0), k=2)
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert result.valid and 'data-plot="residuals"' in page and 'data-plot="confusion"' not in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _coloured_pixels(png) -> int:
    """Pixels that are neither white-ish nor grey: drawn marks (bars, dots, lines, cells)."""
    pixels = np.asarray(Image.open(png).convert("RGB")).astype(int)
    spread = pixels.max(axis=2) - pixels.min(axis=2)
    return int(np.sum(spread > 40))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_every_plot_of_the_report_draws_in_headless_chromium(binary_run, tmp_path):
    page = (binary_run / "report.html").read_text(encoding="utf-8")
    figures = re.findall(r'<figure data-plot="([a-z-]+)">(<svg.*?</svg>)', page, flags=re.S)
    assert len(figures) == 6
    for name, svg in figures:
        html = tmp_path / f"{name}.html"
        html.write_text(f"<!DOCTYPE html><html><body style='margin:0'>{svg}</body></html>")
        png = tmp_path / f"{name}.png"
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--screenshot={png}", "--window-size=700,900", html.as_uri()],
                       capture_output=True, timeout=120, check=True)
        assert _coloured_pixels(png) > 150, f"{name}: nothing drawn"
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body><svg width='640' height='300'></svg></body></html>")
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={tmp_path / 'blank.png'}", "--window-size=700,900",
                    blank.as_uri()], capture_output=True, timeout=120, check=True)
    assert _coloured_pixels(tmp_path / "blank.png") < 20  # the check can tell nothing from a plot
