import io, pytest
from django.core.management import call_command
pytestmark = pytest.mark.django_db
def test_demo():
    call_command("seed_demo", stdout=io.StringIO())
    from articles.audit import verify
    print([str(f) for f in verify()])
def test_archive():
    call_command("build_archive", "--articles", "60", stdout=io.StringIO())
    out = io.StringIO()
    try:
        call_command("verify_audit", stdout=out)
    finally:
        print(out.getvalue()[:5000])
