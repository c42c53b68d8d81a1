"""The benchmark's --variants: which tricks a run measures, and how their figures are reported.

The end-to-end run is too slow for the suite (a server per trick); these
pieces are what decides and reports it, without a server.
"""

from __future__ import annotations

import pytest

from bench.runner import parse
from bench.variants import (
    TRICKS,
    compare_variants,
    summarise_admin,
    variants_for,
    variants_table,
)


def test_all_names_every_trick_and_the_pages_default_to_three():
    args = parse(["--variants", "all"])

    assert args.variants == list(TRICKS)
    assert args.variant_pages == ["article", "home", "topic"]
    assert parse([]).variants == []
    assert parse(["--variant-pages", "all"]).variant_pages is None


def test_an_unknown_trick_is_refused(capsys):
    with pytest.raises(SystemExit):
        parse(["--variants", "url_memo,warp_drive"])

    assert "warp_drive" in capsys.readouterr().err


def test_the_prepared_cursor_is_measured_on_postgresql_only():
    asked = parse(["--variants", "all"]).variants

    assert "prepared_cursor" not in variants_for("sqlite", asked)
    assert variants_for("postgresql", asked) == list(TRICKS)


def _load(full: list[float], without: list[float]) -> dict:
    rounds = [
        {"floor": {"rps": 1000.0}, "article": {"rps": f}, "article without url_memo": {"rps": w}}
        for f, w in zip(full, without, strict=True)
    ]
    return {
        "rounds": rounds,
        "summary": {
            "article": {"ratio_median": 0.6, "ratios": [f / 1000 for f in full]},
            "article without url_memo": {"ratio_median": 0.57},
        },
    }


def test_each_trick_is_compared_with_the_full_product_round_by_round():
    """The pairs are of the same round: a slow round slows both, not the comparison."""
    loaded = [{"name": "article without url_memo", "page": "article", "trick": "url_memo"}]

    compared = compare_variants(_load([600, 500, 700], [570, 475, 665]), loaded)

    article = compared["url_memo"]["article"]
    assert article["vs_full"] == [0.95, 0.95, 0.95]
    assert article["vs_full_median"] == 0.95
    assert article["full_ratio_median"] == 0.6
    assert article["full_ratio_spread"] == pytest.approx(200 / 600, abs=0.001)


def test_admin_times_are_compared_with_the_full_products_in_the_same_round():
    """A failed run (empty) is left out of its pair, not counted as zero."""
    page = "change_page"
    runs = {
        "full": [{page: {"median_ms": 100.0}}, {page: {"median_ms": 200.0}}, {}],
        "without input_renderer": [
            {page: {"median_ms": 150.0}},
            {page: {"median_ms": 300.0}},
            {page: {"median_ms": 999.0}},
        ],
    }

    summary = summarise_admin(runs)

    assert summary["full"]["change_page_ms"] == 150.0
    assert summary["without input_renderer"]["change_page_vs_full"] == 1.5


def test_the_report_shows_each_trick_beside_the_full_product():
    variants = {
        "tricks": ["url_memo", "input_renderer"],
        "load": {
            "url_memo": {
                "article": {
                    "ratio_median": 0.57,
                    "full_ratio_median": 0.6,
                    "full_ratio_spread": 0.05,
                    "vs_full_median": 0.95,
                }
            }
        },
        "admin": {
            "full": {"change_page_ms": 110.0, "changelist_ms": 30.0},
            "without url_memo": {"change_page_ms": 111.0, "change_page_vs_full": 1.009},
            "without input_renderer": {"change_page_ms": 180.0, "change_page_vs_full": 1.636},
        },
    }

    text = "\n".join(variants_table(variants))

    assert "url_memo         article            0.57     0.60    0.950     5.0%" in text
    assert "input_renderer   change page       180.0    110.0    1.636" in text
