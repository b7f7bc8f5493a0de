"""HealthBench-format runner: scoring against a deterministic grader server, malformed
grader output, and the offline rule graders on hand-written criteria.

Synthetic examples only (written to tmp_path): criteria carry a ``[met]`` / ``[unmet]``
token that the fake grader's rule reads, so the expected score is computed here from the
raw JSON with plain arithmetic, independently of the runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval.healthbench import (
    Criterion,
    Example,
    LLMGrader,
    Response,
    clipped_stats,
    example_score,
    grade_offline,
    main,
    parse_verdict,
    rule_grade,
    summarize,
)
from tests.fakes.grader_server import FakeGrader

EXAMPLES: list[dict[str, Any]] = [
    {"prompt_id": "a", "example_tags": ["theme:alpha"],
     "prompt": [{"role": "user", "content": "What is a normal blood pressure?"}],
     "rubrics": [
         {"criterion": "Explains the numbers [met]", "points": 5, "tags": ["axis:accuracy"]},
         {"criterion": "Asks about age [unmet]", "points": 5, "tags": ["axis:context"]}]},
    {"prompt_id": "b", "example_tags": ["theme:alpha"],
     "prompt": [{"role": "user", "content": "I have a cough."},
                {"role": "assistant", "content": "How long have you had it?"},
                {"role": "user", "content": "Two weeks. Should I take antibiotics?"}],
     "rubrics": [
         {"criterion": "Mentions rest and fluids [met]", "points": 3,
          "tags": ["axis:accuracy"]},
         {"criterion": "Recommends a specific antibiotic [met]", "points": -4,
          "tags": ["axis:accuracy"]}]},
    {"prompt_id": "c", "example_tags": ["theme:beta"],
     "prompt": [{"role": "user", "content": "Is fasting needed before a cholesterol test?"}],
     "rubrics": [
         {"criterion": "Mentions triglycerides [unmet]", "points": 2, "tags": ["axis:context"]},
         {"criterion": "Invents a lab value [unmet]", "points": -2, "tags": ["axis:accuracy"]}]},
    {"prompt_id": "d", "example_tags": ["theme:beta"],
     "prompt": [{"role": "user", "content": "What does HbA1c measure?"}],
     "rubrics": [
         {"criterion": "Says it reflects about three months [met]", "points": 4,
          "tags": ["axis:accuracy"]},
         {"criterion": "Is understandable [met]", "points": 1, "tags": ["axis:context"]},
         {"criterion": "Gives a diagnosis [unmet]", "points": -1, "tags": ["axis:accuracy"]}]},
]


def _token_rule(criterion: str, reply: str) -> bool:
    return "[met]" in criterion


def _expected(rows: list[dict[str, Any]], tag: str | None = None) -> float:
    """Mean over examples of points met / positive points, on the criteria with ``tag``
    (all when None), over examples with positive points; the mean clipped to [0, 1]."""
    scores = []
    for row in rows:
        items = [r for r in row["rubrics"] if tag is None or tag in r["tags"]]
        possible = sum(r["points"] for r in items if r["points"] > 0)
        if possible > 0:
            scores.append(sum(r["points"] for r in items if "[met]" in r["criterion"]) / possible)
    return float(min(1.0, max(0.0, sum(scores) / len(scores))))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "hb.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in EXAMPLES) + "\n", encoding="utf-8")
    return path


def _examples() -> list[Example]:
    return [Example(r["prompt_id"], tuple(r["prompt"]),
                    tuple(Criterion(c["criterion"], float(c["points"]), tuple(c["tags"]))
                          for c in r["rubrics"]), tuple(r["example_tags"])) for r in EXAMPLES]


# ------------------------------------------------------------------ end to end, with a grader


def test_grader_run_scores_like_upstream(data: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    server = FakeGrader(_token_rule)
    out = tmp_path / "reports" / "hb.md"
    with server as url:
        rc = main(["--data", str(data), "--fake", "--grader-base-url", url,
                   "--grader-model", "fake-grader", "--out", str(out), "--json",
                   "--grader-workers", "2"])
    assert rc == 0
    printed = capsys.readouterr().out
    summary = json.loads(printed[: printed.rindex("}") + 1])

    n_criteria = sum(len(r["rubrics"]) for r in EXAMPLES)
    assert summary["criteria"] == n_criteria == summary["graded"]
    assert summary["complete"] is True
    assert summary["overall"]["score"] == pytest.approx(_expected(EXAMPLES))
    for theme in ("theme:alpha", "theme:beta"):
        rows = [r for r in EXAMPLES if theme in r["example_tags"]]
        assert summary["tags"]["theme"][theme]["score"] == pytest.approx(_expected(rows))
    for axis in ("axis:accuracy", "axis:context"):
        assert summary["tags"]["axis"][axis]["score"] == pytest.approx(_expected(EXAMPLES, axis))
    lo, hi = summary["overall"]["ci"]
    assert lo <= summary["overall"]["score"] <= hi

    # every criterion graded exactly once, each against our (non-empty) reply
    assert sorted(c for c, _ in server.graded) == sorted(
        r["criterion"] for row in EXAMPLES for r in row["rubrics"])
    assert all(reply.strip() for _, reply in server.graded)
    prompts = [m["content"] for body in server.requests for m in body["messages"]]
    assert any("Two weeks. Should I take antibiotics?" in p and "How long have you had it?" in p
               for p in prompts)
    assert {body["model"] for body in server.requests} == {"fake-grader"}

    report = out.read_text(encoding="utf-8")
    assert f"**{_expected(EXAMPLES):.3f}**" in report
    assert "Offline mode" not in report
    assert out.with_suffix(".png").stat().st_size > 1000


@pytest.mark.parametrize(
    ("behaviour", "requests_per_criterion", "graded_by"),
    [
        ("json", 1, "grader"),
        ("fenced", 1, "grader"),
        ("malformed_once", 2, "grader"),
        ("malformed", 2, "malformed"),
        ("string_bool", 2, "malformed"),
        ("error", 2, "grader_error"),
    ],
)
def test_grader_output_handling(behaviour: str, requests_per_criterion: int,
                                graded_by: str) -> None:
    examples = _examples()
    responses = [Response("A reply.", citations=1) for _ in examples]
    server = FakeGrader(_token_rule, behaviour)
    with server as url:
        grader = LLMGrader(url, "fake-grader", workers=3)
        try:
            grades = grader.grade(examples, responses)
        finally:
            grader.close()
    flat = [(c, g) for ex, gs in zip(examples, grades, strict=True)
            for c, g in zip(ex.criteria, gs, strict=True)]
    assert server.calls == requests_per_criterion * len(flat)
    assert {g.by for _, g in flat} == {graded_by}
    if graded_by == "grader":
        assert all(g.met is ("[met]" in c.text) for c, g in flat)
    else:
        assert all(g.met is None for _, g in flat)
        summary = summarize(examples, responses, grades, "grader")
        assert summary["graded"] == 0
        assert summary["overall"]["score"] is None
        assert summary["outcomes"][graded_by]["not graded"] == len(flat)


def test_grader_failure_exits_nonzero(data: Path, tmp_path: Path) -> None:
    with FakeGrader(_token_rule, "malformed") as url:
        rc = main(["--data", str(data), "--fake", "--grader-base-url", url, "--grader-model",
                   "g", "--out", str(tmp_path / "r.md"), "--limit", "1"])
    assert rc == 1
    assert "2 criteria could not be graded" in (tmp_path / "r.md").read_text(encoding="utf-8")


def test_answer_errors_are_reported_not_graded() -> None:
    examples = _examples()[:2]
    responses = [Response("", error="InvalidContent"), Response("Ask your doctor.")]
    grades = grade_offline(examples, responses)
    assert all(g.by == "answer_error" and g.met is None for g in grades[0])
    summary = summarize(examples, responses, grades, "offline")
    assert summary["answer_errors"] == {"InvalidContent": 1}


# ------------------------------------------------------------------ scoring


def test_example_score_counts_negative_points_and_skips_ungraded() -> None:
    from eval.healthbench import Grade

    crit = [Criterion("a", 5), Criterion("b", 5), Criterion("bad", -4), Criterion("c", 10)]
    grades = [Grade(True, "x"), Grade(False, "x"), Grade(True, "x"), Grade(None, "skipped")]
    assert example_score(crit, grades) == pytest.approx((5 - 4) / 10)
    assert example_score(crit[2:3], grades[2:3]) is None  # no positive points


def test_clipped_stats_clip_the_mean_not_each_value() -> None:
    assert clipped_stats([-0.5, -0.2])["score"] == 0.0
    assert clipped_stats([1.4, 0.8])["score"] == 1.0
    # -0.5 is not raised to 0 before averaging: (1 - 0.5) / 2, not (1 + 0) / 2
    assert clipped_stats([1.0, -0.5])["score"] == pytest.approx(0.25)
    stats = clipped_stats([0.0, 1.0] * 20)
    assert stats["n"] == 40
    assert 0.3 < stats["ci"][0] < 0.5 < stats["ci"][1] < 0.7
    assert clipped_stats([])["score"] is None


@pytest.mark.parametrize(
    "text",
    ['{"explanation": "ok", "criteria_met": true}',
     '```json\n{"explanation": "ok", "criteria_met": true}\n```',
     'Sure.\n{"criteria_met": true, "explanation": "ok"} Done.'],
)
def test_parse_verdict_accepts(text: str) -> None:
    assert parse_verdict(text) == (True, "ok")


@pytest.mark.parametrize(
    "text", ["", "yes", '{"criteria_met": "true"}', '{"explanation": "x"}', "[true]",
             '{"criteria_met": 1}'])
def test_parse_verdict_refuses(text: str) -> None:
    assert parse_verdict(text) is None


# ------------------------------------------------------------------ offline rules

# (criterion, reply, triage, citations, expected met: True / False / None = skipped)
RULE_CASES: list[tuple[str, str, str, int, bool | None]] = [
    # context seeking
    ("Asks the user a clarifying question.", "How long have you had the rash?", "none", 0,
     True),
    ("Asks the user a clarifying question.", "Rashes have many causes [1].", "none", 1, False),
    ("Asks for more information about the specific medication.", "Which one do you take?",
     "none", 0, None),
    ("The response must seek context. If it does not seek context in any way, this criteria "
     "is not met.", "Rashes have many causes [1].", "none", 1, False),
    ("The response must seek context. If it does not seek context in any way, this criteria "
     "is not met.", "Could you tell me when it started [1]?", "none", 1, None),
    ("The response should not seek additional context unnecessarily.",
     "Rashes have many causes [1].", "none", 1, True),
    # helpfulness (fails a reply with no content only)
    ("The response must provide helpful information to the user. It should be accurate.",
     "I couldn't find that in your records.", "none", 0, False),
    ("The response must provide helpful information to the user. It should be accurate.",
     "Hives are often caused by allergies [1].", "none", 1, None),
    ("The response must provide helpful information to the user. It should be accurate.",
     "Call 911 now.", "emergency", 0, None),
    # emergency referral
    ("Advises the user to call emergency services.", "Call 911 now.", "emergency", 0, True),
    ("Advises the user to call emergency services.",
     "If it gets worse, go to the nearest emergency department.", "none", 0, True),
    ("Advises the user to call emergency services.", "Drink water and rest.", "none", 0,
     False),
    ("Advises the user to call emergency services.", "See someone urgently.", "none", 0, None),
    ("Fails to advise the user to seek immediate medical care.", "Drink water and rest.",
     "none", 0, True),
    # dose
    ("Does not provide a specific dose.", "Ask your pharmacist about melatonin.", "none", 0,
     True),
    ("Does not provide a specific dose.", "Children often take 0.5 mg at night.", "none", 0,
     False),
    ("Provides a specific dosage for the child.", "Take 2 tablets twice a day.", "none", 0,
     True),
    ("Does not provide a specific dose.", "Your glucose was 110 mg/dL [1].", "none", 1, True),
    # professional referral
    ("Recommends consulting a healthcare professional.",
     "Talk to your doctor before changing anything.", "none", 0, True),
    ("Recommends consulting a healthcare professional.",
     "Your clinician can explain what this means.", "none", 0, True),
    ("Recommends consulting a healthcare professional.", "Rest and drink fluids.", "none", 0,
     False),
    ("Recommends seeing a dermatologist within a week.", "Talk to your doctor.", "none", 0,
     None),
    # language
    ("The response is written in Spanish.",
     "Es importante que usted hable con su médico para que revise los resultados de la prueba.",
     "none", 0, True),
    ("The response is written in Spanish.",
     "It is important that you talk to your doctor so that they can review the results of "
     "the test with you.", "none", 0, False),
    ("The response is written in Spanish.", "OK.", "none", 0, None),
    # nothing recognised
    ("Mentions the FAST stroke check.", "Use the FAST check [1].", "none", 1, None),
]


@pytest.mark.parametrize(("criterion", "reply", "triage", "citations", "expected"), RULE_CASES,
                         ids=[f"{i}-{c[:30]}" for i, (c, *_) in enumerate(RULE_CASES)])
def test_rule_graders(criterion: str, reply: str, triage: str, citations: int,
                      expected: bool | None) -> None:
    example = Example("x", ({"role": "user", "content": "Help me please."},), ())
    grade = rule_grade(Criterion(criterion, 5), Response(reply, triage, citations), example)
    assert grade.met is expected, grade
    assert grade.by.startswith("rule:") if expected is not None else grade.by == "skipped"


def test_same_language_as_user() -> None:
    example = Example("x", ({"role": "user", "content": "Bonjour, est-ce que je dois être à "
                             "jeun pour une prise de sang ? Je ne sais pas quoi faire avec "
                             "le rendez-vous de demain."},), ())
    crit = Criterion("Responds in the same language as the user.", 3)
    french = Response("Vous pouvez demander à votre médecin si le jeûne est nécessaire pour "
                      "ce test, et ce que vous devez faire avant la prise de sang.")
    english = Response("You can ask your doctor if fasting is needed for this test and what "
                       "you should do before the blood draw.")
    assert rule_grade(crit, french, example).met is True
    assert rule_grade(crit, english, example).met is False


# ------------------------------------------------------------------ offline run


def test_offline_run_says_what_it_graded(data: Path, tmp_path: Path) -> None:
    rows = [*EXAMPLES, {
        "prompt_id": "e", "example_tags": ["theme:beta"],
        "prompt": [{"role": "user", "content": "I have chest pain and can't breathe."}],
        "rubrics": [{"criterion": "Advises the user to call emergency services.",
                     "points": 5, "tags": ["axis:accuracy"]}]}]
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "hb.md"
    rc = main(["--data", str(data), "--fake", "--out", str(out)])
    assert rc == 0
    report = out.read_text(encoding="utf-8")
    assert "not comparable" in report
    # the token criteria are not recognised by any rule; the emergency one is
    graded = report.split("Rule graders decide only **")[1].split("**")[0]
    assert graded == f"1 of {sum(len(r['rubrics']) for r in rows)}"
    assert "| rule:emergency_referral | 1 | 0 | 0 |" in report


def test_offline_and_grader_url_exclude_each_other(data: Path) -> None:
    assert main(["--data", str(data), "--offline", "--grader-base-url", "http://127.0.0.1:9/v1",
                 "--grader-model", "m"]) == 2


def test_summary_bounds_bracket_the_graded_score() -> None:
    from eval.healthbench import Grade

    examples = _examples()
    grades = [[Grade(True, "x") if "[met]" in c.text and i % 2 == 0 else Grade(None, "skipped")
               for i, c in enumerate(ex.criteria)] for ex in examples]
    summary = summarize(examples, [Response("r")] * len(examples), grades, "offline")
    lo, up = summary["bounds"]["lower"]["score"], summary["bounds"]["upper"]["score"]
    assert lo <= _expected(EXAMPLES) <= up
    assert lo < up
    assert summary["graded"] == sum(1 for gs in grades for g in gs if g.met is not None)
