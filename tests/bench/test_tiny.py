"""The whole benchmark, in its tiny mode, so that it never rots (no thresholds)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bench.runner import ROOT
from editorial.varnish import varnishd_path

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def targets_file(tmp_path):
    """The real targets plus one that no version of the site serves."""
    targets = json.loads((ROOT / "bench" / "targets.json").read_text())
    targets.append({"name": "nowhere", "path": "/bench-no-such-page/"})
    path = tmp_path / "targets.json"
    path.write_text(json.dumps(targets))
    return path


def run_tiny(tmp_path, targets_file) -> dict:
    out = tmp_path / "results"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--tiny",
            "--out",
            str(out),
            "--targets",
            str(targets_file),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    files = sorted(out.glob("*.json"))
    assert files, f"no results file:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    results = json.loads(files[-1].read_text())
    results["_returncode"] = done.returncode
    results["_output"] = done.stdout + done.stderr
    return results


def test_tiny_benchmark_runs_end_to_end(tmp_path, targets_file):
    """Archive, in-process measures, both gunicorn servers and a round of load on every database."""
    results = run_tiny(tmp_path, targets_file)
    not_started = [db for db in results["databases"] if not db.get("server_started")]
    if not_started and not IN_CI:
        pytest.skip(f"gunicorn did not start here: {not_started[0].get('error', '')[:300]}")
    assert results["_returncode"] == 0, results["_output"][-3000:]

    expected = {"sqlite"}
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        expected.add("postgresql")
    assert {db["vendor"] for db in results["databases"]} == expected
    assert results["floor_bytes"] > 1000

    for db in results["databases"]:
        targets = {t["name"]: t for t in db["targets"]}
        # The article page and home exist today; the rest may be missing, never crash.
        assert targets["article"]["status"] == "ok"
        assert targets["home"]["status"] == "ok"
        assert targets["nowhere"]["status"] == "missing"
        assert all(t["status"] in ("ok", "missing") for t in targets.values())

        summary = db["load"]["summary"]
        assert summary["floor"]["rps_median"] > 0
        # What each load cost the servers, and the page's capacity by that measure.
        assert summary["floor"]["server_cpu_us_median"] > 0
        assert summary["article"]["cpu_ratio_median"] > 0
        assert summary["ceiling"]["ratio_median"] > 0
        for name, target in targets.items():
            if target["status"] == "ok":
                assert summary[name]["rps_median"] > 0
                assert summary[name]["ratio_median"] > 0
            else:
                assert name not in summary

        if varnishd_path() is not None or IN_CI:
            # The article through Varnish, and the time to invisibility of a few changes.
            assert summary["article-cached"]["rps_median"] > 0, db.get("cache_error")
            assert db["invisibility"]["all"]["count"] > 0

        measured = db["in_process"]
        assert measured["queries_per_page"]["article"]["queries"] >= 1
        assert measured["queries_per_page"]["search"]["first_ms"] > 0
        assert measured["admin"]["changelist"]["status"] == 200
        assert measured["admin"]["change_page"]["references"] == 30
        assert measured["admin"]["change_page"]["revisions"] == 200
        assert measured["approval"]["median_ms"] > 0
        assert measured["history"]["bytes_per_revision"] > 0

    assert "x floor" in results["_output"] and "render ms" in results["_output"]
