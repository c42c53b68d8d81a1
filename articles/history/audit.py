"""Tamper evidence: recompute the action log's hash chains and cross-check the records.

``verify`` is what ``manage.py verify_audit`` runs. It reads every chain of
the action log (articles.actionlog) and reports, in plain words:

- a row whose content no longer matches its hash (edited by hand);
- a missing row, a row that does not follow the one before it, or rows out
  of time order (deleted, inserted, swapped);
- an article whose state, live version or history rows the log does not
  account for (a change written around the services, e.g. in raw SQL);
- a published version whose text no longer matches its fingerprint, or
  whose approvals do not name that fingerprint or were made under
  credentials that were not valid.

It only reads. Each finding is one line; none means the trail is intact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from articles.actionlog import SITE_CHAIN, chain_key, row_hash
from articles.fingerprints import short, version_fingerprint
from articles.history.revisions import HistoricalArticle, saves_the_article
from articles.models import ActionLogChain, ActionLogEntry, Article, PublishedVersion
from reviewers.choices import Decision
from reviewers.models import ReviewDecision


@dataclass(frozen=True)
class Finding:
    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


def _check_chain(key: str, rows: list[ActionLogEntry], head: ActionLogChain | None, where: str):
    findings = []
    previous = None
    for expected_seq, row in enumerate(rows, start=1):
        if row.seq != expected_seq:
            findings.append(
                Finding(where, f"row {expected_seq} of the action log is missing (found {row.seq})")
            )
            expected_seq = row.seq
        if row_hash(row) != row.row_hash:
            findings.append(
                Finding(where, f"row {row.seq} ({row.action}) was changed after it was written")
            )
        if previous is not None:
            if row.prev_hash != previous.row_hash:
                findings.append(
                    Finding(
                        where,
                        f"row {row.seq} ({row.action}) does not follow row {previous.seq}: "
                        "a row was removed, inserted or moved",
                    )
                )
            if row.at < previous.at:
                findings.append(
                    Finding(where, f"rows {previous.seq} and {row.seq} are out of time order")
                )
        elif row.prev_hash:
            findings.append(Finding(where, f"row {row.seq} names a previous row that is missing"))
        previous = row
    if head is None:
        if rows:
            findings.append(Finding(where, "the chain's head is missing"))
    elif head.length != len(rows) or head.head_hash != (previous.row_hash if previous else ""):
        findings.append(
            Finding(
                where,
                f"the chain ends at row {previous.seq if previous else 0} but its head records "
                f"{head.length} rows: rows were removed from its end",
            )
        )
    return findings


def _check_article(article: Article, rows: list[ActionLogEntry]) -> list[Finding]:
    where = f"article “{article.slug}”"
    findings = []
    # Each history row names the action that saved it.
    saves = {row.seq: row for row in rows if saves_the_article(row.action)}
    last = max(saves) if saves else 0
    if article.action_seq != last and (last or article.state != "draft"):
        findings.append(
            Finding(
                where,
                f"its row names action {article.action_seq}, but the last action that saved it "
                f"is {last}: it was changed outside the workflow",
            )
        )
    recorded = saves.get(article.action_seq)
    if (recorded is not None and recorded.to_state != article.state) or (
        recorded is None and article.state != "draft"
    ):
        findings.append(
            Finding(
                where,
                f"its state is “{article.state}” but no action put it there "
                "(a state change with no action)",
            )
        )
    # Which version the log says readers see.
    live = None
    for row in rows:
        if row.action == "article.approve":
            live = row.payload.get("version")
        elif row.action == "article.retract":
            live = None
    actual = article.live_version.number if article.live_version_id else None
    if actual != live:
        findings.append(
            Finding(
                where,
                f"readers see version {actual or 'none'}, but the action log says "
                f"{live or 'none'}: the live version was changed outside the workflow",
            )
        )
    # Every history row names the action that saved it, each action once.
    history = list(
        HistoricalArticle.objects.filter(id=article.pk)
        .order_by("history_id")
        .values_list("history_id", "action_seq", "state")
    )
    claimed = set()
    for history_id, seq, state in history:
        row = saves.get(seq)
        if row is None or seq in claimed or row.to_state != state:
            findings.append(
                Finding(
                    where,
                    f"history row {history_id} (state “{state}”) was saved without an action "
                    "in the log",
                )
            )
        claimed.add(seq)
    if history and history[-1][2] != article.state:
        findings.append(
            Finding(
                where,
                f"its state is “{article.state}” but its last history row says "
                f"“{history[-1][2]}”: changed without a trace",
            )
        )
    return findings


def _check_versions(versions: Iterable[PublishedVersion]) -> list[Finding]:
    versions = list(versions)
    decisions = defaultdict(list)
    for decision in ReviewDecision.objects.filter(
        assignment__article__in={v.article_id for v in versions},
        decision=Decision.APPROVE,
        conflict_declared=False,
    ).select_related("assignment"):
        decisions[(decision.assignment.article_id, decision.assignment.round)].append(decision)
    findings = []
    for version in versions:
        where = f"article “{version.slug}”, version {version.number}"
        if not version.fingerprint:
            findings.append(Finding(where, "has no fingerprint"))
            continue
        if version_fingerprint(version) != version.fingerprint:
            findings.append(
                Finding(where, "its text no longer matches the fingerprint it was approved with")
            )
        named = {
            d.assignment.reviewer_id: d
            for d in decisions[(version.article_id, version.review_round)]
        }
        for member in version.reviewers:
            decision = named.get(member.get("member_id"))
            if decision is None:
                findings.append(
                    Finding(where, f"credits {member.get('name')}, who has no approval on record")
                )
                continue
            if decision.fingerprint != version.fingerprint:
                findings.append(
                    Finding(
                        where,
                        f"{member.get('name')} approved the text "
                        f"{short(decision.fingerprint) or '(unknown)'}, "
                        f"not this version's {short(version.fingerprint)}",
                    )
                )
            if not decision.credentials_valid:
                findings.append(
                    Finding(
                        where,
                        f"{member.get('name')} approved without valid credentials on the day",
                    )
                )
    return findings


def verify(*, article: Article | None = None) -> list[Finding]:
    """Every finding about the action log and the records it accounts for."""
    findings: list[Finding] = []
    if article is not None:
        keys = [chain_key(article.pk)]
        articles = [article]
    else:
        keys = sorted(
            set(ActionLogChain.objects.values_list("key", flat=True))
            | set(ActionLogEntry.objects.values_list("chain", flat=True).distinct())
        )
        articles = None
    heads = {h.key: h for h in ActionLogChain.objects.filter(key__in=keys)}
    rows_by_chain: dict[str, list[ActionLogEntry]] = defaultdict(list)
    for row in (
        ActionLogEntry.objects.filter(chain__in=keys)
        .order_by("chain", "seq")
        .iterator(chunk_size=2000)
    ):
        rows_by_chain[row.chain].append(row)
    for key in keys:
        where = "the site-wide log" if key == SITE_CHAIN else f"chain {key}"
        findings += _check_chain(key, rows_by_chain.get(key, []), heads.get(key), where)
    queryset = (
        Article.objects.filter(pk__in=[a.pk for a in articles])
        if articles is not None
        else Article.objects.all()
    )
    for item in queryset.select_related("live_version").order_by("pk").iterator(chunk_size=500):
        findings += _check_article(item, rows_by_chain.get(chain_key(item.pk), []))
    versions = PublishedVersion.objects.all()
    if article is not None:
        versions = versions.filter(article=article)
    findings += _check_versions(versions.order_by("article_id", "number"))
    return findings
