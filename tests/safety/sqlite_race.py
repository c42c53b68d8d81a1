"""Run by test_concurrency on a file SQLite database: racing writers queue, none fails.

``python manage.py shell -c "from tests.safety.sqlite_race import main; main()"``
with DATABASE_URL pointing at a migrated SQLite file. Prints one JSON line.
"""

from __future__ import annotations

import json
import threading
from types import SimpleNamespace

from django.contrib.auth.models import User
from django.db import connection

from articles import services
from articles.models import Article, AuditEntry, PublishedVersion
from tests.factories import BoardMemberFactory, UserFactory
from tests.safety.conftest import Cast, Stage


def main(racers: int = 12) -> None:
    def member(name):
        return BoardMemberFactory(user=UserFactory(username=name, groups=["Advisory Board"])).user

    cast = Cast(
        author=UserFactory(username="r_author", groups=["Authors"]),
        other_author=UserFactory(username="r_other", groups=["Authors"]),
        member_assigned=member("r_m1"),
        member_unassigned=member("r_m2"),
        member_recused=member("r_m3"),
        member_dissenting=member("r_m4"),
        editor=UserFactory(username="r_editor", groups=["Editors"]),
        superuser=User.objects.create_superuser("r_root", "r@example.org", "pw-unused-1234"),
    )
    stage = Stage(cast, SimpleNamespace())
    article = stage.make("approvable")
    barrier = threading.Barrier(racers, timeout=60)
    outcomes: list[str] = []

    def run() -> None:
        try:
            barrier.wait()
            services.article_approve(article=article.pk, by=cast.editor)
            outcomes.append("ok")
        except services.WorkflowError:
            outcomes.append("refused")
        except Exception as error:  # what IMMEDIATE transactions must prevent
            outcomes.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(
        json.dumps(
            {
                "outcomes": sorted(outcomes),
                "state": Article.objects.get(pk=article.pk).state,
                "approvals": AuditEntry.objects.filter(
                    article=article, transition="approve"
                ).count(),
                "versions": PublishedVersion.objects.filter(article=article).count(),
            }
        )
    )
