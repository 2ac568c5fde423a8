/*
 * test_compose - composed messages parse cleanly in libetpan's MIME parser
 * with the structure promised; the invite round-trips through libical;
 * the personal links carry tokens that verify, and forged ones do not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>
#include <libical/ical.h>

#include "compose.h"
#include "config.h"
#include "frontmatter.h"
#include "token.h"

static const unsigned char key[SECRET_LEN] = "test key test key test key 0123";

static const char notice[] =
	"---\n"
	"list: net\n"
	"subject: \"Quarterly meeting: Thursday, March 4 \xe2\x80\x94 save the date\"\n"
	"kind: notice\n"
	"event:\n"
	"  title: \"Network meeting; room 2, \xc3\xa9tage 3\"\n"
	"  starts: 2027-03-04 16:00\n"
	"  ends: 2027-03-04 17:30\n"
	"  tz: America/New_York\n"
	"  location: Somerville High School, 81 Highland Ave\n"
	"---\n"
	"Hello **partners**. A [link](https://example.org/x).\n"
	".leading dot\n";

static struct compose_campaign *
prepare(struct config *cfg, struct doc *d, const char *text)
{
	static const struct compose_list list = {
		.id = 1, .slug = "net", .name = "R\xc3\xa9seau STEM", .description = "desc",
		.from = "R\xc3\xa9seau STEM <news@net.example>",
	};
	struct compose_params p = {0};
	struct compose_campaign *c;
	struct error err = ERROR_INIT;
	const char *top = getenv("OUTREACH_TOP");

	config_defaults(cfg);
	free(cfg->templates_dir);
	cfg->templates_dir = xasprintf("%s/templates", top ? top : ".");
	if (doc_parse("notice.md", xstrdup(text), strlen(text), d, &err) < 0)
		fail_msg("doc_parse: %s", error_msg(&err));
	p.kind = COMPOSE_LIST_MAIL;
	p.cfg = cfg;
	p.doc = d;
	p.list = &list;
	p.key = key;
	p.campaign_id = 7;
	p.date = 1800000000;
	if (compose_prepare(&p, &c, &err) < 0)
		fail_msg("compose_prepare: %s", error_msg(&err));
	return c;
}

/* walk - collect the content types of a libetpan MIME tree in order. */
static void
walk(struct mailmime *m, struct buf *types, struct buf *calendar)
{
	struct mailmime_content *ct = m->mm_content_type;

	if (ct && ct->ct_type && ct->ct_subtype) {
		struct mailmime_type *t = ct->ct_type;
		const char *major = "?";

		if (t->tp_type == MAILMIME_TYPE_DISCRETE_TYPE)
			major = t->tp_data.tp_discrete_type->dt_type == MAILMIME_DISCRETE_TYPE_TEXT ?
			        "text" : "other";
		else if (t->tp_data.tp_composite_type->ct_type == MAILMIME_COMPOSITE_TYPE_MULTIPART)
			major = "multipart";
		else
			major = "message";
		buf_addf(types, "%s/%s ", major, ct->ct_subtype);
	}
	if (m->mm_type == MAILMIME_MULTIPLE) {
		for (clistiter *it = clist_begin(m->mm_data.mm_multipart.mm_mp_list); it;
		     it = clist_next(it))
			walk(clist_content(it), types, calendar);
	} else if (m->mm_type == MAILMIME_MESSAGE && m->mm_data.mm_message.mm_msg_mime) {
		walk(m->mm_data.mm_message.mm_msg_mime, types, calendar);
	} else if (m->mm_type == MAILMIME_SINGLE && ct && strcmp(ct->ct_subtype, "calendar") == 0) {
		struct mailmime_data *data = m->mm_data.mm_single;
		size_t idx = 0;
		char *decoded = NULL;
		size_t dlen = 0;

		assert_int_equal(mailmime_part_parse(data->dt_data.dt_text.dt_data,
		                                     data->dt_data.dt_text.dt_length, &idx,
		                                     MAILMIME_MECHANISM_BASE64, &decoded, &dlen),
		                 MAILIMF_NO_ERROR);
		buf_add(calendar, decoded, dlen);
		mailmime_decoded_part_free(decoded);
	}
}

static void
test_notice_parses_in_libetpan(void **state)
{
	struct config cfg;
	struct doc d;
	struct compose_campaign *c;
	struct compose_recipient r = {42, 4242, "zoe@school.example", "Zo\xc3\xab \"Z\" \xc3\x86r\xc3\xb8"};
	struct buf msg, from, types, ics;
	struct error err = ERROR_INIT;
	struct mailmime *mime = NULL;
	size_t idx = 0;

	(void)state;
	c = prepare(&cfg, &d, notice);
	buf_init(&msg, COMPOSE_MAX_MESSAGE);
	buf_init(&from, 1024);
	buf_init(&types, 4096);
	buf_init(&ics, 1 << 20);
	if (compose_message(c, &r, &msg, &from, &err) < 0)
		fail_msg("compose_message: %s", error_msg(&err));
	assert_int_equal(mailmime_parse(msg.data, msg.len, &idx, &mime), MAILIMF_NO_ERROR);
	assert_int_equal(idx, msg.len);
	walk(mime, &types, &ics);
	/* libetpan presents the whole message as message/rfc822 around its parts. */
	if (strcmp(buf_cstr(&types), "message/rfc822 multipart/mixed multipart/alternative "
	                             "text/plain text/html text/calendar ") != 0)
		fail_msg("got structure '%s'", buf_cstr(&types));
	mailmime_free(mime);

	/* The invite round-trips through libical with its values intact. */
	{
		icalcomponent *cal = icalparser_parse_string(buf_cstr(&ics));
		icalcomponent *ev;
		struct icaltimetype start;
		char *again;

		assert_non_null(cal);
		assert_int_equal(icalcomponent_get_method(cal), ICAL_METHOD_REQUEST);
		ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
		assert_non_null(ev);
		assert_string_equal(icalcomponent_get_summary(ev),
		                    "Network meeting; room 2, \xc3\xa9tage 3");
		assert_string_equal(icalcomponent_get_location(ev),
		                    "Somerville High School, 81 Highland Ave");
		start = icalcomponent_get_dtstart(ev);
		assert_int_equal(start.hour, 16);
		assert_int_equal(icaltime_as_timet_with_zone(start, start.zone), 1804194000);
		again = icalcomponent_as_ical_string_r(cal);
		icalcomponent *cal2 = icalparser_parse_string(again);
		assert_string_equal(icalcomponent_get_uid(icalcomponent_get_first_component(
		                            cal2, ICAL_VEVENT_COMPONENT)),
		                    icalcomponent_get_uid(ev));
		for (const char *p = buf_cstr(&ics); *p;) {
			const char *nl = strstr(p, "\r\n");

			assert_non_null(nl);
			if (nl - p > 75)
				fail_msg("invite line longer than 75 octets: %.*s", (int)(nl - p), p);
			p = nl + 2;
		}
		free(again);
		icalcomponent_free(cal2);
		icalcomponent_free(cal);
	}

	/* The return path carries a bounce token naming the delivery. */
	{
		const char *plus = strchr(from.data, '+'), *at = strchr(from.data, '@');
		struct token t;

		assert_non_null(plus);
		assert_int_equal(token_verify(key, plus + 1, (size_t)(at - plus - 1), &t), 0);
		assert_int_equal(t.purpose, TOKEN_BOUNCE);
		assert_int_equal(t.a, 4242);
	}
	buf_free(&msg);
	buf_free(&from);
	buf_free(&types);
	buf_free(&ics);
	compose_free(c);
	doc_free(&d);
	config_free(&cfg);
	icaltimezone_free_builtin_timezones();
}

/* Links verify for the right subscriber; a changed id or MAC does not. */
static void
test_links_are_signed(void **state)
{
	struct config cfg;
	struct doc d;
	struct compose_campaign *c;
	struct compose_recipient r = {95, 1, "a@b.example", NULL};
	struct buf html, text;
	struct error err = ERROR_INIT;
	const char *u;
	struct token t;
	char tok[TOKEN_MAX];
	size_t n;

	(void)state;
	c = prepare(&cfg, &d, notice);
	buf_init(&html, 1 << 22);
	buf_init(&text, 1 << 22);
	assert_int_equal(compose_parts(c, &r, &html, &text, &err), 0);
	u = strstr(text.data, "/u/");
	assert_non_null(u);
	u += 3;
	n = strspn(u, "abcdefghijklmnopqrstuvwxyz0123456789-");
	assert_true(n < sizeof(tok));
	memcpy(tok, u, n);
	assert_int_equal(token_verify(key, tok, n, &t), 0);
	assert_int_equal(t.purpose, TOKEN_UNSUBSCRIBE);
	assert_int_equal(t.a, 95);
	assert_int_equal(t.b, 7);
	tok[2] = tok[2] == '2' ? '3' : '2';     /* another subscriber */
	assert_int_equal(token_verify(key, tok, n, &t), -1);
	assert_null(strstr(html.data, "<script"));
	buf_free(&html);
	buf_free(&text);
	compose_free(c);
	doc_free(&d);
	config_free(&cfg);
	icaltimezone_free_builtin_timezones();
}

/*
 * A buffer that cannot take the whole message fails the compose, wherever
 * the limit falls: a message cut short (without its closing boundary) must
 * never be handed to the relay.
 */
static void
test_too_big_never_truncated(void **state)
{
	struct config cfg;
	struct doc d = {0};
	struct compose_campaign *c = prepare(&cfg, &d, notice);
	struct compose_recipient r = {42, 9, "ada@school.example", "Ada"};
	struct error err = ERROR_INIT;
	struct buf msg, from;
	size_t full;

	(void)state;
	buf_init(&msg, COMPOSE_MAX_MESSAGE);
	buf_init(&from, 1024);
	assert_int_equal(compose_message(c, &r, &msg, &from, &err), 0);
	full = msg.len;
	buf_free(&msg);
	/* Short by 1, by the closing boundary, by the calendar part, by half. */
	for (size_t cut = 1; cut < full; cut = cut < 64 ? cut + 7 : cut * 2) {
		buf_init(&msg, full - cut);
		if (compose_message(c, &r, &msg, &from, &err) != -1 ||
		    strstr(error_msg(&err), "larger than") == NULL)
			fail_msg("buffer %zu bytes short: got rc 0 (%zu bytes), want an error", cut,
			         msg.len);
		error_clear(&err);
		buf_free(&msg);
	}
	buf_free(&from);
	compose_free(c);
	doc_free(&d);
	config_free(&cfg);
}

/* qp_decode - quoted-printable src[0..n) decoded, CRLF as LF, into out. */
static void
qp_decode(const char *src, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (src[i] == '=' && i + 2 < n && src[i + 1] == '\r' && src[i + 2] == '\n') {
			i += 2;
			continue;
		}
		if (src[i] == '=' && i + 2 < n) {
			char hex[3] = {src[i + 1], src[i + 2], 0};

			buf_addc(out, (char)strtol(hex, NULL, 16));
			i += 2;
			continue;
		}
		if (src[i] == '\r' && i + 1 < n && src[i + 1] == '\n')
			continue;
		buf_addc(out, src[i]);
	}
}

/* part_of - the decoded body of the k-th quoted-printable part of msg. */
static void
part_of(const char *msg, int k, struct buf *out)
{
	static const char cte[] = "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
	const char *p = msg, *end, *b = strstr(msg, "multipart/alternative;\r\n boundary=\"");
	char delim[64];

	assert_non_null(b);
	b += strlen("multipart/alternative;\r\n boundary=\"");
	snprintf(delim, sizeof(delim), "\r\n--%.*s", (int)strcspn(b, "\""), b);
	for (int i = 0; i <= k; i++) {
		p = strstr(p, cte);
		assert_non_null(p);
		p += strlen(cte);
	}
	end = strstr(p, delim);
	assert_non_null(end);
	qp_decode(p, (size_t)(end - p), out);
}

/*
 * A recipient's body is put together from pieces encoded once per campaign
 * and its own values encoded between them: whatever the recipient, every
 * receiver decodes exactly the parts rendered whole.
 */
static void
test_pieces_decode_as_whole(void **state)
{
	static const struct compose_recipient rcpts[] = {
		{42, 9, "ada@school.example", "Ada"},
		{43, 10, "nobody@school.example", NULL},
		{44, 11, "j@school.example", "J\xc3\xbcrgen <M\xc3\xbcller> & \"Co\" =x"},
		{45, 12, "long@school.example", "A name long enough to make its line pass seventy-six "
		                                "columns in the text part, with tabs\tand  spaces "},
	};
	struct config cfg;
	struct doc d = {0};
	struct compose_campaign *c = prepare(&cfg, &d, notice);
	struct error err = ERROR_INIT;
	struct buf msg, from, html, text, got;

	(void)state;
	buf_init(&msg, COMPOSE_MAX_MESSAGE);
	buf_init(&from, 1024);
	buf_init(&html, COMPOSE_MAX_MESSAGE);
	buf_init(&text, COMPOSE_MAX_MESSAGE);
	buf_init(&got, COMPOSE_MAX_MESSAGE);
	for (size_t i = 0; i < sizeof(rcpts) / sizeof(rcpts[0]); i++) {
		buf_reset(&html);
		buf_reset(&text);
		assert_int_equal(compose_message(c, &rcpts[i], &msg, &from, &err), 0);
		assert_int_equal(compose_parts(c, &rcpts[i], &html, &text, &err), 0);
		for (const char *p = msg.data; *p; p++)
			if (p[0] == '\r' && p[1] != '\n')
				fail_msg("recipient %zu: a bare CR in the message", i);
		/* Every encoded body line within 76 octets (RFC 2045). */
		for (const char *line = strstr(msg.data, "\r\n\r\n"); line && *line;) {
			const char *eol = strstr(line, "\r\n");

			if (eol && eol - line > 76)
				fail_msg("recipient %zu: a body line of %td octets", i, eol - line);
			line = eol ? eol + 2 : NULL;
		}
		buf_reset(&got);
		part_of(msg.data, 0, &got);
		if (strcmp(buf_cstr(&got), buf_cstr(&text)) != 0)
			fail_msg("recipient %zu: the text part decodes differently:\n%s\n---\n%s", i,
			         buf_cstr(&got), buf_cstr(&text));
		buf_reset(&got);
		part_of(msg.data, 1, &got);
		if (strcmp(buf_cstr(&got), buf_cstr(&html)) != 0)
			fail_msg("recipient %zu: the HTML part decodes differently", i);
	}
	buf_free(&msg);
	buf_free(&from);
	buf_free(&html);
	buf_free(&text);
	buf_free(&got);
	compose_free(c);
	doc_free(&d);
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notice_parses_in_libetpan),
		cmocka_unit_test(test_links_are_signed),
		cmocka_unit_test(test_too_big_never_truncated),
		cmocka_unit_test(test_pieces_decode_as_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
