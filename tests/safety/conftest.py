"""What the safety tests share: people in every role, articles in every state, the
public surfaces, and a check that rendered HTML is inert.

Extend the matrices here, not in the tests:

- a new public page or feed: add a builder to ``PUBLIC_SURFACES``;
- a new admin view of one article (compare, export...): add it to ``ARTICLE_ADMIN_VIEWS``;
- a new place that renders an article's Markdown: add it to ``RENDER_SURFACES``.
"""

from __future__ import annotations

import html
import importlib
import itertools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.urls import reverse

from articles import services
from articles.models import Article, AuditEntry, PublishedVersion
from reviewers.choices import LIVE_STATUSES, AssignmentStatus
from reviewers.models import ReviewAssignment, ReviewDecision
from reviewers.services import assignment_accept, assignment_create
from tests.factories import (
    ArticleFactory,
    BoardMemberFactory,
    ReferenceFactory,
    UserFactory,
    decision_record,
)

needs_row_locks = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason=(
        "needs PostgreSQL: SQLite ignores SELECT ... FOR UPDATE and its shared in-memory test "
        "database fails concurrent writers with 'table is locked' instead of queueing them, so "
        "real threads racing on one row only mean something on PostgreSQL"
    ),
)


def new_marker() -> str:
    """A string that appears nowhere unless our content leaks."""
    return f"zq{uuid.uuid4().hex[:12]}"


# --- People --------------------------------------------------------------------------

ROLES = (
    "anonymous",
    "author",
    "other_author",
    "member_assigned",
    "member_unassigned",
    "member_recused",
    "editor",
    "superuser",
)


@dataclass
class Cast:
    author: User
    other_author: User
    member_assigned: User
    member_unassigned: User
    member_recused: User
    member_dissenting: User
    editor: User
    superuser: User

    def __getitem__(self, role: str):
        if role == "anonymous":
            return AnonymousUser()
        return getattr(self, role)

    def client(self, role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(self[role])
        return client


@pytest.fixture
def roles(db) -> None:
    """The role groups that the articles data migration creates, present for the test.

    A transactional test ends by flushing every table. Its serialized rollback
    normally restores the groups, but after pytest-django's live server has
    run (the browser tests) the serialized copy is gone, so put them back.
    """
    roles = importlib.import_module("articles.migrations.0002_roles").ROLES
    if Group.objects.filter(name__in=roles).count() == len(roles):
        return
    # The flush made new content types: forget the cached ids.
    ContentType.objects.clear_cache()
    for name, perms in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


@pytest.fixture
def cast(roles) -> Cast:
    def member(username: str) -> User:
        return BoardMemberFactory(
            user=UserFactory(username=username, groups=["Advisory Board"])
        ).user

    return Cast(
        author=UserFactory(username="s_author", groups=["Authors"]),
        other_author=UserFactory(username="s_other_author", groups=["Authors"]),
        member_assigned=member("s_member"),
        member_unassigned=member("s_member_unassigned"),
        member_recused=member("s_member_recused"),
        member_dissenting=member("s_member_dissenting"),
        editor=UserFactory(username="s_editor", groups=["Editors"]),
        superuser=User.objects.create_superuser("s_root", "root@example.org", "pw-unused-1234"),
    )


# --- Articles in every state -----------------------------------------------------------

# The states a reader must never see, retracted included, plus an approved
# article whose working copy has moved on ("pending_edits").
HIDDEN_STATES = (
    "draft",
    "submitted",
    "under_review",
    "changes_requested",
    "rejected",
    "retracted",
    "retracted_reopened",
)


class Stage:
    """Takes a fresh article through the real services to the state asked for."""

    def __init__(self, cast: Cast, settings) -> None:
        self.cast = cast
        settings.EDITORIAL_REQUIRED_APPROVALS = 1

    def draft(
        self,
        *,
        marker: str = "",
        author: User | None = None,
        body: str | None = None,
        plain_body: str | None = None,
        **fields,
    ):
        marker = marker or new_marker()
        values = {
            "author": author or self.cast.author,
            "title": f"What is {marker}?",
            "slug": f"article-{marker}",
            "summary": f"Summary {marker}",
            "body": body if body is not None else f"Body {marker} [1]. More [2].",
            "plain_body": plain_body if plain_body is not None else f"Plain {marker} [1].",
            "change_note": f"Note {marker}",
        }
        article = ArticleFactory(**{**values, **fields})
        ReferenceFactory(article=article, position=1, title=f"Reference {marker}")
        ReferenceFactory(article=article, position=2)
        return article

    def make(self, state: str, **kw) -> Article:
        return self.make_from(self.draft(**kw), state)

    def make_from(self, article: Article, state: str) -> Article:
        """Take a draft, with its references, to ``state``.

        Besides the article's own states: ``invited`` is a submitted article
        whose invitation to member_assigned awaits a reply, and ``approvable``
        an article under review whose approval rule holds while a member
        recommends rejection.
        """
        cast = self.cast
        if state == "draft":
            return self.fresh(article)
        by_author = article.author
        services.article_submit(article=article, by=by_author)
        if state == "submitted":
            return self.fresh(article)
        if state == "invited":
            self.invite(article, cast.member_assigned)
            return self.fresh(article)
        # member_assigned accepts first, which starts the review; member_recused
        # accepts too, then declares a conflict instead of judging.
        self.assign(article, cast.member_assigned)
        self.assign(article, cast.member_recused)
        self.decide(
            article,
            cast.member_recused,
            "approve",
            conflict_declared=True,
            conflict_statement="I advise the maker of one treatment discussed.",
        )
        if state == "under_review":
            return self.fresh(article)
        if state == "approvable":
            # The approval rule holds but a member recommended rejection: an
            # editor must decide, so the article stays under review.
            self.assign(article, cast.member_dissenting)
            self.decide(
                article,
                cast.member_dissenting,
                "reject",
                comment_to_author="The evidence cited is too thin.",
            )
            self.decide(article, cast.member_assigned, "approve")
            return self.fresh(article)
        if state == "changes_requested":
            self.decide(
                article,
                cast.member_assigned,
                "request_changes",
                comment_to_author="Please cite the 2024 guideline.",
            )
            return self.fresh(article)
        if state == "rejected":
            services.article_reject(article=article, by=cast.editor, comment="Out of scope.")
            return self.fresh(article)
        self.decide(article, cast.member_assigned, "approve")
        if state == "approved":
            return self.fresh(article)
        if state in ("retracted", "retracted_reopened"):
            services.article_retract(article=article, by=cast.editor, reason="Found an error.")
            if state == "retracted_reopened":
                services.article_reopen(article=article, by=cast.editor)
            return self.fresh(article)
        raise ValueError(state)

    def invite(self, article: Article, user: User) -> ReviewAssignment:
        """The editor invites the member to the current round; nobody has answered yet.

        A member whom a resubmission already invited again keeps that invitation.
        """
        existing = ReviewAssignment.objects.filter(
            article=article,
            reviewer__user=user,
            round=self.fresh(article).review_round,
            status=AssignmentStatus.INVITED,
        ).first()
        return existing or assignment_create(
            article=article, reviewer=user.board_member, by=self.cast.editor
        )

    def assign(self, article: Article, user: User) -> ReviewAssignment:
        """Invite the member and have them accept: the first acceptance starts the review."""
        invitation = self.invite(article, user)
        return assignment_accept(assignment=invitation, by=user)

    def decide(self, article: Article, user: User, decision: str, **answers) -> ReviewDecision:
        """Record the member's decision on their accepted review, stating no conflict
        unless ``answers`` declare one."""
        if not answers.get("conflict_declared"):
            answers.setdefault("no_conflict", True)
        return decision_record(
            assignment=self.assignment(article, user), by=user, decision=decision, **answers
        )

    def assignment(self, article: Article, user: User) -> ReviewAssignment:
        """The member's assignment on the current round (declined or cancelled ones aside)."""
        return ReviewAssignment.objects.get(
            article=article,
            reviewer__user=user,
            round=self.fresh(article).review_round,
            status__in=LIVE_STATUSES,
        )

    def edit(self, article: Article, *, marker: str) -> Article:
        """Change every content field of a draft, as its author would."""
        article = self.fresh(article)
        article.title = f"What is {marker}?"
        article.slug = f"article-{marker}"
        article.summary = f"Summary {marker}"
        article.body = f"Body {marker} [1]. More [2]."
        article.plain_body = f"Plain {marker} [1]."
        article.change_note = f"Note {marker}"
        services.article_save_content(article=article, by=article.author)
        reference = article.references.order_by("position").first()
        reference.title = f"Reference {marker}"
        reference.save()
        return self.fresh(article)

    @staticmethod
    def fresh(article: Article) -> Article:
        return Article.objects.select_related("live_version").get(pk=article.pk)


@pytest.fixture
def stage(cast, settings) -> Stage:
    return Stage(cast, settings)


def assert_trail_is_a_chain(article: Article) -> None:
    """Audit entries follow each other, and the history's states tell the same story."""
    entries = list(AuditEntry.objects.filter(article=article).order_by("at", "id"))
    for earlier, later in itertools.pairwise(entries):
        assert earlier.to_state == later.from_state, (earlier, later)
    if entries:
        assert entries[-1].to_state == Article.objects.get(pk=article.pk).state
    states = [row.state for row in article.history.order_by("history_id")]
    moves = [(a, b) for a, b in itertools.pairwise(states) if a != b]
    assert moves == [(e.from_state, e.to_state) for e in entries]


# --- Public surfaces ------------------------------------------------------------------
# Each builder gets the article and the marker hidden in its content and
# returns a URL a reader may open. Add new public pages here.
#
# A query is sent as the marker in capitals: every search matches it as the
# same word (PostgreSQL's websearch does not match prefixes, so a prefix would
# find nothing even when the article is public), while the search box that
# repeats the query does not repeat the marker itself.


def _query(marker: str) -> str:
    return quote(marker.upper())


PUBLIC_SURFACES: dict[str, Callable[[Article, str], str]] = {
    "home": lambda article, marker: reverse("articles:home"),
    "detail_by_slug": lambda article, marker: reverse(
        "articles:detail", kwargs={"slug": article.slug}
    ),
    "detail_by_marker_slug": lambda article, marker: reverse(
        "articles:detail", kwargs={"slug": f"article-{marker}"}
    ),
    "advisory_board": lambda article, marker: reverse("articles:advisory_board"),
    "editorial_policy": lambda article, marker: reverse("articles:editorial_policy"),
    "not_found_page": lambda article, marker: "/articles/no-such-article/",
    "home_with_query": lambda article, marker: reverse("articles:home") + f"?q={_query(marker)}",
    "search": lambda article, marker: reverse("articles:search") + f"?q={_query(marker)}",
    "feed": lambda article, marker: reverse("articles:feed"),
    "sitemap": lambda article, marker: "/sitemap.xml",
    "topic": lambda article, marker: reverse("articles:topic", kwargs={"slug": article.topic.slug}),
    "corrections": lambda article, marker: reverse("articles:corrections"),
}
# States whose article's address answers 410 with the retraction notice: the
# notice (and the corrections log, and the feed's withdrawal entry) name the
# answer's title and address, never its content.
RETRACTED_STATES = frozenset({"retracted", "retracted_reopened"})
# The surfaces that show an approved article's marker (so that its absence
# elsewhere means something): the others never list an article.
PUBLIC_SURFACES_LISTING_ARTICLES = frozenset(
    {"home", "detail_by_slug", "detail_by_marker_slug", "search", "feed", "sitemap", "topic"}
)

# Admin pages about one article, keyed by name; each takes the article and
# returns the URL. Roles who may not see the article must get 403 or 404 (or
# the login page when anonymous). Add the timeline, compare and export views.
ARTICLE_ADMIN_VIEWS: dict[str, Callable[[Article], str]] = {
    "change": lambda a: reverse("admin:articles_article_change", args=[a.pk]),
    "preview": lambda a: reverse("admin:articles_article_preview", args=[a.pk]),
    "history": lambda a: reverse("admin:articles_article_history", args=[a.pk]),
    "history_form": lambda a: reverse(
        "admin:articles_article_simple_history",
        args=[a.pk, a.history.order_by("history_id").first().history_id],
    ),
    "audit_entry": lambda a: reverse(
        "admin:articles_auditentry_change", args=[a.audit_entries.order_by("id").first().pk]
    ),
    "reference_history": lambda a: reverse(
        "admin:articles_reference_history", args=[a.references.order_by("id").first().pk]
    ),
    "assignment": lambda a: reverse(
        "admin:reviewers_reviewassignment_change", args=[a.assignments.order_by("id").first().pk]
    ),
    # The article's trail (articles/admin_timeline.py).
    "timeline": lambda a: reverse("admin:articles_article_timeline", args=[a.pk]),
    "revision": lambda a: reverse("admin:articles_article_revision", args=[a.pk, 1]),
    "compare": lambda a: reverse("admin:articles_article_compare", args=[a.pk, 1, "current"]),
    "export_csv": lambda a: reverse("admin:articles_article_export", args=[a.pk, "csv"]),
    "export_json": lambda a: reverse("admin:articles_article_export", args=[a.pk, "json"]),
    "live_on": lambda a: reverse("admin:articles_article_live_on", args=[a.pk]),
    "restore": lambda a: reverse("admin:articles_article_restore", args=[a.pk, 1]),
}
# Who gets each of those pages for an article under review, when not everyone
# the article concerns does: a board member sees their own assignment only
# (the first one belongs to member_assigned), and the author sees the
# assignments on the article's page, not one by one.
ARTICLE_ADMIN_VIEW_AUDIENCE: dict[str, set[str]] = {
    "assignment": {"member_assigned", "editor", "superuser"},
}


# --- Inert HTML ---------------------------------------------------------------------------

SAFE_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}
# Elements whose mere presence with our payload would be a hole.
ACTIVE_TAGS = {
    "script",
    "iframe",
    "frame",
    "object",
    "embed",
    "svg",
    "math",
    "style",
    "base",
    "meta",
    "link",
    "form",
    "template",
    "noscript",
    "textarea",
    "input",
    "button",
    "applet",
}
LOADING_TAGS = {
    "script",
    "iframe",
    "frame",
    "object",
    "embed",
    "base",
    "link",
    "style",
    "svg",
    "math",
    "applet",
    "template",
}
VOID_TAGS = {"base", "embed", "input", "link", "meta"}
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see in an attribute value; None for relative URLs.

    As the WHATWG URL parser does: leading and trailing C0 controls and spaces
    go, tabs and newlines anywhere go, and what is left is read as is.
    """
    cleaned = _TAB_OR_NEWLINE.sub("", value.strip("".join(map(chr, range(0x21))))).lower()
    match = re.match(r"^([a-z][a-z0-9+.\-]*):", cleaned)
    if not match:
        return None
    return match.group(1)


class InertHTMLChecker(HTMLParser):
    """Collects every way the parsed page could run code or load foreign markup."""

    def __init__(self, payload_token: str) -> None:
        super().__init__(convert_charrefs=True)
        self.token = payload_token
        self.problems: list[str] = []
        self._open_active: list[str] = []
        self._json_ld = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            if name == "style" and self.token in value:
                self.problems.append(f"style attribute carrying the payload on <{tag}>")
            if name in URL_ATTRIBUTES:
                for part in value.split(",") if name == "srcset" else [value]:
                    scheme = url_scheme(part)
                    if scheme is not None and scheme not in SAFE_SCHEMES:
                        self.problems.append(f"{name}={value!r} on <{tag}>")
        if tag == "script":
            src = attributes.get("src")
            kind = (attributes.get("type") or "").lower()
            self._json_ld = kind == "application/ld+json"
            if src is None and kind != "application/ld+json":
                self.problems.append("an inline <script>")
            if src is not None and not (src.startswith("/") and not src.startswith("//")):
                self.problems.append(f"a script from elsewhere: {src}")
        # Escaped text in a form field's value or a meta description is just
        # text; in these elements an attribute loads or runs something.
        loads = tag in LOADING_TAGS or (tag == "meta" and "http-equiv" in attributes)
        if loads and self.token in repr(attrs):
            self.problems.append(f"<{tag}> carrying the payload")
        if tag in ACTIVE_TAGS and tag not in VOID_TAGS:
            self._open_active.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self._open_active and self._open_active[-1] == tag:
            self._open_active.pop()

    def handle_endtag(self, tag):
        if tag in self._open_active:
            self._open_active.remove(tag)

    def handle_data(self, data):
        if self.token not in data:
            return
        for inside in self._open_active:
            # Text in a form or a textarea is shown, not run; in these it is code.
            if inside in {"script", "style", "svg", "math", "iframe", "object", "template"}:
                if inside == "script" and self._json_ld:
                    continue
                self.problems.append(f"payload inside <{inside}>")


def assert_inert(html: str, token: str) -> None:
    checker = InertHTMLChecker(token)
    checker.feed(html)
    checker.close()
    assert not checker.problems, checker.problems


# Places that render an article's Markdown or its other texts, each a function
# of (stage, article by cast.author) returning the HTML a person would get.


def _public_page(stage: Stage, article: Article) -> str:
    version = PublishedVersion.objects.get(pk=Stage.fresh(article).live_version_id)
    response = Client().get(reverse("articles:detail", kwargs={"slug": version.slug}))
    assert response.status_code == 200
    return response.content.decode()


def _admin_preview(stage: Stage, article: Article) -> str:
    response = stage.cast.client("author").get(
        reverse("admin:articles_article_preview", args=[article.pk])
    )
    assert response.status_code == 200
    return response.content.decode()


def _review_panel(stage: Stage, article: Article) -> str:
    response = stage.cast.client("member_assigned").get(
        reverse("admin:articles_article_change", args=[article.pk])
    )
    assert response.status_code == 200
    return response.content.decode()


def _version_admin(stage: Stage, article: Article) -> str:
    version_id = Stage.fresh(article).live_version_id
    response = stage.cast.client("editor").get(
        reverse("admin:articles_publishedversion_change", args=[version_id])
    )
    assert response.status_code == 200
    return response.content.decode()


ATOM = "{http://www.w3.org/2005/Atom}"


def _atom_feed(stage: Stage, article: Article) -> str:
    """The HTML a feed reader renders: each entry's summary and content of type html.

    The XML parser undoes the feed's own escaping, as a reader does, so what
    is left is the markup the reader will display (and must be inert).
    """
    response = Client().get(reverse("articles:feed"))
    assert response.status_code == 200
    feed = ElementTree.fromstring(response.content)  # well-formed, whatever the text was
    entries = feed.findall(f"{ATOM}entry")
    assert entries, "the approved article is in the feed"
    parts = []
    for entry in entries:
        for name in ("title", "summary", "content"):
            for element in entry.findall(f"{ATOM}{name}"):
                text = "".join(element.itertext())
                if element.get("type", "text") == "text":
                    text = html.escape(text)  # shown as text, as a reader would
                parts.append(f"<div>{text}</div>")
    return "\n".join(parts)


def _compare_view(stage: Stage, article: Article) -> str:
    """The author edits every text of the draft, then compares the first revision with it."""
    article = Stage.fresh(article)
    article.summary = f"Edited. {article.summary}"
    article.body = f"Edited [1].\n\n{article.body}"
    article.plain_body = f"Edited [1].\n\n{article.plain_body}"
    article.change_note = "Edited."
    services.article_save_content(article=article, by=article.author)
    for reference in article.references.all():
        reference.title = f"{reference.title} (checked)"
        reference.save()
    response = stage.cast.client("author").get(
        reverse("admin:articles_article_compare", args=[article.pk, 1, "current"])
    )
    assert response.status_code == 200
    return response.content.decode()


# name -> (state the article must be in, how to read it)
RENDER_SURFACES: dict[str, tuple[str, Callable[[Stage, Article], str]]] = {
    "public_article": ("approved", _public_page),
    "admin_preview": ("draft", _admin_preview),
    "review_panel": ("under_review", _review_panel),
    "published_version_admin": ("approved", _version_admin),
    "atom_feed": ("approved", _atom_feed),
    "compare": ("draft", _compare_view),
}


@pytest.fixture
def editors_group(db):
    return Group.objects.get(name="Editors")
