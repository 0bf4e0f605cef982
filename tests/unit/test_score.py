import pytest

from linguacodus.score import Score, best_of


def test_a_score_knows_its_direction():
    assert Score(0.31, higher_is_better=False).better_than(Score(0.35, False))
    assert Score(0.91, higher_is_better=True).better_than(Score(0.90, True))
    assert not Score(0.35, False).better_than(Score(0.35, False))  # strictly better only
    assert not Score(0.34, False).better_than(Score(0.35, False), margin=0.02)
    assert Score(0.2, False).better_than(None)
    assert Score(0.31, False).gain_over(Score(0.35, False)) == pytest.approx(0.04)
    assert Score(0.90, True).gain_over(Score(0.91, True)) == pytest.approx(-0.01)


def test_the_best_of_scores_follows_the_direction():
    assert best_of([Score(v, False) for v in (3.0, 1.0, 2.0)]) == Score(1.0, False)
    assert best_of([Score(v, True) for v in (3.0, 1.0, 2.0)]) == Score(3.0, True)
    assert best_of([]) is None


def test_scores_of_opposite_directions_are_not_compared():
    with pytest.raises(ValueError, match="opposite directions"):
        Score(1.0, True).better_than(Score(1.0, False))
