vcl 4.1;
# Editorial behind Varnish 7 with the xkey module (Debian: `varnish` and
# `varnish-modules`). What it does:
#
# - keeps only what the app marked for a shared cache: the readers' pages,
#   which carry an `xkey` header naming what they depend on;
# - drops every cookie on the readers' pages, after turning the audience
#   cookie into the normalised `Editorial-Audience` header the pages vary by;
# - lets the app's addresses (acl purgers) purge by key: `PURGE /` with an
#   `xkey-purge: key1 key2 …` header; a page fetched while a purge went by is
#   not stored, as it may show what the purge removed;
# - grace: after its lifetime a page is served for a few seconds while it is
#   fetched again, and for up to a day (stale-if-error) while the app is down
#   or failing; purged pages are gone for good, never served from grace.
#
# `make run-cached` and the tests load this file with the backend's port
# replaced; in production set the backend and the purgers below.

import std;
import xkey;
import var;
import cookie;

backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
}

# The addresses of the app's servers (and its worker), which send the purges.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Purging is for the app's own addresses."));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "Name the keys to purge in an xkey-purge header."));
        }
        # Fetches that started before now may carry what this purge removes.
        var.global_set("purged-at", "" + std.time2real(now, 0.0));
        set req.http.purged-objects = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Stylesheets and images: the same for everyone, named by their content
    # in production (collectstatic), so kept as long as the app says.
    if (req.url ~ "^/static/") {
        unset req.http.Cookie;
        return (hash);
    }
    # The readers' pages. Anything else (the back office, the forms, the
    # audience switch) passes through untouched, cookies included.
    if (req.url !~ "^/(\?.*)?$"
        && req.url !~ "^/(articles/[^/?]+|topics/[^/?]+|search|feed|advisory-board|editorial-policy|corrections)/(\?.*)?$"
        && req.url !~ "^/sitemap\.xml(\?.*)?$") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    # The audience is the one thing of the reader's a page depends on.
    cookie.parse(req.http.Cookie);
    set req.http.Editorial-Audience = cookie.get("audience");
    if (req.http.Editorial-Audience !~ "^(patient|professional)$") {
        set req.http.Editorial-Audience = "none";
    }
    unset req.http.Cookie;
    # One copy whatever the order of the parameters or the trackers added.
    set req.url = regsuball(req.url, "(?<=[?&])(utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid)=[^&]*&?", "");
    set req.url = regsub(req.url, "[?&]$", "");
    set req.url = std.querysort(req.url);
    # A page past its lifetime is served while it is fetched again for a few
    # seconds (stale-while-revalidate); when the app failed, for much longer.
    if (req.http.editorial-stale-ok) {
        set req.grace = 24h;
    } else {
        set req.grace = 30s;
    }
    return (hash);
}

sub vcl_backend_fetch {
    var.set_real("fetch-started", std.time2real(now, 0.0));
    unset bereq.http.editorial-stale-ok;
}

sub vcl_backend_response {
    if (beresp.status >= 500 && bereq.http.Editorial-Audience && bereq.retries == 0) {
        # A failing app: the client side serves the stale copy if there is one.
        return (abandon);
    }
    if (bereq.http.Editorial-Audience) {
        # A reader's page never sets a cookie.
        unset beresp.http.Set-Cookie;
    }
    if (bereq.url ~ "^/static/" && beresp.status == 200) {
        unset beresp.http.Set-Cookie;
        return (deliver);
    }
    if (!beresp.http.xkey || beresp.http.Cache-Control ~ "(?i)private|no-store") {
        # Not marked for a shared cache: remember for a while not to wait on it.
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    if (std.real(var.global_get("purged-at"), 0.0) >= var.get_real("fetch-started")) {
        # Fetched while a purge went by: it may show what was just purged.
        set beresp.uncacheable = true;
        set beresp.ttl = 0s;
        return (deliver);
    }
    if (beresp.http.CDN-Cache-Control ~ "max-age=\d+") {
        set beresp.ttl = std.duration(
            regsub(beresp.http.CDN-Cache-Control, "^.*?\bmax-age=(\d+).*$", "\1s"), beresp.ttl);
    }
    if (beresp.http.CDN-Cache-Control ~ "stale-if-error=\d+") {
        set beresp.grace = std.duration(
            regsub(beresp.http.CDN-Cache-Control, "^.*?stale-if-error=(\d+).*$", "\1s"), 30s);
    } else {
        set beresp.grace = 30s;
    }
    if (beresp.http.Content-Type ~ "^(text/|application/(atom\+xml|xml|json|ld\+json))") {
        # Stored compressed: one copy serves every reader (gunzipped here for
        # the rare client that does not accept gzip) at a quarter of the bytes.
        set beresp.do_gzip = true;
    }
    # Browsers ask again every time and get a 304 from here.
    set beresp.http.Cache-Control = "public, no-cache";
    return (deliver);
}

sub vcl_backend_error {
    if (bereq.http.Editorial-Audience) {
        return (abandon);
    }
}

sub vcl_synth {
    if (req.method == "PURGE") {
        set resp.http.Purged-Objects = req.http.purged-objects;
        return (deliver);
    }
    if (resp.status == 503 && req.restarts == 0 && req.http.Editorial-Audience) {
        # The app could not answer: try once more, allowing the stale copy.
        set req.http.editorial-stale-ok = "1";
        return (restart);
    }
}

sub vcl_deliver {
    # The keys and the shared lifetime are for this cache alone.
    unset resp.http.xkey;
    unset resp.http.CDN-Cache-Control;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "hit";
    } else {
        set resp.http.X-Cache = "miss";
    }
    if (req.http.Editorial-Audience) {
        unset resp.http.Set-Cookie;
    }
}
