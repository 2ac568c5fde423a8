/*
 * bounce_act - facts in, decision out, decision carried out.  See
 * bounce_act.h.  Nothing here decides: every "whether" is policy_*().
 */
#include "bounce_act.h"

#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "buf.h"
#include "sysmail.h"

/*
 * probe_facts - whether the bounced message was itself a probe, and the list
 * a probe would go out on: the bounced message's list, else the subscriber's
 * first active list (0 if none).
 */
static int
probe_facts(struct store *st, const struct bounce_act_event *ev, int *of_probe, int64_t *list,
            struct error *err)
{
	char *kind = NULL;

	*of_probe = 0;
	*list = 0;
	if (ev->delivery_id > 0) {
		if (store_delivery_campaign(st, ev->delivery_id, list, &kind, err) == 0) {
			*of_probe = strcmp(kind, "probe") == 0;
			free(kind);
			return 0;
		}
		if (error_kind(err) != ERR_NOTFOUND)
			return -1;
		error_clear(err);
	}
	if (store_first_active_list(st, ev->subscriber_id, list, err) == 0)
		return 0;
	if (error_kind(err) != ERR_NOTFOUND)
		return -1;
	error_clear(err);
	return 0;
}

int
bounce_act(struct store *st, const struct bounce_policy *cfg, const struct bounce_act_event *ev,
           int *action, char **decision, struct error *err)
{
	int sub_status = POLICY_NO_SUBSCRIBER;
	char *sub_email = NULL;
	struct bounce_event rec;
	struct policy_bounce f;
	struct buf why, detail;
	int64_t event = 0, list = 0;
	int rc = -1, queued;
	char *what = NULL;

	*decision = NULL;
	*action = POLICY_RECORD;
	buf_init(&why, 8192);
	buf_init(&detail, 8192);
	memset(&f, 0, sizeof(f));
	memset(&rec, 0, sizeof(rec));
	rec.inbound_id = ev->inbound_id;
	rec.subscriber_id = ev->subscriber_id;
	rec.delivery_id = ev->delivery_id;
	rec.email = ev->email;
	rec.class_name = bounce_class_name(ev->class);
	rec.status = ev->status;
	rec.reason = ev->reason;
	rec.diagnostic = ev->diagnostic;
	f.class = ev->class;
	f.status = ev->status;
	f.tied = ev->delivery_id > 0;
	f.subscriber = POLICY_NO_SUBSCRIBER;
	buf_addf(&detail, "%s bounce %s%s%s", rec.class_name, ev->status ? ev->status : "",
	         ev->diagnostic ? ": " : "", ev->diagnostic ? ev->diagnostic : "");

	if (ev->subscriber_id > 0) {
		if (store_subscriber_status(st, ev->subscriber_id, &sub_status, &sub_email, err) < 0) {
			if (error_kind(err) != ERR_NOTFOUND)
				goto out;
			error_clear(err);
			sub_status = POLICY_SUBSCRIBER_REMOVED;
		}
		f.subscriber = sub_status;
	}
	/* A soft bounce that counts is recorded first, so the score includes it. */
	rec.counted = f.subscriber >= 0 && policy_counts(ev->class, ev->status, f.tied);
	if (rec.counted) {
		if (store_bounce_record(st, &rec, "counted", &event, err) < 0 ||
		    store_soft_score(st, ev->subscriber_id, cfg->soft_window_days, &f.soft_score,
		                     err) < 0)
			goto out;
	}
	if (f.subscriber >= 0 && (ev->class == BOUNCE_HARD || ev->class == BOUNCE_SOFT)) {
		if (probe_facts(st, ev, &f.of_probe, &list, err) < 0)
			goto out;
		f.can_probe = list > 0;
	}
	*action = policy_bounce(cfg, &f, buf_cstr(&detail), &why);
	*decision = xstrdup(buf_cstr(&why));
	switch (*action) {
	case POLICY_COMPLAIN:
		if ((sub_status != SUB_COMPLAINED &&
		     store_set_status(st, ev->subscriber_id, sub_email, sub_status, SUB_COMPLAINED,
		                      ACTOR_BOUNCE, "complaint (feedback report)", err) < 0) ||
		    store_unsubscribe(st, ev->subscriber_id, 0, ACTOR_BOUNCE,
		                      "complaint (feedback report)", err) < 0)
			goto out;
		break;
	case POLICY_DISABLE:
		/* The audit row says why: the bounce itself, or the score or probe that decided. */
		if (store_set_status(st, ev->subscriber_id, sub_email, sub_status, SUB_BOUNCED,
		                     ACTOR_BOUNCE,
		                     ev->class == BOUNCE_HARD && !f.of_probe ? buf_cstr(&detail)
		                                                              : *decision, err) < 0)
			goto out;
		break;
	case POLICY_PROBE:
		if (sysmail_queue(st, list, SYSMAIL_PROBE, ev->subscriber_id, &queued, err) < 0)
			goto out;
		break;
	default:
		break;
	}
	if (event ? store_bounce_set_decision(st, event, *decision, err) < 0
	          : store_bounce_record(st, &rec, *decision, NULL, err) < 0)
		goto out;
	/* The subscriber's history shows every bounce and what it led to. */
	what = xasprintf("%s %s", rec.class_name, ev->status ? ev->status : "");
	if (f.subscriber >= 0 && store_audit(st, ev->subscriber_id, sub_email, 0, "bounce", NULL,
	                                     what, ACTOR_BOUNCE, *decision, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0) {
		free(*decision);
		*decision = NULL;
	}
	free(sub_email);
	free(what);
	buf_free(&why);
	buf_free(&detail);
	return rc;
}
