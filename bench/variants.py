"""The benchmark's speed-trick variants: which tricks a run measures, and how it reports them.

``python -m bench --variants all`` serves the product once more per trick,
that trick switched off (``EDITORIAL_SPEED_TRICKS_OFF``), and times the
admin in one process with and without each (bench/runner.py does the
serving and the loading). This module holds what decides and reports it:
the tricks' names, which database each concerns, the comparison with the
full product round by round, and the report's lines.
"""

from __future__ import annotations

import statistics

# The speed tricks EDITORIAL_SPEED_TRICKS_OFF switches off, one name each.
TRICKS = ("url_memo", "csp_cache", "prepared_cursor", "input_renderer")
# Tricks of the back office alone: timed in one process, not loaded.
ADMIN_ONLY = frozenset({"input_renderer"})
# Tricks of one database's backend: on the other, the variant is the full product.
ONE_DATABASE = {"prepared_cursor": "postgresql"}
# The pages loaded again without each trick: the one with the strictest
# target, a list asking the live-set generation, and a page asking two hot
# queries.
VARIANT_PAGES = "article,home,topic"


def tricks_asked(text: str) -> list[str]:
    """The tricks ``--variants`` names (comma-separated, or "all").

    ValueError for a name that is not one of ``TRICKS``.
    """
    names = [name.strip() for name in text.split(",") if name.strip()]
    if names == ["all"]:
        return list(TRICKS)
    unknown = sorted(set(names) - set(TRICKS))
    if unknown:
        raise ValueError(
            f"unknown speed trick {', '.join(unknown)}: choose from {', '.join(TRICKS)}"
        )
    return names


def pages_asked(text: str) -> list[str] | None:
    """The targets ``--variant-pages`` names; None for "all"."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    return None if names == ["all"] else names


def variants_for(vendor: str, tricks: list[str]) -> list[str]:
    """The tricks this database can run without, in the order asked."""
    return [name for name in tricks if ONE_DATABASE.get(name, vendor) == vendor]


def without(trick: str | None) -> str:
    """A variant's name in the results: the full product, or the product without one trick."""
    return "full" if trick is None else f"without {trick}"


def summarise_admin(runs: dict[str, list[dict]]) -> dict:
    """Median times of the admin's pages per variant, from runs made round by round.

    ``runs`` maps each variant's name (``without``) to its runs in round
    order, an empty dict for a run that failed; ``vs_full`` pairs each run
    with the full product's run of the same round: the time without the
    trick over the time with it.
    """
    summary: dict = {}
    for name, measured in runs.items():
        entry: dict = {}
        for page in ("changelist", "change_page"):
            times = [run[page]["median_ms"] for run in measured if page in run]
            if not times:
                continue
            entry[f"{page}_ms"] = round(statistics.median(times), 2)
            entry[f"{page}_runs_ms"] = times
            if name != "full":
                paired = [
                    run[page]["median_ms"] / full[page]["median_ms"]
                    for run, full in zip(measured, runs["full"], strict=True)
                    if page in run and page in full and full[page]["median_ms"]
                ]
                if paired:
                    entry[f"{page}_vs_full"] = round(statistics.median(paired), 3)
        summary[name] = entry
    return summary


def compare_variants(load: dict, loaded: list[dict]) -> dict:
    """Each trick's pages beside the full product's, round by round.

    ``vs_full`` is the page's requests per second without the trick over the
    full product's in the same round (below 1: the trick helps); the full
    product's own spread of ratios over the rounds says how much of that is
    noise.
    """
    summary = load["summary"]
    compared: dict = {}
    for target in loaded:
        name, page = target["name"], target["page"]
        if name not in summary or page not in summary:
            continue
        paired = [
            measured[name]["rps"] / measured[page]["rps"]
            for measured in load["rounds"]
            if name in measured and page in measured and measured[page]["rps"]
        ]
        full_ratios = summary[page].get("ratios", [])
        compared.setdefault(target["trick"], {})[page] = {
            "ratio_median": summary[name].get("ratio_median"),
            "full_ratio_median": summary[page].get("ratio_median"),
            "full_ratio_spread": (
                round((max(full_ratios) - min(full_ratios)) / statistics.median(full_ratios), 3)
                if len(full_ratios) > 1 and statistics.median(full_ratios)
                else None
            ),
            "vs_full": [round(value, 3) for value in paired],
            "vs_full_median": round(statistics.median(paired), 3) if paired else None,
        }
    return compared


def variants_table(variants: dict) -> list[str]:
    """Each trick's figures beside the full product's: keep it, or delete it.

    "vs full" is the figure without the trick over the full product's in the
    same round (the median over the rounds): below 1 the trick pays for the
    pages' speed, above 1 for the admin's time. "spread" is how far the full
    product's own ratio moved between rounds: a gap smaller than it is noise.
    """
    lines = [
        "  without each speed trick: x floor, and vs the full product in the same round",
        f"  {'trick':<16} {'page':<14} {'x floor':>8} {'full':>8} {'vs full':>8} {'spread':>8}",
    ]
    for trick, pages in variants.get("load", {}).items():
        for page, c in pages.items():
            spread = c["full_ratio_spread"]
            lines.append(
                f"  {trick:<16} {page:<14} {c['ratio_median'] or 0:>8.2f} "
                f"{c['full_ratio_median'] or 0:>8.2f} {c['vs_full_median'] or 0:>8.3f} "
                f"{'' if spread is None else f'{spread:.1%}':>8}"
            )
    admin = variants.get("admin", {})
    full = admin.get("full", {})
    rows = []
    for trick in variants.get("tricks", []):
        c = admin.get(without(trick), {})
        for page, label in (("change_page", "change page"), ("changelist", "article list")):
            if f"{page}_ms" in c and f"{page}_ms" in full:
                rows.append(
                    f"  {trick:<16} {label:<14} {c[f'{page}_ms']:>8.1f} {full[f'{page}_ms']:>8.1f}"
                    f" {c.get(f'{page}_vs_full', 0):>8.3f}"
                )
        if "error" in c:
            rows.append(f"  {trick:<16} admin: {c['error'].splitlines()[0]}")
    if rows:
        lines.append(f"  {'(admin, one process)':<31} {'ms':>8} {'full ms':>8} {'vs full':>8}")
        lines.extend(rows)
    for trick, pages in variants.get("problems", {}).items():
        for page, problem in pages.items():
            lines.append(f"  {trick:<16} {page:<14} not loaded: {problem}")
    return lines
