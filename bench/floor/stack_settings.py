"""The floor's constant page behind Editorial's own settings and middleware.

Not the floor: a ceiling. It is what a perfectly cached page could reach in
this product: the security headers (CSP, Permissions-Policy, frame options)
and WhiteNoise run, then the public pages' middleware answers it as it
answers the reader's pages; no query, no template. The runner loads it
beside the floor so a page's ratio can be read against what caching could
give at best.
"""

import os

from editorial.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor.urls"
FLOOR_BYTES = int(os.environ.get("FLOOR_BYTES", "15000"))
