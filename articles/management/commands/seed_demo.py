"""``manage.py seed_demo``: a demo that shows the whole review loop.

It creates fictional users for every role, three topics and a handful of
articles that end in every state of the workflow (articles/demo/builder.py
tells each article's story through the workflow services), gives one board
member a second sign-in step, and prints what there is to try.

Running it again creates nothing twice: users, topics and articles are
looked up by username and slug, and an article that already exists is left
as it is.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from accounts.demo import demo_key, ensure_demo_second_factor
from articles.choices import ArticleState
from articles.demo import content as demo
from articles.demo.builder import DemoBuilder, DemoRefused, accounts_not_from_the_demo, usernames
from articles.models import Article


class Command(BaseCommand):
    help = (
        "Create a demo of the review workflow: users for every role (password "
        f"“{demo.DEMO_PASSWORD}”), topics and articles in every state. Safe to run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Add the demo even though the database has accounts the demo did not create.",
        )

    def handle(self, *args, **options) -> None:
        # The demo's accounts share a published password, the superuser's
        # too: never slip them into a database that real people use.
        if accounts_not_from_the_demo().exists() and not options["force"]:
            raise CommandError(
                "This database has accounts the demo did not create, so it looks like a real "
                "one: the demo's logins share a published password. Use an empty database, "
                "or pass --force if you are sure."
            )
        builder = DemoBuilder(required_approvals=settings.EDITORIAL_REQUIRED_APPROVALS)
        # Every step sends its notifications once the transaction commits; the
        # demo's own traffic would only flood the console.
        quiet = override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
        try:
            with quiet, transaction.atomic():
                builder.build()
                second_factor_user = ensure_demo_second_factor()
        except DemoRefused as refused:
            raise CommandError(str(refused)) from refused
        self.report(builder)
        if second_factor_user:
            self.stdout.write(
                f"{second_factor_user} signs in with a second step: add the key {demo_key()} "
                "to an authenticator app to get its codes."
            )

    # --- Output -------------------------------------------------------------------

    def report(self, builder: DemoBuilder) -> None:
        write, heading = self.stdout.write, self.style.MIGRATE_HEADING
        base = settings.EDITORIAL_BASE_URL

        def counted(label: str, created: list, total: int) -> str:
            return f"  {label:<9} {len(created)} created, {total - len(created)} already there"

        write(heading("Editorial demo"))
        write(counted("Users:", builder.created_users, len(demo.USERS)))
        write(counted("Topics:", builder.created_topics, len(demo.TOPICS)))
        write(
            counted("Articles:", builder.created_articles, len(demo.ARTICLES))
            + (" (left as they were)" if len(builder.created_articles) < len(demo.ARTICLES) else "")
        )
        write(f"  Approvals needed to publish: {builder.required}")

        write("")
        write(heading("Articles"))
        rows = []
        for spec in demo.ARTICLES:
            article = Article.objects.filter(slug=spec.slug).first()
            if article is None:  # pragma: no cover - every demo article exists by now
                continue
            state = article.get_state_display()
            if article.live_version_id and article.state != ArticleState.APPROVED:
                state += " (revision; approved version live)"
            public = f"{base}{article.get_absolute_url()}" if article.live_version_id else "—"
            rows.append((state, article.title, public))
        self.table(("State", "Question", "Public page"), rows)

        write("")
        write(heading("Logins"))
        User = get_user_model()
        accounts = {u.username: u for u in User.objects.filter(username__in=usernames())}
        rows = []
        for spec in demo.USERS:
            user = accounts[spec.username]
            # Hashing is slow on purpose: check only the accounts this run did not create.
            works = spec.username in builder.created_users or check_password(
                demo.DEMO_PASSWORD, user.password
            )
            password = demo.DEMO_PASSWORD if works else "(changed since it was created)"
            rows.append((spec.role, spec.username, password, spec.try_this))
        self.table(("Role", "Username", "Password", "What to try"), rows)

        write("")
        write(self.style.SUCCESS(f"Open {base}/ (public site) and {base}/admin/ (back office)."))

    def table(self, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
        widths = [
            max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)
        ]
        widths[-1] = 0  # the last column is not padded

        def line(cells: tuple[str, ...]) -> str:
            return (
                "  "
                + "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
            )

        self.stdout.write(line(header))
        self.stdout.write(
            "  " + "  ".join("-" * max(w, len(h)) for w, h in zip(widths, header, strict=True))
        )
        for row in rows:
            self.stdout.write(line(row))
