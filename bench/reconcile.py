"""Reconciliation benchmark: `score_pairs` then `cluster` over synthetic records with duplicates.

Run `python -m bench.reconcile [--size 100000] [--baseline 10000] [--seed 7] [--profile]
[--out FILE]`. For each size (the baseline first, for the ratio), synthetic records
(bench.synthetic_records: about 20 % duplicates of other records, with the dirt of real
sources) are reconciled as the registry does, `cluster(records, score_pairs(records))`, each
step timed apart. The groups are then checked against the ground truth, which the matcher never
reads: pairwise precision and recall (two records in one group, two records of one true place),
places found, recall by kind of dirt.

The goal, reconciling 100,000 records in 60 s or less, is reported as met or not: the machine is
shared and noisy, so a slow run does not fail. The run exits 1 only when precision or recall
falls below 0.5 at some size: a matcher that broken is wrong, not slow.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import resource
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rapidfuzz
import scipy

from bench import environment
from registry.matching import MATCH, UNSURE, Decision, cluster, score_pairs

from .synthetic_records import SyntheticRecords, generate

GOAL_SIZE = 100_000
GOAL_SECONDS = 60.0
MIN_QUALITY = 0.5  # below, the matcher is broken: the run fails
EXAMPLES = 6


@dataclass
class Quality:
    """How the predicted groups compare with the true places."""

    predicted_pairs: int = 0
    true_pairs: int = 0
    correct_pairs: int = 0
    predicted_places: int = 0
    true_places: int = 0
    exact_places: int = 0  # true places whose records form exactly one predicted group
    merged_groups: int = 0  # predicted groups holding records of several true places
    split_places: int = 0  # true places whose records fall in several groups
    candidate_true_pairs: int = 0  # true pairs blocking brings together
    matched_true_pairs: int = 0  # true pairs scored at or above MATCH, vetoes aside
    dirt_total: Counter[str] = field(default_factory=Counter)
    dirt_joined: Counter[str] = field(default_factory=Counter)
    colocated: int = 0
    colocated_merged: int = 0
    missed: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Share of the predicted same-place pairs that are true."""
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        """Share of the true same-place pairs that are predicted."""
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass
class SizeReport:
    """One size: its timings, its memory, its quality."""

    size: int
    duplicates: int
    generate_s: float
    score_s: float
    cluster_s: float
    candidate_pairs: int
    matches: int  # decisions at or above MATCH without a veto
    unsure: int  # decisions in [UNSURE, MATCH)
    vetoes: int
    rss_generated_mb: float
    rss_peak_mb: float
    quality: Quality
    note: str
    communes: int
    kinds: dict[str, int]
    profile: str = ""

    @property
    def total_s(self) -> float:
        """Reconciliation time: scoring and clustering."""
        return self.score_s + self.cluster_s


def max_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024


def log(message: str) -> None:
    """Progress, on standard error (the report goes to standard output)."""
    print(message, file=sys.stderr, flush=True)


def pairs(count: int) -> int:
    """Pairs among `count` records."""
    return count * (count - 1) // 2


def describe(data: SyntheticRecords, i: int) -> str:
    """One record, shortly, for the examples of the report."""
    r = data.records[i]
    street = f", {r.street}" if r.street else ""
    return f"«{r.name}»{street} ({r.commune_name}, {r.dataset})"


def assess(data: SyntheticRecords, groups: list[list[int]], decisions: list[Decision]) -> Quality:
    """The groups against the ground truth `data.place`."""
    quality = Quality()
    truth = data.place
    group_of = [0] * len(truth)
    for g, members in enumerate(groups):
        for i in members:
            group_of[i] = g
    together = Counter(zip(group_of, truth, strict=True))
    quality.predicted_pairs = sum(pairs(len(members)) for members in groups)
    by_place: dict[int, list[int]] = defaultdict(list)
    for i, p in enumerate(truth):
        by_place[p].append(i)
    quality.true_pairs = sum(pairs(len(members)) for members in by_place.values())
    quality.correct_pairs = sum(pairs(c) for c in together.values())
    quality.predicted_places = len(groups)
    quality.true_places = len(by_place)
    places_in_group: Counter[int] = Counter(g for g, _ in together)
    groups_of_place: Counter[int] = Counter(p for _, p in together)
    quality.merged_groups = sum(1 for c in places_in_group.values() if c > 1)
    quality.split_places = sum(1 for c in groups_of_place.values() if c > 1)
    quality.exact_places = sum(
        1
        for p, members in by_place.items()
        if groups_of_place[p] == 1 and places_in_group[group_of[members[0]]] == 1
    )
    # blocking and scoring of the true pairs
    scored: dict[tuple[int, int], Decision] = {}
    for d in decisions:
        if truth[d.a] == truth[d.b]:
            scored[(d.a, d.b)] = d
    quality.candidate_true_pairs = len(scored)
    quality.matched_true_pairs = sum(
        1 for d in scored.values() if d.evidence.score >= MATCH and not d.evidence.veto
    )
    # recall by kind of dirt: is each duplicate in the group of its place's original?
    original = {
        p: next(i for i in members if data.records[i].key.endswith("/orig"))
        for p, members in by_place.items()
    }
    for i, tags in enumerate(data.dirt):
        if not tags:
            continue
        o = original[truth[i]]
        joined = group_of[i] == group_of[o]
        for tag in ("all duplicates", *tags):
            quality.dirt_total[tag] += 1
            quality.dirt_joined[tag] += joined
        if not joined and len(quality.missed) < EXAMPLES:
            d = scored.get((min(i, o), max(i, o)))
            how = (
                "never compared (blocking)"
                if d is None
                else f"score {d.evidence.score:.2f}"
                + (f", veto: {d.evidence.veto}" if d.evidence.veto else "")
                + f" ({'; '.join(d.evidence.reasons)})"
            )
            quality.missed.append(
                f"{describe(data, o)} ≠ {describe(data, i)}; dirt: {', '.join(tags)}; {how}"
            )
    for i, tags in enumerate(data.traps):
        if "colocated" in tags:
            quality.colocated += 1
            quality.colocated_merged += places_in_group[group_of[i]] > 1
    for g, members in enumerate(groups):
        if places_in_group[g] > 1 and len(quality.merged) < EXAMPLES:
            shown = " + ".join(f"[{truth[i]}] {describe(data, i)}" for i in members[:4])
            quality.merged.append(shown + (" …" if len(members) > 4 else ""))
    return quality


def top_functions(profile: cProfile.Profile, count: int = 20) -> str:
    """The functions the profile spent most time in, by own time, as pstats prints them."""
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(count)
    lines = out.getvalue().splitlines()
    start = next((k for k, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(line.replace(str(Path.cwd()) + "/", "") for line in lines[start:] if line)


def run_size(size: int, seed: int, profile: bool) -> SizeReport:
    """Generate `size` records, reconcile them, assess the groups."""
    log(f"{size:,} records: generating")
    start = time.perf_counter()
    data = generate(size, seed)
    generate_s = time.perf_counter() - start
    log(f"{size:,} records: {data.note}")
    rss_generated = max_rss_mb()
    gc.collect()
    log(f"{size:,} records: scoring pairs")
    start = time.perf_counter()
    decisions = score_pairs(data.records)
    score_s = time.perf_counter() - start
    log(f"{size:,} records: {len(decisions):,} candidate pairs in {score_s:.1f} s; clustering")
    start = time.perf_counter()
    groups = cluster(data.records, decisions)
    cluster_s = time.perf_counter() - start
    rss_peak = max_rss_mb()
    log(f"{size:,} records: {len(groups):,} groups in {cluster_s:.1f} s; assessing")
    quality = assess(data, groups, decisions)
    report = SizeReport(
        size=size,
        duplicates=sum(1 for tags in data.dirt if tags),
        generate_s=generate_s,
        score_s=score_s,
        cluster_s=cluster_s,
        candidate_pairs=len(decisions),
        matches=sum(1 for d in decisions if d.evidence.score >= MATCH and not d.evidence.veto),
        unsure=sum(1 for d in decisions if UNSURE <= d.evidence.score < MATCH),
        vetoes=sum(1 for d in decisions if d.evidence.veto),
        rss_generated_mb=rss_generated,
        rss_peak_mb=rss_peak,
        quality=quality,
        note=data.note,
        communes=data.communes,
        kinds=data.kinds,
    )
    if profile:
        log(f"{size:,} records: profiling (untimed)")
        del decisions, groups
        gc.collect()
        profiler = cProfile.Profile()
        profiler.enable()
        cluster(data.records, score_pairs(data.records))
        profiler.disable()
        report.profile = top_functions(profiler)
    return report


def percent(part: int, whole: int) -> str:
    """`part` of `whole` as a percentage."""
    return f"{100 * part / whole:.1f} %" if whole else "–"


def render(reports: list[SizeReport], seed: int) -> str:
    """The Markdown report."""
    first = reports[0]
    lines = [
        "# Reconciliation benchmark",
        "",
        f"`cluster(records, score_pairs(records))` of registry/matching.py over synthetic"
        f" records (bench/synthetic_records.py, seed {seed}), about 20 % of them duplicates of"
        " other records as another source lists them. Times are wall-clock"
        " (`time.perf_counter`), one run each.",
        "",
        *environment(
            "registry/matching.py",
            {
                "numpy": np.__version__,
                "scipy": scipy.__version__,
                "rapidfuzz": rapidfuzz.__version__,
            },
        ),
        f"- {first.note}",
        "",
        "## Times and memory",
        "",
        "| records | duplicates | generate s | score_pairs s | cluster s | total s"
        " | candidate pairs | pairs / record | matches | unsure | vetoes | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in reports:
        lines.append(
            f"| {r.size:,} | {r.duplicates:,} | {r.generate_s:.1f} | {r.score_s:.2f}"
            f" | {r.cluster_s:.2f} | **{r.total_s:.2f}** | {r.candidate_pairs:,}"
            f" | {r.candidate_pairs / r.size:.1f} | {r.matches:,} | {r.unsure:,} | {r.vetoes:,}"
            f" | {r.rss_peak_mb:.0f} |"
        )
    lines += [
        "",
        "Peak RSS (`ru_maxrss`) is that of the process so far, generation included (after"
        " generation: "
        + ", ".join(f"{r.rss_generated_mb:.0f} MB at {r.size:,}" for r in reports)
        + ").",
        "",
        "## Quality against the ground truth",
        "",
        "| records | precision | recall | F1 | predicted pairs | true pairs | correct pairs"
        " | places found | true places | exact places | merged groups | split places |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in reports:
        q = r.quality
        lines.append(
            f"| {r.size:,} | **{q.precision:.4f}** | **{q.recall:.4f}** | {q.f1:.4f}"
            f" | {q.predicted_pairs:,} | {q.true_pairs:,} | {q.correct_pairs:,}"
            f" | {q.predicted_places:,} | {q.true_places:,} | {q.exact_places:,}"
            f" | {q.merged_groups:,} | {q.split_places:,} |"
        )
    lines += [
        "",
        "Pairwise: a predicted pair is two records in one group, a true pair two records of one"
        " true place. Exact places: true places whose records make exactly one group. Of the true"
        " pairs, blocking brought together "
        + ", ".join(
            f"{percent(r.quality.candidate_true_pairs, r.quality.true_pairs)} at {r.size:,}"
            for r in reports
        )
        + "; the score reached MATCH for "
        + ", ".join(
            f"{percent(r.quality.matched_true_pairs, r.quality.true_pairs)} at {r.size:,}"
            for r in reports
        )
        + " (the clustering then joins fewer: sources listed twice in one group are refused).",
        "",
    ]
    last = reports[-1]
    q = last.quality
    lines += [
        f"### Recall by kind of dirt ({last.size:,} records)",
        "",
        "Share of the duplicates carrying each kind of dirt (a duplicate carries several) that"
        " ended in the group of their place's original record.",
        "",
        "| dirt | duplicates | joined | recall |",
        "|---|---:|---:|---:|",
    ]
    for tag, total in sorted(q.dirt_total.items(), key=lambda item: -item[1]):
        joined = q.dirt_joined[tag]
        lines.append(f"| {tag} | {total:,} | {joined:,} | {percent(joined, total)} |")
    lines += [
        "",
        f"Two places in one building (colocated, a trap for precision): {q.colocated:,} records,"
        f" {q.colocated_merged:,} of them merged with another place.",
        "",
        "Missed duplicates, first examples:",
        "",
        *(f"- {example}" for example in q.missed),
        "",
        "Groups merging several places, first examples ([true place] record):",
        "",
        *(f"- {example}" for example in q.merged),
        "",
    ]
    lines += ["## Goal", ""]
    goal = next((r for r in reports if r.size == GOAL_SIZE), None)
    if goal is None:
        lines.append(f"Not checked: no run at {GOAL_SIZE:,} records.")
    else:
        met = goal.total_s <= GOAL_SECONDS
        lines.append(
            f"Reconciliation of {GOAL_SIZE:,} records with 20 % duplicates in ≤ {GOAL_SECONDS:.0f}"
            f" s: {goal.total_s:.1f} s (score_pairs {goal.score_s:.1f} s, cluster"
            f" {goal.cluster_s:.1f} s): **budget {'met' if met else 'NOT met'}**; precision"
            f" {goal.quality.precision:.4f}, recall {goal.quality.recall:.4f}."
        )
    if len(reports) > 1:
        small, large = reports[0], reports[-1]
        growth = large.size / small.size

        def times(attribute: str) -> str:
            return f"×{getattr(large, attribute) / getattr(small, attribute):.1f}"

        lines += [
            "",
            f"Growth from {small.size:,} to {large.size:,} records (×{growth:g}): total time"
            f" {times('total_s')}, score_pairs {times('score_s')}, cluster {times('cluster_s')},"
            f" candidate pairs {times('candidate_pairs')} (linear would be ×{growth:g}). The"
            f" synthetic places are ×{growth:g} denser too (more records per commune and per"
            " km²), so growth beyond linear is partly the data's, not the algorithm's.",
        ]
    for r in reports:
        if r.profile:
            lines += [
                "",
                f"## Profile at {r.size:,} records (cProfile, by own time; untimed run)",
                "",
                "```",
                r.profile,
                "```",
            ]
    lines += [
        "",
        "Synthetic mix: "
        + ", ".join(f"{kind} {count:,}" for kind, count in last.kinds.items())
        + f" distinct places in {last.communes:,} communes, before duplicates.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 1 when precision or recall falls below 0.5 at some size."""
    parser = argparse.ArgumentParser(prog="python -m bench.reconcile", description=__doc__)
    parser.add_argument("--size", type=int, default=GOAL_SIZE, help="records (100,000)")
    parser.add_argument(
        "--baseline", type=int, default=10_000, help="smaller size run first, 0 for none"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="add a cProfile run of the size")
    parser.add_argument("--out", type=Path, default=Path("var/bench/reconcile.md"))
    args = parser.parse_args(argv)

    sizes = [args.size] if not 0 < args.baseline < args.size else [args.baseline, args.size]
    reports = [run_size(n, args.seed, args.profile and n == args.size) for n in sizes]
    text = render(reports, args.seed)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    log(f"written to {args.out}")
    broken = [
        r for r in reports if r.quality.precision < MIN_QUALITY or r.quality.recall < MIN_QUALITY
    ]
    for r in broken:
        log(
            f"{r.size:,} records: precision {r.quality.precision:.3f}, recall"
            f" {r.quality.recall:.3f}, below {MIN_QUALITY}: the matcher is broken"
        )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
