"""The churn module's rule score (plugins/churn/rules.py): strengths, weights, shares, levels, and
the reasons' sentences in English and Chinese (plugins/churn/reasons.py and its catalogue)."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from plugins.churn import reasons, rules
from plugins.churn.rules import Figures

CATALOGUE = Path(rules.__file__).parent / "translations"


def figures(n=1, **given) -> Figures:
    base = {"days_since_last_purchase": np.full(n, 10.0), "typical_interval_days": np.full(n, 30.0),
            "purchases_recent": np.zeros(n), "purchases_before": np.zeros(n),
            "spend_recent": np.zeros(n), "spend_before": np.zeros(n)}
    return Figures(**{**base, **{name: np.asarray(value, dtype=float) for name, value in given.items()}})


def test_a_score_combines_its_signals_as_independent_risks():
    # 150 days against a 30-day interval: 1 - exp(-150 / (30 + 120)) = 1 - 1/e; a low survey score: 0.3
    overdue = 1 - math.exp(-1)
    one = figures(days_since_last_purchase=[150], low_survey_scores=[0])
    assert rules.score(one).score.tolist() == [round(100 * overdue)]
    both = rules.score(figures(days_since_last_purchase=[150], low_survey_scores=[1]))
    assert both.score.tolist() == [round(100 * (1 - (1 - overdue) * 0.7))]
    shares = {reason.code: reason.share for reason in both.reasons(0)}
    total = 1 - math.log(0.7)  # -log(1 - w s) of each: 1 for the overdue, -log(0.7) for the survey
    assert shares == {"overdue": round(1 / total, 4), "low_survey": round(-math.log(0.7) / total, 4)}
    assert [reason.code for reason in both.reasons(0)] == ["overdue", "low_survey"]  # largest first


def test_the_strengths_follow_the_documented_formulas():
    f = figures(3, days_since_last_purchase=[0, 75, np.nan], typical_interval_days=[30, 30, 30],
                purchases_recent=[1, 1, 0], purchases_before=[3, 0, 8], spend_recent=[100, 0, 0],
                spend_before=[300, 0, 800], interactions_recent=[0, 2, 1], interactions_before=[2, 1, 4],
                missed_visits=[1, 3, 0], p_alive=[np.nan, 0.2, 1])
    s = rules.strengths(f)
    assert s["overdue"] == pytest.approx([0, 1 - math.exp(-75 / 150), 0])  # never bought: no overdue
    assert s["fewer_purchases"] == pytest.approx([2 / 3 * 3 / 5, 0, 1 * 8 / 10])
    assert s["less_spend"] == pytest.approx([2 / 3 * 3 / 5, 0, 8 / 10])  # the doubt counts purchases
    assert s["fewer_interactions"] == pytest.approx([1 * 2 / 4, 0, 3 / 4 * 4 / 6])
    assert s["missed_visits"].tolist() == [0.5, 1, 0] and s["model_p_alive"] == pytest.approx([0, 0.8, 0])


def test_shares_sum_to_one_over_the_signals_that_contributed():
    rng = np.random.default_rng(3)
    n = 1000
    f = figures(n, days_since_last_purchase=rng.uniform(0, 400, n), typical_interval_days=rng.uniform(5, 90, n),
                purchases_recent=rng.integers(0, 5, n), purchases_before=rng.integers(0, 5, n),
                spend_recent=rng.uniform(0, 500, n), spend_before=rng.uniform(0, 500, n),
                interactions_recent=rng.integers(0, 4, n), interactions_before=rng.integers(0, 4, n),
                low_survey_scores=rng.integers(0, 2, n), breached_complaints=rng.integers(0, 2, n),
                missed_visits=rng.integers(0, 3, n), p_alive=rng.uniform(0, 1, n))
    weights = {signal: 0.5 for signal in rules.SIGNALS}
    scores = rules.score(f, weights)
    assert scores.score.dtype.kind == "i" and scores.score.min() >= 0 and scores.score.max() <= 100
    assert np.allclose(scores.shares.sum(axis=1), 1)
    for i in range(0, n, 97):
        assert sum(reason.share for reason in scores.reasons(i)) == pytest.approx(1, abs=1e-3)
    codes, shares = scores.top(3)
    assert codes.shape == (n, 3) and np.all(np.diff(shares, axis=1) <= 0)
    assert [scores.signals[j] for j in codes[0]] == [reason.code for reason in scores.reasons(0)][:3]
    nothing = rules.score(figures(1, days_since_last_purchase=[np.nan]))
    assert nothing.score.tolist() == [0] and nothing.reasons(0) == [] and nothing.shares.sum() == 0


def test_a_signal_switched_off_is_gone_from_the_score_and_the_reasons():
    f = figures(days_since_last_purchase=[200], breached_complaints=[1])
    on = rules.score(f)
    assert {reason.code for reason in on.reasons(0)} == {"overdue", "complaint_breach"}
    off = rules.score(f, {"complaint_breach": 0})
    assert "complaint_breach" not in off.signals and [r.code for r in off.reasons(0)] == ["overdue"]
    assert off.reasons(0)[0].share == 1 and off.score[0] < on.score[0]
    modelled = figures(2, p_alive=[0.4, np.nan])
    assert rules.score(modelled).model_used.tolist() == [True, False]
    assert rules.score(modelled, {"model_p_alive": 0}).model_used.tolist() == [False, False]
    assert rules.score(f, {"complaint_breach": Decimal("0")}).signals == off.signals  # as the settings give them


@pytest.mark.parametrize("weights", [{"overdue": -0.1}, {"overdue": 1.5}, {"overdue": float("nan")},
                                     {"overdue": "0.5"}, {"overdue": True}, {"recency": 0.5}])
def test_bad_weights_are_refused(weights):
    with pytest.raises(ValueError):
        rules.score(figures(), weights)


def test_bad_figures_are_refused():
    with pytest.raises(ValueError):
        figures(2, purchases_recent=[1.0])  # another length
    with pytest.raises(ValueError):
        figures(spend_before=[-1.0])
    with pytest.raises(ValueError):
        figures(purchases_recent=[np.nan])  # only days, interval and p_alive may be unknown
    with pytest.raises(ValueError):
        figures(p_alive=[1.5])


def test_the_reasons_carry_the_figures_their_sentences_need():
    f = figures(days_since_last_purchase=[75.4], typical_interval_days=[29.6], purchases_recent=[1],
                purchases_before=[3], spend_recent=[120.5], spend_before=[400], interactions_before=[2],
                missed_visits=[2], p_alive=[0.25])
    found = {reason.code: reason.figures for reason in rules.score(f, {signal: 1 for signal in rules.SIGNALS}).reasons(0)}
    assert found == {"overdue": {"days": 75, "interval": 30}, "fewer_purchases": {"recent": 1, "before": 3},
                     "less_spend": {"recent": 120.5, "before": 400.0}, "fewer_interactions": {"recent": 0, "before": 2},
                     "missed_visits": {"count": 2}, "model_p_alive": {"p_alive": 0.25}}
    assert rules.score(f).reasons(0)[0].as_dict().keys() == {"code", "share", "figures"}


def test_the_reasons_as_json_text_are_the_reasons_of_each_customer():
    """The scoring writes every customer's reasons from one vectorised pass (Scores.reasons_json):
    the same codes, order, shares and figures as Scores.reasons, on figures of every kind."""
    rng = np.random.default_rng(16)
    n = 2_000
    days = np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 900, n).astype(float))
    counts = {name: rng.integers(0, 5, n) for name in ("purchases_recent", "purchases_before", "interactions_recent",
                                                         "interactions_before", "missed_visits")}
    given = Figures(days_since_last_purchase=days, typical_interval_days=np.where(np.isnan(days), np.nan, rng.random(n) * 200),
                    spend_recent=rng.random(n) * 1000, spend_before=rng.random(n) * 1000,
                    low_survey_scores=rng.integers(0, 2, n), breached_complaints=rng.integers(0, 2, n),
                    p_alive=np.where(rng.random(n) < 0.2, np.nan, rng.random(n)), **counts)
    for weights in (None, {"fewer_purchases": 0.5, "model_p_alive": 0.4, "overdue": 0}):
        scores = rules.score(given, weights)
        texts = scores.reasons_json()
        assert [json.loads(text) for text in texts] == [[r.as_dict() for r in scores.reasons(i)] for i in range(n)]
        assert texts.count("[]") < n and any(len(json.loads(text)) > 2 for text in texts)


def test_levels_by_threshold():
    assert rules.level(np.array([0, 39, 40, 69, 70, 100])).tolist() == ["low", "low", "medium", "medium", "high", "high"]
    assert rules.level(50, {"medium": 60, "high": 90}) == "low" and rules.level(95, {"high": 90}) == "high"
    for bad in ({"medium": 80, "high": 70}, {"medium": 0}, {"high": 101}, {"critical": 90}, {"medium": "40"}):
        with pytest.raises(ValueError):
            rules.level(50, bad)


@pytest.fixture(scope="module")
def babel_app():
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(CATALOGUE)
    Babel(app)
    return app


EXAMPLES = {"overdue": {"days": 75, "interval": 30}, "fewer_purchases": {"recent": 1, "before": 3},
            "less_spend": {"recent": 1200.5, "before": 4000}, "fewer_interactions": {"recent": 0, "before": 2},
            "low_survey": {"count": 1}, "complaint_breach": {"count": 2}, "missed_visits": {"count": 3},
            "model_p_alive": {"p_alive": 0.25}}


def test_every_reason_has_a_sentence_in_english_and_chinese(babel_app):
    assert set(EXAMPLES) == set(rules.SIGNALS)
    with babel_app.app_context():
        with force_locale("en"):
            english = {code: reasons.sentence(code, figures) for code, figures in EXAMPLES.items()}
            assert reasons.sentence("less_spend", EXAMPLES["less_spend"], "CNY") == \
                "Spent CN¥1,200.50 in the last 90 days, against CN¥4,000.00 in the 90 before"
        with force_locale("zh_Hans_CN"):
            chinese = {code: reasons.sentence(code, figures) for code, figures in EXAMPLES.items()}
    assert english["overdue"] == "No purchase for 75 days; usually every 30 days"
    assert english["low_survey"] == "A low survey score in the last 90 days"
    assert english["complaint_breach"] == "2 complaints missed their clock in the last 90 days"
    assert english["model_p_alive"].endswith("still buys at 25%")
    assert chinese["overdue"] == "已 75 天未购买；通常每 30 天购买一次"
    assert chinese["missed_visits"] == "近 90 天错过 3 次回访"
    assert all(not any(letter.isascii() and letter.isalpha() for letter in text) for text in chinese.values()), chinese


def test_the_scenario_s_customer_is_medium_until_169_days_of_silence():
    # SCENARIOS.md: orders every 30 days, none for 75; one order in the last 90 days against three
    # before (docs/churn-model.md gives these figures)
    def customer(days, recent):
        return figures(days_since_last_purchase=[days], purchases_recent=[recent], purchases_before=[3],
                       spend_recent=[100 * recent], spend_before=[300])

    at_75 = rules.score(customer(75, 1))
    assert at_75.score.tolist() == [42] and rules.level(at_75.score[0]) == "medium"
    assert [reason.code for reason in at_75.reasons(0)] == ["overdue", "less_spend"]
    assert rules.level(rules.score(customer(168, 0)).score[0]) == "medium"
    assert rules.level(rules.score(customer(169, 0)).score[0]) == "high"
