/*
 * web - the subscriber's side of outreach over HTTP: the links in every
 * message (one-click unsubscribe, the preference centre, confirmation of a
 * subscription, data export and erasure), each public list's sign-up
 * form, and its feeds (/l/SLUG/events.ics, a calendar to subscribe to;
 * /l/SLUG/opportunities, a page, and .atom, its feed), served with
 * libmicrohttpd (which lives only in web*.c) from the templates in
 * templates/web/.
 *
 * Meant to sit behind a TLS reverse proxy at [web] base_url.  Every page
 * is server-rendered, works without JavaScript, loads nothing from
 * elsewhere and sets no cookie; every response carries no-referrer,
 * nosniff, a Content-Security-Policy without script and no-store (but the
 * feeds, which hold no token: five minutes' caching and an ETag).  A GET
 * never changes anything; every change is a POST, audited as the
 * subscriber's own (one-click POSTs as such).  Requests are bounded (body
 * 64 KB, headers, connections, time per connection, form fields); bad
 * input is a 4xx page and changes nothing.
 */
#ifndef OUTREACH_WEB_H
#define OUTREACH_WEB_H

#include "config.h"
#include "util.h"

/*
 * web_run - `outreach web`: serve in the foreground until SIGTERM or SIGINT
 * (requests in progress finish first); SIGHUP re-reads config_path (NULL:
 * the defaults) and restarts the server with it, keeping the running one
 * when the file has an error.  Returns the exit status.
 */
int web_run(const char *config_path, struct config *cfg, struct error *err);
/* web_worker - the daemon's worker: the same server, stopped (drained) by SIGTERM. */
int web_worker(const struct config *cfg);
/* web_wanted - whether cfg asks for the web side ([web] listen is not "off"). */
int web_wanted(const struct config *cfg);
/*
 * web_base_url_warning - why cfg's links would not work for real
 * subscribers (base_url on loopback, or not https, while mail goes out over
 * SMTP), or NULL when they would.
 */
const char *web_base_url_warning(const struct config *cfg);

#endif
