/*
 * web_signup - each public list's sign-up form (/s/SLUG), and the table
 * that bounds sign-ups per client address.
 *
 * Bots that sign real people up are the commonest abuse of such forms, so:
 * a hidden field people leave empty (a filled one is answered like any
 * other and does nothing); at most [web] signup_per_hour sign-ups from one
 * client address (429 past it); at most one confirmation request an hour
 * to one address (sysmail); and one neutral answer, "check your inbox",
 * whether the address is new, known, refused or already on the list, so
 * the form tells nobody who is subscribed.  Nothing is subscribed until
 * the confirmation's POST.  A cross-origin POST is taken only from the
 * origins in [web] signup_origins (it can only ever cause a confirmation).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "sysmail.h"
#include "web_impl.h"

enum { RATE_SLOTS = 4096, RATE_WINDOW = 3600 };

/*
 * The rate table: for each recent client address, the times of its last
 * sign-ups.  A fixed number of slots, hashed by address; a slot whose
 * times have all aged out is reused, and when every slot is busy the
 * oldest is, so the table never grows whatever the traffic.
 */
struct rate_slot {
	char ip[64];
	int64_t *times;            /* a ring of signup_per_hour times */
	long n, next;
	int64_t last;
};

struct web_rate {
	pthread_mutex_t lock;
	struct rate_slot slots[RATE_SLOTS];
};

struct web_rate *
web_rate_new(void)
{
	struct web_rate *r = xcalloc(1, sizeof(*r));

	pthread_mutex_init(&r->lock, NULL);
	return r;
}

void
web_rate_free(struct web_rate *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < RATE_SLOTS; i++)
		free(r->slots[i].times);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* rate_take - whether ip may sign up once more now (and count it if so). */
static int
rate_take(struct web_rate *r, const char *ip, long per_hour, int64_t now)
{
	unsigned h = 5381;
	struct rate_slot *s = NULL, *oldest = NULL;
	int ok;

	for (const char *p = ip; *p; p++)
		h = h * 33 + (unsigned char)*p;
	pthread_mutex_lock(&r->lock);
	/* Linear probing over a few slots: the address's own, or a free or stale one. */
	for (int k = 0; k < 8 && s == NULL; k++) {
		struct rate_slot *c = &r->slots[(h + (unsigned)k) % RATE_SLOTS];

		if (strcmp(c->ip, ip) == 0)
			s = c;
		else if (c->ip[0] == '\0' || now - c->last > RATE_WINDOW) {
			s = c;
			s->n = s->next = 0;
			snprintf(s->ip, sizeof(s->ip), "%s", ip);
		} else if (oldest == NULL || c->last < oldest->last)
			oldest = c;
	}
	if (s == NULL) {
		s = oldest;
		s->n = s->next = 0;
		snprintf(s->ip, sizeof(s->ip), "%s", ip);
	}
	if (s->times == NULL || s->n > per_hour) {
		free(s->times);
		s->times = xcalloc((size_t)per_hour, sizeof(*s->times));
		s->n = s->next = 0;
	}
	/* Full, and the oldest of the ring within the hour: refused. */
	ok = !(s->n == per_hour && now - s->times[s->next] < RATE_WINDOW);
	if (ok) {
		s->times[s->next] = now;
		s->next = (s->next + 1) % per_hour;
		if (s->n < per_hour)
			s->n++;
	}
	s->last = now;
	pthread_mutex_unlock(&r->lock);
	return ok;
}

/*
 * origin_allowed - a POST from our own pages, from no page at all, or from a
 * listed origin.  Browsers send "Origin: null" for a form on a page with
 * Referrer-Policy: no-referrer (ours have it), so null says nothing either
 * way; a browser on another site's page names that site, and is refused.
 */
static int
origin_allowed(const struct web_request *rq)
{
	const char *list = rq->w->cfg->signup_origins;
	size_t n;

	if (rq->origin == NULL || strcmp(rq->origin, "null") == 0 ||
	    strcmp(rq->origin, rq->w->origin) == 0)
		return 1;
	n = strlen(rq->origin);
	for (const char *p = list; (p = strstr(p, rq->origin)) != NULL; p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == '\t' || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\t' || p[n] == ',' || p[n] == '/'))
			return 1;
	return 0;
}

static void
form_page(struct web_request *rq, struct web_response *rs, const struct list_info *l,
          int status, const char *error, const char *email, const char *name,
          const char *topics)
{
	struct buf html;
	struct error err = ERROR_INIT;
	const char *v[WEB_NVARS];

	buf_init(&html, 1 << 20);
	if (web_topics_html(rq->st, topics, &html, &err) < 0) {
		web_page_fail(rq->w, rs, &err);
		error_clear(&err);
		buf_free(&html);
		return;
	}
	web_values_init(rq->w, v);
	v[WV_TITLE] = "Subscribe";
	v[WV_LIST_NAME] = l->name;
	v[WV_LIST_DESCRIPTION] = l->description;
	v[WV_ERROR] = error;
	v[WV_EMAIL] = email;
	v[WV_NAME] = name;
	v[WV_ACTION] = rq->action;
	v[WV_TOPICS] = buf_cstr(&html);
	web_render(rq->w, TPL_SIGNUP, v, status, rs);
	buf_free(&html);
}

void
web_signup(struct web_request *rq, struct web_response *rs)
{
	struct list_info list = {0};
	struct error err = ERROR_INIT;
	struct buf topics;
	const char *email, *name, *why, *v, *trap;
	char *addr = NULL, *canon = NULL;
	int64_t sub = 0;
	int result, queued = 0, ok;
	size_t i = 0;

	buf_init(&topics, 64 << 10);
	if (store_list_brief(rq->st, 0, rq->arg, &list, &err) < 0 || !list.is_public) {
		if (error_kind(&err) == ERR_NOTFOUND || (err.msg == NULL && !list.is_public))
			web_page_error(rq->w, rs, 404, "Not found", "There is no sign-up form here.");
		else
			web_page_fail(rq->w, rs, &err);
		goto out;
	}
	if (rq->method != WEB_POST) {
		form_page(rq, rs, &list, 200, NULL, NULL, NULL, NULL);
		goto out;
	}
	if (!origin_allowed(rq)) {
		web_page_error(rq->w, rs, 403, "Not from here",
		               "This form may be posted only from the network's own pages.");
		goto out;
	}
	email = web_form_get(&rq->form, "email");
	name = web_form_get(&rq->form, "name");
	trap = web_form_get(&rq->form, "website");
	if (trap && *trap) {
		/* A bot filled the field people cannot see: the usual answer, and nothing done. */
		log_info("web", "sign-up to %s from %s: hidden field filled in, ignored", list.slug,
		         rq->ip);
		goto neutral;
	}
	while ((v = web_form_next(&rq->form, "topic", &i)) != NULL) {
		if (*v == '\0' || strpbrk(v, ",; \t")) {
			form_page(rq, rs, &list, 400, "A topic on the form is not one we know.", email,
			          name, NULL);
			goto out;
		}
		buf_addf(&topics, "%s%s", topics.len ? "," : "", v);
	}
	if (email == NULL || addr_accept(email, rq->w->cfg->allow_dotless, &addr, &why) < 0) {
		char *msg = xasprintf("That address cannot be used: %s.",
		                      email && *email ? why : "an address is needed");

		form_page(rq, rs, &list, 400, msg, email, name, NULL);
		free(msg);
		goto out;
	}
	if (name && (strlen(name) > 256 || has_header_breaker(name))) {
		form_page(rq, rs, &list, 400, "A name is one line of at most 256 characters.", email,
		          NULL, NULL);
		goto out;
	}
	if (store_topics_resolve(rq->st, buf_cstr(&topics), &canon, &err) < 0) {
		form_page(rq, rs, &list, 400, "A topic on the form is not one we know.", email, name,
		          NULL);
		goto out;
	}
	if (!rate_take(rq->w->rate, rq->ip, (long)rq->w->cfg->signup_per_hour, now_unix())) {
		log_warn("web", "sign-up to %s from %s: over signup_per_hour", list.slug, rq->ip);
		web_page_error(rq->w, rs, 429, "Too many sign-ups",
		               "Too many sign-ups came from your network in the last hour; please "
		               "try again later.");
		goto out;
	}
	if (web_write_begin(rq, &err) < 0) {
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	ok = store_signup(rq->st, list.id, addr, name && *name ? name : NULL, canon, &result, &sub,
	                  &err) == 0 &&
	     (result != SIGNUP_CONFIRM ||
	      sysmail_queue(rq->st, list.id, SYSMAIL_CONFIRM, sub, &queued, &err) == 0);
	if (web_write_end(rq, ok, &err) < 0) {
		log_warn("web", "sign-up to %s: %s", list.slug, error_msg(&err));
		web_page_fail(rq->w, rs, &err);
		goto out;
	}
	log_info("web", "sign-up to %s from %s: %s", list.slug, rq->ip,
	         result == SIGNUP_CONFIRM ? (queued ? "confirmation request queued"
	                                            : "a request went out in the last hour")
	         : result == SIGNUP_ALREADY ? "already subscribed" : "refused (no mail)");
neutral:
	web_page_message(rq->w, rs, 200, "Check your inbox",
	                 "If the address can receive this list, a message asking you to confirm "
	                 "is on its way. Nothing is sent until you confirm.", NULL);
out:
	list_info_free(&list);
	buf_free(&topics);
	free(addr);
	free(canon);
	error_clear(&err);
}
