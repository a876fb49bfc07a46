"""How the sandbox invents a realistic Ribbon result from a flow's questions and the answers:
a timestamped transcript, the per-question mapping, scores out of 5 (some null), a summary.
Pure and deterministic for one interview id, so tests can reason about it."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.providers.ribbon.translate import CORE_SCORES, LANGUAGE_SCORES

CANNED_ANSWERS = (
    "In my last role I owned a payments service end to end. We cut incident volume by half "
    "after I introduced better alerting and clear runbooks, and I mentored two juniors.",
    "I like problems where the data is messy and the users are real. I start by measuring, "
    "then change one thing at a time and keep the team informed.",
    "A project slipped because we underestimated a migration. I split it into smaller steps, "
    "agreed new dates with the stakeholders, and we shipped the first part two weeks later.",
    "I'm excited about this team because the product matters and I want to grow into a lead "
    "role while staying hands on.",
)
SECONDS_PER_WORD = 0.38
PAUSE_SECONDS = 1.2
TOO_SHORT_WORDS = 8  # answers shorter than this give the model too little to score skills


@dataclass(frozen=True)
class CompletionOptions:
    """How one interview finishes; unset values come from the knobs."""

    answers: Sequence[str] = ()
    video: bool | None = None
    scores: Mapping[str, float | None] = field(default_factory=dict)
    null_scores: Sequence[str] = ()
    no_summary: bool = False
    language_assessment: bool = False


def build_interview_data(
    interview_id: str,
    questions: Sequence[str],
    options: CompletionOptions,
    candidate: Mapping[str, str | None],
    audio_url: str,
) -> dict[str, Any]:
    """Ribbon's `interview_data` for a finished interview (video_url is added when ready)."""
    rng = random.Random(interview_id)
    answers = [
        (
            options.answers[i]
            if i < len(options.answers)
            else CANNED_ANSWERS[i % len(CANNED_ANSWERS)]
        )
        for i in range(len(questions))
    ]
    name = candidate.get("interviewee_first_name") or "there"
    items: list[dict[str, Any]] = []
    clock = 0.0
    greeting = (
        f"Hi {name}, thanks for joining. I'll ask {len(questions)} questions; take your time."
    )
    clock = _say(items, "agent", greeting, clock)
    mapping = []
    for question, answer in zip(questions, answers, strict=True):
        first = len(items)
        start = clock
        clock = _say(items, "agent", question, clock)
        clock = _say(items, "user", answer.strip() or "(no answer)", clock)
        mapping.append(
            {
                "script_question": question,
                "transcript_item_indices": [first, first + 1],
                "start_timestamp": round(start, 2),
                "end_timestamp": round(clock, 2),
                "transcript_items": [
                    {"content": item["content"], "role": item["role"]} for item in items[first:]
                ],
            }
        )
    _say(items, "agent", "That's all from me. Thank you, and good luck!", clock)
    scores = _scores(rng, answers, options)
    return {
        "transcript": "\n".join(
            f"{'Interviewer' if i['role'] == 'agent' else 'Candidate'}: {i['content']}"
            for i in items
        ),
        "transcript_with_timestamp": items,
        "questions_to_transcript_mapping": mapping,
        "audio_url": audio_url,
        "video_url": None,
        "summary": None if options.no_summary else _summary(name, answers, scores),
        "scores": scores,
        "interviewee_email_address": candidate.get("interviewee_email_address"),
        "interviewee_first_name": candidate.get("interviewee_first_name"),
        "interviewee_last_name": candidate.get("interviewee_last_name"),
    }


def _say(items: list[dict[str, Any]], role: str, text: str, clock: float) -> float:
    words = []
    for word in text.split():
        words.append(
            {"start": round(clock, 2), "end": round(clock + SECONDS_PER_WORD, 2), "word": word}
        )
        clock += SECONDS_PER_WORD
    items.append({"content": text, "role": role, "words": words})
    return clock + PAUSE_SECONDS


def _scores(
    rng: random.Random, answers: Sequence[str], options: CompletionOptions
) -> dict[str, float | None]:
    words = [len(a.split()) for a in answers]
    depth = min(sum(words) / max(len(words), 1) / 25, 1.0)  # 25+ words per answer is thorough
    scores: dict[str, float | None] = {}
    for key in CORE_SCORES:
        scores[key] = float(min(5, max(1, round(2 + 2.5 * depth + rng.uniform(-0.6, 0.8)))))
    if words and min(words) < TOO_SHORT_WORDS:
        scores["skills"] = None  # realistic gap: too little said to judge skills
    for key in LANGUAGE_SCORES:
        scores[key] = round(rng.uniform(3.0, 5.0), 1) if options.language_assessment else None
    for key in options.null_scores:
        scores[key] = None
    scores.update(options.scores)
    return {
        k: (int(v) if isinstance(v, float) and v.is_integer() else v) for k, v in scores.items()
    }


def _summary(name: str, answers: Sequence[str], scores: Mapping[str, float | None]) -> str:
    answered = sum(1 for a in answers if len(a.split()) >= TOO_SHORT_WORDS)
    known = [v for k, v in scores.items() if k in CORE_SCORES and v is not None]
    tone = "strong" if known and sum(known) / len(known) >= 4 else "mixed"
    who = name if name != "there" else "The candidate"
    return (
        f"{who} answered {answered} of {len(answers)} questions in depth. Overall a {tone} "
        "interview: clear examples, with room to go deeper on trade-offs."
    )
