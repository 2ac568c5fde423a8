/*
 * test_bounce - bounce_parse() on small hand-written messages, one of each
 * kind the parser must tell apart: standard and delayed DSNs, a feedback
 * report, auto-replies with and without headers, qmail, Exim and Postfix
 * bounces, ordinary mail, garbage.  Every row runs twice, once with LF and
 * once with CRLF line ends, since IMAP hands messages over with CRLF.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "buf.h"
#include "util.h"

#define DSN_HEAD(extra)                                                                    \
	"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"                          \
	"To: bounces+Sub-4711@news.example.org\n"                                              \
	"Subject: Undelivered Mail Returned to Sender\n"                                       \
	"Message-ID: <dsn-1@mx.example.net>\n"                                                 \
	"MIME-Version: 1.0\n" extra                                                            \
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"BB\"\n"       \
	"\n"                                                                                   \
	"--BB\n"                                                                               \
	"Content-Type: text/plain\n"                                                           \
	"\n"                                                                                   \
	"This is the mail system at host mx.example.net.\n"                                    \
	"\n"

/* A list with a sending domain of its own: the VERP token is read whatever the domain. */
static const char list_domain_dsn[] =
	"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
	"To: bounces+Sub-77@lists.reseau-nord.example\n"
	"Subject: Undelivered Mail Returned to Sender\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"BB\"\n"
	"\n"
	"--BB\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.net\n"
	"\n"
	"Final-Recipient: rfc822; zoe@ecole.example\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"\n"
	"--BB--\n";

static const char standard_dsn[] = DSN_HEAD("")
	"--BB\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.net\n"
	"\n"
	"Final-Recipient: rfc822; ada@school.example\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"Diagnostic-Code: smtp; 550 5.1.1 <ada@school.example>: Recipient address\n"
	" rejected: User unknown in virtual mailbox table\n"
	"\n"
	"Final-Recipient: rfc822; grace@navy.example\n"
	"Original-Recipient: rfc822; grace@navy.example\n"
	"Action: failed\n"
	"Status: 5.2.2\n"
	"Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n"
	"\n"
	"--BB\n"
	"Content-Type: text/rfc822-headers\n"
	"\n"
	"Return-Path: <bounces+Sub-4711@news.example.org>\n"
	"From: Newsletter <news@news.example.org>\n"
	"To: ada@school.example, grace@navy.example\n"
	"Message-ID: <issue-12@news.example.org>\n"
	"Subject: Issue 12\n"
	"\n"
	"--BB--\n";

static const char delayed_dsn[] = DSN_HEAD("")
	"--BB\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.net\n"
	"\n"
	"Final-Recipient: rfc822; ada@school.example\n"
	"Action: delayed\n"
	"Status: 4.4.1\n"
	"Diagnostic-Code: smtp; 421 4.4.1 Connection timed out\n"
	"\n"
	"--BB--\n";

static const char delivered_dsn[] = DSN_HEAD("")
	"--BB\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Final-Recipient: rfc822; ada@school.example\n"
	"Action: delivered\n"
	"Status: 2.0.0\n"
	"\n"
	"--BB--\n";

static const char arf[] =
	"From: Feedback Loop <fbl@isp.example>\n"
	"To: abuse@news.example.org\n"
	"Subject: Abuse report\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=feedback-report; boundary=\"FB\"\n"
	"\n"
	"--FB\n"
	"Content-Type: text/plain\n"
	"\n"
	"This is an email abuse report.\n"
	"--FB\n"
	"Content-Type: message/feedback-report\n"
	"\n"
	"Feedback-Type: abuse\n"
	"User-Agent: FBL/1.0\n"
	"Version: 1\n"
	"Original-Mail-From: <bounces+Sub-99@news.example.org>\n"
	"Original-Rcpt-To: <reader@isp.example>\n"
	"\n"
	"--FB\n"
	"Content-Type: message/rfc822\n"
	"Content-Disposition: inline\n"
	"\n"
	"From: news@news.example.org\n"
	"To: reader@isp.example\n"
	"Message-ID: <issue-13@news.example.org>\n"
	"Subject: Issue 13\n"
	"\n"
	"Hello\n"
	"--FB--\n";

static const char rfc3834[] =
	"From: Ada Lovelace <ada@school.example>\n"
	"To: news@news.example.org\n"
	"Subject: Re: Issue 12\n"
	"Auto-Submitted: auto-replied\n"
	"Message-ID: <ar-1@school.example>\n"
	"\n"
	"Thanks for your message.  It will be read when I am back.\n";

static const char vacation[] =
	"From: Grace <grace@navy.example>\n"
	"To: news@news.example.org\n"
	"Subject: =?UTF-8?Q?Abwesenheitsnotiz=3A_Issue_12?=\n"
	"\n"
	"I am out of the office until Monday with no access to email.\n";

static const char vacation_body[] =
	"From: Grace <grace@navy.example>\n"
	"To: news@news.example.org\n"
	"Subject: Re: Issue 12\n"
	"\n"
	"Hello,\n\nI am currently out of the office and will reply when I return.\n";

static const char qmail[] =
	"From: MAILER-DAEMON@mx.example.net\n"
	"To: bounces+Sub-5@news.example.org\n"
	"Subject: failure notice\n"
	"\n"
	"Hi. This is the qmail-send program at mx.example.net.\n"
	"I'm afraid I wasn't able to deliver your message to the following addresses.\n"
	"This is a permanent error; I've given up. Sorry it didn't work out.\n"
	"\n"
	"<ada@school.example>:\n"
	"192.0.2.1 does not like recipient.\n"
	"Remote host said: 550 5.1.1 <ada@school.example>... No such user\n"
	"Giving up on 192.0.2.1.\n"
	"\n"
	"<grace@navy.example>:\n"
	"192.0.2.2 does not like recipient.\n"
	"Remote host said: 552 Sorry, mailbox over quota\n"
	"Giving up on 192.0.2.2.\n"
	"\n"
	"--- Below this line is a copy of the message.\n"
	"\n"
	"Return-Path: <bounces+Sub-5@news.example.org>\n"
	"From: news@news.example.org\n"
	"To: ada@school.example, grace@navy.example\n"
	"Message-ID: <issue-14@news.example.org>\n"
	"\n"
	"Hello\n";

static const char exim[] =
	"Return-path: <>\n"
	"X-Failed-Recipients: linus@kernel.example\n"
	"Auto-Submitted: auto-replied\n"
	"From: Mail Delivery System <Mailer-Daemon@mail.example.net>\n"
	"To: bounces+sub-6@news.example.org\n"
	"Subject: Mail delivery failed: returning message to sender\n"
	"\n"
	"This message was created automatically by mail delivery software.\n"
	"\n"
	"A message that you sent could not be delivered to one or more of its\n"
	"recipients. This is a permanent error. The following address(es) failed:\n"
	"\n"
	"  linus@kernel.example\n"
	"    SMTP error from remote mail server after RCPT TO:<linus@kernel.example>:\n"
	"    host mx.kernel.example [192.0.2.9]: 550 5.1.1 <linus@kernel.example>:\n"
	"    Recipient address rejected: User unknown in local recipient table\n"
	"\n"
	"------ This is a copy of the message, including all the headers. ------\n"
	"\n"
	"Return-path: <bounces+sub-6@news.example.org>\n"
	"To: linus@kernel.example\n"
	"Message-ID: <issue-15@news.example.org>\n"
	"\n"
	"Hello\n";

static const char postfix[] =
	"From MAILER-DAEMON Thu Apr 29 23:34:45 2021\n"
	"Delivered-To: bounces+ABC-123@news.example.org\n"
	"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
	"To: bounces+ABC-123@news.example.org\n"
	"Subject: Undelivered Mail Returned to Sender\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"PF\"\n"
	"\n"
	"--PF\n"
	"Content-Description: Notification\n"
	"Content-Type: text/plain; charset=us-ascii\n"
	"\n"
	"<alan@bletchley.example>: host mx.bletchley.example[192.0.2.7] said: 554\n"
	"    5.7.1 Service unavailable; Client host [192.0.2.3] blocked using\n"
	"    zen.spamhaus.org (in reply to RCPT TO command)\n"
	"\n"
	"--PF\n"
	"Content-Description: Delivery report\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.net\n"
	"\n"
	"Final-Recipient: rfc822; alan@bletchley.example\n"
	"Action: failed\n"
	"Status: 5.7.1\n"
	"Diagnostic-Code: smtp; 554 5.7.1 Service unavailable; Client host [192.0.2.3]\n"
	"    blocked using zen.spamhaus.org\n"
	"\n"
	"--PF\n"
	"Content-Description: Undelivered Message Headers\n"
	"Content-Type: text/rfc822-headers\n"
	"\n"
	"Return-Path: <bounces+ABC-123@news.example.org>\n"
	"From: news@news.example.org\n"
	"To: alan@bletchley.example\n"
	"Message-ID: <Issue-16.x@news.example.org>\n"
	"\n"
	"--PF--\n";

static const char postmaster_away[] =
	"From: School Postmaster <postmaster@school.example>\n"
	"To: news@news.example.org\n"
	"Subject: Out of office: Issue 12\n"
	"Auto-Submitted: auto-replied\n"
	"\n"
	"I am away until the 3rd; mail is not read.\n";

static const char postmaster_reply[] =
	"From: School Postmaster <postmaster@school.example>\n"
	"To: news@news.example.org\n"
	"Subject: Re: your question\n"
	"\n"
	"Thanks, the DNS entry for our school is fixed now.\n";

static const char ses_json[] =
	"From: SES <no-reply@sns.amazonaws.com>\n"
	"To: ops@news.example.org\n"
	"Subject: AWS Notification Message\n"
	"Content-Type: text/plain; charset=UTF-8\n"
	"\n"
	"{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\","
	"\"bouncedRecipients\":[{\"emailAddress\":\"ada@school.example\",\"action\":\"failed\","
	"\"status\":\"5.1.1\",\"diagnosticCode\":\"smtp; 550 5.1.1 user unknown\"}]},"
	"\"mail\":{\"source\":\"bounces+sub-8@news.example.org\"}}\n";

static const char after_data[] =
	"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\n"
	"To: bounces+sub-9@news.example.org\n"
	"Subject: Returned mail: see transcript for details\n"
	"\n"
	"   ----- The following addresses had permanent fatal errors -----\n"
	"<ada@school.example>\n"
	"\n"
	"   ----- Transcript of session follows -----\n"
	"... while talking to mx.school.example.:\n"
	">>> DATA\n"
	"<<< 550 5.1.1 <ada@school.example>... User unknown\n";

static const char ordinary[] =
	"From: Ada <ada@school.example>\n"
	"To: news@news.example.org\n"
	"Subject: Loved issue 12\n"
	"\n"
	"Thanks, the article on engines was great.\n";

/* "<host> does not exist" names a domain; "<address> does not exist" a mailbox. */
static const char host_gone[] =
	"From: Mail Delivery System <Mailer-Daemon@mx.example.net>\n"
	"To: bounces+sub-10@news.example.org\n"
	"Subject: Mail delivery failed: returning message to sender\n"
	"\n"
	"A message that you sent could not be delivered to one or more of its\n"
	"recipients. This is a permanent error. The following address(es) failed:\n"
	"\n"
	"  ada@school.example\n"
	"    SMTP error from remote mail server after end of data:\n"
	"    553 school.example does not exist\n"
	"  grace@navy.example\n"
	"    SMTP error from remote mail server after RCPT TO:<grace@navy.example>:\n"
	"    550 mailbox grace@navy.example does not exist\n"
	"  alan.turing@bletchley.example\n"
	"    SMTP error from remote mail server after RCPT TO:<alan.turing@bletchley.example>:\n"
	"    550 mailbox alan.turing does not exist\n";

/*
 * Sendmail's DSN for two recipients: one refused at RCPT TO, one (pipelined)
 * after DATA.  Each recipient is classed on its own fields, not on the
 * transcript's last command or the other recipient's words.
 */
static const char multi_status_dsn[] =
	"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\n"
	"To: bounces+sub-20@news.example.org\n"
	"Subject: Returned mail: see transcript for details\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"SM\"\n"
	"\n"
	"--SM\n"
	"Content-Type: text/plain\n"
	"\n"
	"The original message was received at Mon, 3 Mar 2025 10:00:00 GMT\n"
	"\n"
	"   ----- The following addresses had permanent fatal errors -----\n"
	"<ada@school.example>\n"
	"    (reason: 550 5.1.1 <ada@school.example>... User Unknown)\n"
	"<grace@navy.example>\n"
	"    (reason: 552 5.2.2 Mailbox over quota)\n"
	"\n"
	"   ----- Transcript of session follows -----\n"
	"... while talking to mx.school.example.:\n"
	">>> RCPT To:<ada@school.example>\n"
	"<<< 550 5.1.1 <ada@school.example>... User Unknown\n"
	"... while talking to mx.navy.example.:\n"
	">>> DATA\n"
	"<<< 552 5.2.2 Mailbox over quota\n"
	"\n"
	"--SM\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.net\n"
	"\n"
	"Final-Recipient: RFC822; ada@school.example\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"Remote-MTA: DNS; mx.school.example\n"
	"Diagnostic-Code: SMTP; 550 5.1.1 <ada@school.example>... User Unknown\n"
	"\n"
	"Final-Recipient: RFC822; grace@navy.example\n"
	"Action: failed\n"
	"Status: 5.2.2\n"
	"Remote-MTA: DNS; mx.navy.example\n"
	"Diagnostic-Code: SMTP; 552 5.2.2 Mailbox over quota\n"
	"\n"
	"--SM--\n";

/* The Status field names a dead mailbox; the server's words are vaguer. */
static const char status_over_words[] = DSN_HEAD("")
	"--BB\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.net\n"
	"\n"
	"Final-Recipient: rfc822; ada@school.example\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"Diagnostic-Code: smtp; 550 Requested action not taken: mailbox unavailable\n"
	"\n"
	"Final-Recipient: rfc822; grace@navy.example\n"
	"Action: failed\n"
	"Status: 5.2.1\n"
	"Diagnostic-Code: smtp; 550 Mailbox temporarily unavailable, try again later\n"
	"\n"
	"--BB--\n";

/* A server that puts an address code on a refusal of the sending host. */
static const char status_misused[] = DSN_HEAD("")
	"--BB\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Final-Recipient: rfc822; ada@school.example\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"Diagnostic-Code: smtp; 550 5.1.1 <ada@school.example> - 192.0.2.3 has sent to too\n"
	" many recipients in the last hour, rate limited\n"
	"\n"
	"--BB--\n";

#define ARF_HEAD                                                                           \
	"From: Feedback Loop <fbl@isp.example>\n"                                              \
	"To: abuse@news.example.org\n"                                                         \
	"Subject: Email Feedback Report for IP 192.0.2.3\n"                                    \
	"MIME-Version: 1.0\n"                                                                  \
	"Content-Type: multipart/report; report-type=feedback-report; boundary=\"FB\"\n"       \
	"\n"                                                                                   \
	"--FB\n"                                                                               \
	"Content-Type: text/plain\n"                                                           \
	"\n"                                                                                   \
	"This is an email abuse report for an email message received from IP 192.0.2.3.\n"    \
	"--FB\n"                                                                               \
	"Content-Type: message/feedback-report\n"                                              \
	"\n"                                                                                   \
	"Feedback-Type: abuse\n"                                                               \
	"User-Agent: SomeFBL/2.1\n"                                                            \
	"Version: 1\n"                                                                         \
	"Original-Mail-From: <bounces+Sub-31@news.example.org>\n"

/* One report for one message that reached two of the provider's users. */
static const char arf_two[] = ARF_HEAD
	"Original-Rcpt-To: <reader@isp.example>\n"
	"Original-Rcpt-To: <writer@isp.example>\n"
	"Arrival-Date: Mon, 3 Mar 2025 10:00:00 +0000\n"
	"\n"
	"--FB\n"
	"Content-Type: text/rfc822-headers\n"
	"\n"
	"From: news@news.example.org\n"
	"To: Readers <list@news.example.org>\n"
	"Message-ID: <issue-31@news.example.org>\n"
	"Subject: Issue 31\n"
	"\n"
	"--FB--\n";

/* RFC 6590 redaction: the provider hides who complained. */
static const char arf_redacted[] =
	"From: Feedback Loop <fbl@isp.example>\n"
	"To: abuse@news.example.org\n"
	"Subject: Email Feedback Report for IP 192.0.2.3\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=feedback-report; boundary=\"FB\"\n"
	"\n"
	"--FB\n"
	"Content-Type: text/plain\n"
	"\n"
	"This is an email abuse report.\n"
	"--FB\n"
	"Content-Type: message/feedback-report\n"
	"\n"
	"Feedback-Type: abuse\n"
	"User-Agent: SomeFBL/2.1\n"
	"Version: 1\n"
	"Original-Rcpt-To: <[redacted]@isp.example>\n"
	"Redacted-Address: redacted\n"
	"\n"
	"--FB\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"Return-Path: <bounces+Sub-32@news.example.org>\n"
	"Received: from mx.news.example.org by mx.isp.example\n"
	"\tfor <redacted@isp.example>; Mon, 3 Mar 2025 10:00:00 +0000\n"
	"From: news@news.example.org\n"
	"To: redacted@isp.example\n"
	"Message-ID: <issue-32@news.example.org>\n"
	"Subject: Issue 32\n"
	"\n"
	"Hello\n"
	"--FB--\n";

/* No Original-Rcpt-To: the complained-about message says whom it went to. */
static const char arf_to[] = ARF_HEAD
	"\n"
	"--FB\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"Return-Path: <bounces+Sub-33@news.example.org>\n"
	"From: news@news.example.org\n"
	"To: Reader <Reader@isp.example>\n"
	"Message-ID: <issue-33@news.example.org>\n"
	"Subject: Issue 33\n"
	"\n"
	"Hello\n"
	"--FB--\n";

/* Microsoft's junk-mail reporting program: no ARF part, the recipient in a header. */
static const char jmrp[] =
	"From: staff@hotmail.example\n"
	"To: fbl@news.example.org\n"
	"Subject: complaint about message from 192.0.2.3\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"JM\"\n"
	"\n"
	"--JM\n"
	"Content-Type: text/plain\n"
	"\n"
	"This is a Junk Mail Reporting Program notification.\n"
	"--JM\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"X-HmXmrOriginalRecipient: <reader@hotmail.example>\n"
	"Return-Path: bounces+sub-34@news.example.org\n"
	"From: news@news.example.org\n"
	"To: reader@hotmail.example\n"
	"Message-ID: <issue-34@news.example.org>\n"
	"\n"
	"Hello\n"
	"--JM--\n";

/* A feedback report whose MIME structure a relay flattened into plain text. */
static const char arf_flat[] =
	"From: abuse-reports@isp.example\n"
	"To: abuse@news.example.org\n"
	"Subject: FW: Abuse report\n"
	"Content-Type: text/plain\n"
	"\n"
	"This is an email abuse report for an email message received from IP 192.0.2.3.\n"
	"\n"
	"Feedback-Type: abuse\n"
	"User-Agent: SomeFBL/2.1\n"
	"Version: 1\n"
	"Original-Mail-From: <bounces+sub-35@news.example.org>\n"
	"Original-Rcpt-To: <reader@isp.example>\n"
	"\n"
	"Received: from mx.news.example.org by mx.isp.example\n"
	"Message-ID: <issue-35@news.example.org>\n"
	"From: news@news.example.org\n"
	"To: reader@isp.example\n"
	"\n"
	"Hello\n";

/* A postmaster forwarding the provider's report as an attachment. */
static const char arf_forwarded[] =
	"From: Postmaster <postmaster@isp.example>\n"
	"To: abuse@news.example.org\n"
	"Subject: Fwd: Email Feedback Report\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"OUT\"\n"
	"\n"
	"--OUT\n"
	"Content-Type: text/plain\n"
	"\n"
	"See the report below.\n"
	"--OUT\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"From: fbl@isp.example\n"
	"Subject: Email Feedback Report\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=feedback-report; boundary=\"IN\"\n"
	"\n"
	"--IN\n"
	"Content-Type: text/plain\n"
	"\n"
	"An abuse report.\n"
	"--IN\n"
	"Content-Type: message/feedback-report\n"
	"\n"
	"Feedback-Type: abuse\n"
	"Version: 1\n"
	"Original-Rcpt-To: reader@isp.example\n"
	"\n"
	"--IN\n"
	"Content-Type: text/rfc822-headers\n"
	"\n"
	"Return-Path: <bounces+sub-36@news.example.org>\n"
	"Message-ID: <issue-36@news.example.org>\n"
	"To: reader@isp.example\n"
	"\n"
	"--IN--\n"
	"\n"
	"--OUT--\n";

/* Exim's warning while it keeps trying: no bounce yet. */
static const char exim_delay[] =
	"From: Mail Delivery System <Mailer-Daemon@mail.example.net>\n"
	"To: bounces+sub-40@news.example.org\n"
	"Subject: Warning: message 1tXyZa-000123-AB delayed 24 hours\n"
	"Auto-Submitted: auto-replied\n"
	"\n"
	"This message was created automatically by mail delivery software.\n"
	"A message that you sent has not yet been delivered to one or more of its\n"
	"recipients after more than 24 hours on the queue on mail.example.net.\n"
	"\n"
	"The message identifier is:     1tXyZa-000123-AB\n"
	"\n"
	"The address to which the message has not yet been delivered is:\n"
	"\n"
	"  ada@school.example\n"
	"    host mx.school.example [192.0.2.9]: 451 4.3.0 Temporary local problem\n"
	"\n"
	"No action is required on your part. Delivery attempts will continue for\n"
	"some time, and this warning may be repeated at intervals if the message\n"
	"remains undelivered. Eventually the mail delivery software will give up,\n"
	"and when that happens, the message will be returned to you.\n";

/* Gmail's delay notice: text only, no delivery-status part. */
static const char google_delay[] =
	"From: Mail Delivery Subsystem <mailer-daemon@googlemail.example>\n"
	"To: bounces+sub-41@news.example.org\n"
	"Subject: Delivery Status Notification (Delay)\n"
	"\n"
	"This is an automatically generated Delivery Status Notification\n"
	"\n"
	"THIS IS A WARNING MESSAGE ONLY.\n"
	"\n"
	"YOU DO NOT NEED TO RESEND YOUR MESSAGE.\n"
	"\n"
	"Delivery to the following recipient has been delayed:\n"
	"\n"
	"     ada@school.example\n"
	"\n"
	"Message will be retried for 2 more day(s)\n"
	"\n"
	"Technical details of temporary failure:\n"
	"The recipient server did not accept our requests to connect.\n"
	"[mx.school.example. (10): Connection timed out]\n";

/* A DSN with Action: delayed but only a text part saying so besides. */
static const char postfix_delay[] = DSN_HEAD("")
	"####################################################################\n"
	"# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
	"####################################################################\n"
	"\n"
	"Your message could not be delivered for more than 4 hour(s).\n"
	"It will be retried until it is 5 day(s) old.\n"
	"\n"
	"<ada@school.example>: host mx.school.example[192.0.2.9] said: 452 4.2.2\n"
	"    Mailbox full (in reply to RCPT TO command)\n"
	"\n"
	"--BB\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Final-Recipient: rfc822; ada@school.example\n"
	"Action: delayed\n"
	"Status: 4.2.2\n"
	"Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\n"
	"Will-Retry-Until: Mon, 10 Mar 2025 10:00:00 +0000 (UTC)\n"
	"\n"
	"--BB--\n";

/* vpopmail behind qmail: the reason in qmail's own words, the address on its line. */
static const char qmail_vpop[] =
	"From: MAILER-DAEMON@mx.example.net\n"
	"To: bounces+sub-50@news.example.org\n"
	"Subject: failure notice\n"
	"\n"
	"Hi. This is the qmail-send program at mx.example.net.\n"
	"I'm afraid I wasn't able to deliver your message to the following addresses.\n"
	"This is a permanent error; I've given up. Sorry it didn't work out.\n"
	"If you need help, write to helpdesk@example.net.\n"
	"\n"
	"<ada@school.example>:\n"
	"Sorry, no mailbox here by that name. vpopmail (#5.1.1)\n"
	"\n"
	"--- Below this line is a copy of the message.\n"
	"\n"
	"Return-Path: <bounces+sub-50@news.example.org>\n"
	"Received: (qmail 1234 invoked from network); 3 Mar 2025 10:00:00 -0000\n"
	"From: news@news.example.org\n"
	"To: ada@school.example\n"
	"Message-ID: <issue-50@news.example.org>\n"
	"\n"
	"Hello\n";

/* Exim without X-Failed-Recipients (relayed through a host that drops it). */
static const char exim_plain[] =
	"From: Mail Delivery System <Mailer-Daemon@mail.example.net>\n"
	"To: bounces+sub-51@news.example.org\n"
	"Subject: Mail delivery failed: returning message to sender\n"
	"\n"
	"This message was created automatically by mail delivery software.\n"
	"\n"
	"A message that you sent could not be delivered to one or more of its\n"
	"recipients. This is a permanent error. The following address(es) failed:\n"
	"\n"
	"  grace@navy.example\n"
	"    host mx.navy.example [192.0.2.10]\n"
	"    SMTP error from remote mail server after RCPT TO:<grace@navy.example>:\n"
	"    550 Requested action not taken: mailbox unavailable\n"
	"\n"
	"------ This is a copy of the message, including all the headers. ------\n"
	"\n"
	"Return-path: <bounces+sub-51@news.example.org>\n"
	"From: Newsletter <news@news.example.org>\n"
	"To: grace@navy.example\n"
	"Message-ID: <issue-51@news.example.org>\n"
	"\n"
	"Hello\n";

/*
 * Gmail's notice: the address only inside a sentence, a help address beside
 * it, the returned message attached.
 */
static const char google_notice[] =
	"From: Mail Delivery Subsystem <mailer-daemon@googlemail.example>\n"
	"To: bounces+sub-52@news.example.org\n"
	"Subject: Delivery Status Notification (Failure)\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"GG\"\n"
	"\n"
	"--GG\n"
	"Content-Type: text/plain; charset=UTF-8\n"
	"\n"
	"** Address not found **\n"
	"\n"
	"Your message wasn't delivered to alan@bletchley.example because the address\n"
	"couldn't be found, or is unable to receive mail. Questions? Ask\n"
	"support.team@googlemail.example or see the help centre.\n"
	"\n"
	"The response was:\n"
	"\n"
	"The email account that you tried to reach does not exist. Please try\n"
	"double-checking the recipient's email address for typos or unnecessary spaces.\n"
	"\n"
	"--GG\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"Return-Path: <bounces+sub-52@news.example.org>\n"
	"From: news@news.example.org\n"
	"To: alan@bletchley.example\n"
	"Message-ID: <issue-52@news.example.org>\n"
	"Subject: Issue 52\n"
	"\n"
	"Hello\n"
	"--GG--\n";

/* Orange/Wanadoo style: no address in the text at all, only in the returned copy. */
static const char wanadoo[] =
	"From: Mail Delivery System <MAILER-DAEMON@wanadoo.example>\n"
	"To: bounces+sub-53@news.example.org\n"
	"Subject: Mail delivery failed: returning message to sender\n"
	"Content-Type: text/plain; charset=UTF-8\n"
	"Content-Transfer-Encoding: 8bit\n"
	"\n"
	"Bonjour,\n"
	"\n"
	"Votre message n'a pas pu être remis à son destinataire.\n"
	"Raison : 550 5.1.1 Adresse d'au moins un destinataire invalide.\n"
	"\n"
	"Received: from mx.news.example.org (mx.news.example.org [192.0.2.1])\n"
	"\tby mwinf.wanadoo.example; Mon, 3 Mar 2025 10:00:00 +0100\n"
	"Message-ID: <issue-53@news.example.org>\n"
	"From: news@news.example.org\n"
	"To: claude@wanadoo.example\n"
	"Subject: Issue 53\n"
	"\n"
	"Hello\n";

/* The returned copy's To names nobody; its Received field says whom it was for. */
static const char received_for[] =
	"From: Mail Delivery System <MAILER-DAEMON@wanadoo.example>\n"
	"To: bounces+sub-57@news.example.org\n"
	"Subject: Mail delivery failed\n"
	"\n"
	"Votre message n'a pas pu être remis.\n"
	"Raison : 550 5.1.1 Adresse d'au moins un destinataire invalide.\n"
	"\n"
	"Return-Path: <bounces+sub-57@news.example.org>\n"
	"Received: from mx.news.example.org (mx.news.example.org [192.0.2.1])\n"
	"\tby mwinf.wanadoo.example with ESMTP\n"
	"\tfor <claude@wanadoo.example>; Mon, 3 Mar 2025 10:00:00 +0100\n"
	"Message-ID: <issue-57@news.example.org>\n"
	"From: news@news.example.org\n"
	"To: undisclosed-recipients:;\n"
	"\n"
	"Hello\n";

/* A relay re-sending a bounce inline, below its own notice, as plain text. */
static const char resent_inline[] =
	"From: MAILER-DAEMON@relay.example.net\n"
	"To: bounces+sub-58@news.example.org\n"
	"Subject: Undelivered Mail Returned to Sender\n"
	"Content-Type: text/plain\n"
	"\n"
	"The message below could not be delivered.  For help write to <helpdesk@example.net>.\n"
	"\n"
	"---------------------------------\n"
	"Return-Path: <>\n"
	"Received: by mx.example.net (Postfix) id 1234; Mon, 3 Mar 2025 10:00:00 +0000\n"
	"Received: from news.example.org by mx.example.net; Mon, 3 Mar 2025 10:00:00 +0000\n"
	"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
	"Delivered-To: relay-admin@relay.example.net\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"XX\"\n"
	"\n"
	"--XX\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.net\n"
	"\n"
	"Final-Recipient: rfc822; grace@navy.example\n"
	"Action: failed\n"
	"Status: 4.0.0\n"
	"Diagnostic-Code: X-Postfix; delivery temporarily suspended: host mx.navy.example\n"
	"    refused to talk to me: 421 Service not available\n"
	"\n"
	"--XX--\n";

/* Sendmail v5: the transcript is all there is. */
static const char v5sendmail[] =
	"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\n"
	"To: bounces+sub-54@news.example.org\n"
	"Subject: Returned mail: Host unknown (Name server: nowhere.example: host not found)\n"
	"\n"
	"   ----- Transcript of session follows -----\n"
	"550 <ada@nowhere.example>... Host unknown (Name server: nowhere.example: host not "
	"found)\n"
	"\n"
	"   ----- Unsent message follows -----\n"
	"Received: from news.example.org by mx.example.net (5.65/1.2)\n"
	"\tid AA01234; Mon, 3 Mar 2025 10:00:00 GMT\n"
	"From: news@news.example.org\n"
	"Message-Id: <issue-54@news.example.org>\n"
	"To: ada@nowhere.example\n"
	"\n"
	"Hello\n";

/* No DSN: the enhanced code in the reply says more than its words. */
static const char text_status[] =
	"From: MAILER-DAEMON@mx.example.net\n"
	"To: bounces+sub-55@news.example.org\n"
	"Subject: failure notice\n"
	"\n"
	"Hi. This is the qmail-send program at mx.example.net.\n"
	"I'm afraid I wasn't able to deliver your message to the following addresses.\n"
	"This is a permanent error; I've given up. Sorry it didn't work out.\n"
	"\n"
	"<ada@school.example>:\n"
	"192.0.2.9 does not like recipient.\n"
	"Remote host said: 550 5.2.2 <ada@school.example>... Mailbox unavailable\n"
	"Giving up on 192.0.2.9.\n";

/* Nothing but a basic reply code: it still says the failure was permanent. */
static const char bare_554[] =
	"From: MAILER-DAEMON@mx.example.net\n"
	"To: bounces+sub-56@news.example.org\n"
	"Subject: failure notice\n"
	"\n"
	"<ada@school.example>:\n"
	"Remote host said: 554 Transaction failed\n";

static const char garbage[] = "\x00\x01\x02\xff\xfe garbage \x7f\n\n\x00binary";

/* One failed-recipient expectation; NULL fields are not checked. */
struct want_rcpt {
	const char *recipient;
	int class;
	const char *status;
};

static const struct {
	const char *name;
	const char *msg;
	size_t len;                /* 0: strlen(msg) */
	int rc;
	int class;
	int is_dsn, is_arf, is_autoreply;
	size_t n_rcpts;
	struct want_rcpt rcpts[3];
	const char *verp, *orig_id, *subject;
} rows[] = {
	{"standard DSN", standard_dsn, 0, 0, BOUNCE_HARD, 1, 0, 0, 2,
	 {{"ada@school.example", BOUNCE_HARD, "5.1.1"}, {"grace@navy.example", BOUNCE_SOFT, "5.2.2"}},
	 "sub-4711", "<issue-12@news.example.org>", "Undelivered Mail Returned to Sender"},
	{"DSN to a list's own domain", list_domain_dsn, 0, 0, BOUNCE_HARD, 1, 0, 0, 1,
	 {{"zoe@ecole.example", BOUNCE_HARD, "5.1.1"}}, "sub-77", NULL, NULL},
	{"delayed DSN", delayed_dsn, 0, 0, BOUNCE_OTHER, 1, 0, 0, 1,
	 {{"ada@school.example", BOUNCE_OTHER, "4.4.1"}}, "sub-4711", NULL, NULL},
	{"success DSN", delivered_dsn, 0, 0, BOUNCE_OTHER, 1, 0, 0, 1,
	 {{"ada@school.example", BOUNCE_OTHER, "2.0.0"}}, "sub-4711", NULL, NULL},
	{"ARF complaint", arf, 0, 0, BOUNCE_COMPLAINT, 0, 1, 0, 1,
	 {{"reader@isp.example", BOUNCE_COMPLAINT, NULL}}, "sub-99",
	 "<issue-13@news.example.org>", "Abuse report"},
	{"RFC 3834 auto-reply", rfc3834, 0, 0, BOUNCE_AUTOREPLY, 0, 0, 1, 1,
	 {{"ada@school.example", BOUNCE_AUTOREPLY, NULL}}, NULL, NULL, NULL},
	{"vacation subject", vacation, 0, 0, BOUNCE_AUTOREPLY, 0, 0, 1, 1,
	 {{"grace@navy.example", BOUNCE_AUTOREPLY, NULL}}, NULL, NULL,
	 "Abwesenheitsnotiz: Issue 12"},
	{"vacation body only", vacation_body, 0, 0, BOUNCE_AUTOREPLY, 0, 0, 1, 1,
	 {{"grace@navy.example", BOUNCE_AUTOREPLY, NULL}}, NULL, NULL, NULL},
	{"qmail", qmail, 0, 0, BOUNCE_HARD, 0, 0, 0, 2,
	 {{"ada@school.example", BOUNCE_HARD, "5.1.1"}, {"grace@navy.example", BOUNCE_SOFT, NULL}},
	 "sub-5", "<issue-14@news.example.org>", NULL},
	{"Exim (auto-replied, still a bounce)", exim, 0, 0, BOUNCE_HARD, 0, 0, 0, 1,
	 {{"linus@kernel.example", BOUNCE_HARD, "5.1.1"}}, "sub-6", "<issue-15@news.example.org>",
	 NULL},
	{"Postfix with returned headers", postfix, 0, 0, BOUNCE_SOFT, 1, 0, 0, 1,
	 {{"alan@bletchley.example", BOUNCE_SOFT, "5.7.1"}}, "abc-123",
	 "<Issue-16.x@news.example.org>", NULL},
	{"postmaster on holiday", postmaster_away, 0, 0, BOUNCE_AUTOREPLY, 0, 0, 1, 1,
	 {{"postmaster@school.example", BOUNCE_AUTOREPLY, NULL}}, NULL, NULL, NULL},
	{"postmaster answering", postmaster_reply, 0, 0, BOUNCE_OTHER, 0, 0, 0, 0, {{NULL, 0, NULL}},
	 NULL, NULL, NULL},
	{"Amazon SES JSON", ses_json, 0, 0, BOUNCE_HARD, 1, 0, 0, 1,
	 {{"ada@school.example", BOUNCE_HARD, "5.1.1"}}, NULL, NULL, NULL},
	/*
	 * "User unknown" read after DATA is still a dead address: with PIPELINING
	 * the RCPT TO reply arrives after DATA was sent, and a filter that lies
	 * about the mailbox has said what it wants done.
	 */
	{"user unknown after DATA", after_data, 0, 0, BOUNCE_HARD, 0, 0, 0, 1,
	 {{"ada@school.example", BOUNCE_HARD, "5.1.1"}}, "sub-9", NULL, NULL},
	{"host name does not exist", host_gone, 0, 0, BOUNCE_HARD, 0, 0, 0, 3,
	 {{"ada@school.example", BOUNCE_HARD, "5.1.2"}, {"grace@navy.example", BOUNCE_HARD, "5.1.1"},
	  {"alan.turing@bletchley.example", BOUNCE_HARD, "5.1.1"}},
	 "sub-10", NULL, NULL},
	{"per-recipient statuses", multi_status_dsn, 0, 0, BOUNCE_HARD, 1, 0, 0, 2,
	 {{"ada@school.example", BOUNCE_HARD, "5.1.1"}, {"grace@navy.example", BOUNCE_SOFT, "5.2.2"}},
	 "sub-20", NULL, NULL},
	{"Status wins over vague words", status_over_words, 0, 0, BOUNCE_HARD, 1, 0, 0, 2,
	 {{"ada@school.example", BOUNCE_HARD, "5.1.1"}, {"grace@navy.example", BOUNCE_HARD, "5.2.1"}},
	 "sub-4711", NULL, NULL},
	{"address code on a rate limit", status_misused, 0, 0, BOUNCE_SOFT, 1, 0, 0, 1,
	 {{"ada@school.example", BOUNCE_SOFT, "5.1.1"}}, "sub-4711", NULL, NULL},
	{"ARF, two Original-Rcpt-To", arf_two, 0, 0, BOUNCE_COMPLAINT, 0, 1, 0, 2,
	 {{"reader@isp.example", BOUNCE_COMPLAINT, NULL}, {"writer@isp.example", BOUNCE_COMPLAINT, NULL}},
	 "sub-31", "<issue-31@news.example.org>", NULL},
	{"ARF, redacted", arf_redacted, 0, 0, BOUNCE_COMPLAINT, 0, 1, 0, 1,
	 {{"", BOUNCE_COMPLAINT, NULL}}, "sub-32", "<issue-32@news.example.org>", NULL},
	{"ARF, recipient from the returned To", arf_to, 0, 0, BOUNCE_COMPLAINT, 0, 1, 0, 1,
	 {{"Reader@isp.example", BOUNCE_COMPLAINT, NULL}}, "sub-31", "<issue-33@news.example.org>",
	 NULL},
	{"Microsoft JMRP complaint", jmrp, 0, 0, BOUNCE_COMPLAINT, 0, 1, 0, 1,
	 {{"reader@hotmail.example", BOUNCE_COMPLAINT, NULL}}, "sub-34",
	 "<issue-34@news.example.org>", NULL},
	{"ARF flattened into text", arf_flat, 0, 0, BOUNCE_COMPLAINT, 0, 1, 0, 1,
	 {{"reader@isp.example", BOUNCE_COMPLAINT, NULL}}, "sub-35", "<issue-35@news.example.org>",
	 NULL},
	{"ARF forwarded as an attachment", arf_forwarded, 0, 0, BOUNCE_COMPLAINT, 0, 1, 0, 1,
	 {{"reader@isp.example", BOUNCE_COMPLAINT, NULL}}, "sub-36", "<issue-36@news.example.org>",
	 NULL},
	{"Exim delay warning", exim_delay, 0, 0, BOUNCE_OTHER, 1, 0, 0, 1,
	 {{"ada@school.example", BOUNCE_OTHER, NULL}}, "sub-40", NULL, NULL},
	{"Gmail delay notice", google_delay, 0, 0, BOUNCE_OTHER, 1, 0, 0, 1,
	 {{"ada@school.example", BOUNCE_OTHER, NULL}}, "sub-41", NULL, NULL},
	{"Postfix delay DSN", postfix_delay, 0, 0, BOUNCE_OTHER, 1, 0, 0, 1,
	 {{"ada@school.example", BOUNCE_OTHER, "4.2.2"}}, "sub-4711", NULL, NULL},
	{"qmail and vpopmail", qmail_vpop, 0, 0, BOUNCE_HARD, 0, 0, 0, 1,
	 {{"ada@school.example", BOUNCE_HARD, "5.1.1"}}, "sub-50", "<issue-50@news.example.org>",
	 NULL},
	{"Exim without X-Failed-Recipients", exim_plain, 0, 0, BOUNCE_HARD, 0, 0, 0, 1,
	 {{"grace@navy.example", BOUNCE_HARD, NULL}}, "sub-51", "<issue-51@news.example.org>", NULL},
	{"Gmail notice, address in a sentence", google_notice, 0, 0, BOUNCE_HARD, 0, 0, 0, 1,
	 {{"alan@bletchley.example", BOUNCE_HARD, NULL}}, "sub-52", "<issue-52@news.example.org>",
	 NULL},
	{"Wanadoo notice, address only returned", wanadoo, 0, 0, BOUNCE_HARD, 0, 0, 0, 1,
	 {{"claude@wanadoo.example", BOUNCE_HARD, "5.1.1"}}, "sub-53",
	 "<issue-53@news.example.org>", NULL},
	{"recipient from the returned Received", received_for, 0, 0, BOUNCE_HARD, 0, 0, 0, 1,
	 {{"claude@wanadoo.example", BOUNCE_HARD, "5.1.1"}}, "sub-57",
	 "<issue-57@news.example.org>", NULL},
	{"bounce re-sent inline", resent_inline, 0, 0, BOUNCE_SOFT, 1, 0, 0, 1,
	 {{"grace@navy.example", BOUNCE_SOFT, "4.0.0"}}, "sub-58", NULL, NULL},
	{"sendmail v5 transcript", v5sendmail, 0, 0, BOUNCE_HARD, 0, 0, 0, 1,
	 {{"ada@nowhere.example", BOUNCE_HARD, NULL}}, "sub-54", "<issue-54@news.example.org>",
	 NULL},
	{"enhanced code in a text bounce", text_status, 0, 0, BOUNCE_SOFT, 0, 0, 0, 1,
	 {{"ada@school.example", BOUNCE_SOFT, "5.2.2"}}, "sub-55", NULL, NULL},
	{"bare 554", bare_554, 0, 0, BOUNCE_HARD, 0, 0, 0, 1,
	 {{"ada@school.example", BOUNCE_HARD, "5.0.0"}}, "sub-56", NULL, NULL},
	{"ordinary mail", ordinary, 0, 0, BOUNCE_OTHER, 0, 0, 0, 0, {{NULL, 0, NULL}}, NULL, NULL,
	 "Loved issue 12"},
	{"garbage", garbage, sizeof(garbage) - 1, -1, BOUNCE_OTHER, 0, 0, 0, 0, {{NULL, 0, NULL}},
	 NULL, NULL, NULL},
	{"empty", "", 0, -1, BOUNCE_OTHER, 0, 0, 0, 0, {{NULL, 0, NULL}}, NULL, NULL, NULL},
};

/* crlf - msg with every LF made CRLF, in a fresh buffer. */
static char *
crlf(const char *msg, size_t len, size_t *out_len)
{
	struct buf b;

	buf_init(&b, 2 * len + 1);
	for (size_t i = 0; i < len; i++) {
		if (msg[i] == '\n')
			buf_addc(&b, '\r');
		buf_addc(&b, msg[i]);
	}
	*out_len = b.len;
	return buf_steal(&b);
}

static const char *
name_of(int class)
{
	return bounce_class_name(class);
}

/* check_row - parse one row's message; the failures, printed, counted. */
static int
check_row(size_t i, const char *msg, size_t len, const char *variant)
{
	struct bounce_report r;
	struct error err = ERROR_INIT;
	int failed = 0, rc;

#define BAD(...)                                                                           \
	do {                                                                                   \
		print_error("%s (%s): ", rows[i].name, variant);                                   \
		print_error(__VA_ARGS__);                                                          \
		print_error("\n");                                                                 \
		failed++;                                                                          \
	} while (0)

	rc = bounce_parse(msg, len, "bounces", &r, &err);
	if (rc != rows[i].rc) {
		BAD("got rc %d (%s), want %d", rc, error_msg(&err), rows[i].rc);
		error_clear(&err);
		if (rc == 0)
			bounce_report_free(&r);
		return failed;
	}
	error_clear(&err);
	if (rc != 0) {
		if (r.n_rcpts != 0 || r.rcpts != NULL)
			BAD("got %zu recipients after a failure, want none", r.n_rcpts);
		return failed;
	}
	if (r.class != rows[i].class)
		BAD("got class %s, want %s", name_of(r.class), name_of(rows[i].class));
	if (r.is_dsn != rows[i].is_dsn || r.is_arf != rows[i].is_arf ||
	    r.is_autoreply != rows[i].is_autoreply)
		BAD("got dsn/arf/autoreply %d/%d/%d, want %d/%d/%d", r.is_dsn, r.is_arf,
		    r.is_autoreply, rows[i].is_dsn, rows[i].is_arf, rows[i].is_autoreply);
	/* The delay warnings, and only they, are rows named for a delay. */
	if (r.is_delay != (strstr(rows[i].name, "delay") != NULL))
		BAD("got is_delay %d, want %d", r.is_delay, strstr(rows[i].name, "delay") != NULL);
	if (r.n_rcpts != rows[i].n_rcpts)
		BAD("got %zu recipients, want %zu", r.n_rcpts, rows[i].n_rcpts);
	for (size_t k = 0; k < r.n_rcpts && k < rows[i].n_rcpts && k < 3; k++) {
		const struct want_rcpt *w = &rows[i].rcpts[k];
		const struct bounce_rcpt *g = &r.rcpts[k];

		/* "" asks for no address at all: a redacted or unknown recipient. */
		if (w->recipient && *w->recipient == '\0' && g->recipient != NULL)
			BAD("recipient %zu: got '%s', want none", k, g->recipient);
		else if (w->recipient && *w->recipient && !str_eq(g->recipient, w->recipient))
			BAD("recipient %zu: got '%s', want '%s'", k, g->recipient ? g->recipient : "(null)",
			    w->recipient);
		if (g->class != w->class)
			BAD("recipient %zu: got class %s (%s), want %s", k, name_of(g->class),
			    g->reason ? g->reason : "-", name_of(w->class));
		if (w->status && !str_eq(g->status, w->status))
			BAD("recipient %zu: got status '%s', want '%s'", k,
			    g->status ? g->status : "(null)", w->status);
	}
	if (!str_eq(r.verp, rows[i].verp))
		BAD("got verp '%s', want '%s'", r.verp ? r.verp : "(null)",
		    rows[i].verp ? rows[i].verp : "(null)");
	if (rows[i].orig_id && !str_eq(r.original_message_id, rows[i].orig_id))
		BAD("got original Message-ID '%s', want '%s'",
		    r.original_message_id ? r.original_message_id : "(null)", rows[i].orig_id);
	if (rows[i].subject && !str_eq(r.subject, rows[i].subject))
		BAD("got subject '%s', want '%s'", r.subject ? r.subject : "(null)", rows[i].subject);
	bounce_report_free(&r);
#undef BAD
	return failed;
}

static void
test_rows(void **state)
{
	int failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t len = rows[i].len ? rows[i].len : strlen(rows[i].msg), clen;
		char *c = crlf(rows[i].msg, len, &clen);

		failed += check_row(i, rows[i].msg, len, "LF");
		failed += check_row(i, c, clen, "CRLF");
		free(c);
	}
	if (failed)
		fail_msg("%d checks failed over %zu messages", failed, sizeof(rows) / sizeof(rows[0]));
}

/* A report naming 1000 recipients yields BOUNCE_MAX_RCPTS of them, quickly. */
static void
test_many_recipients(void **state)
{
	struct bounce_report r;
	struct error err = ERROR_INIT;
	struct buf b;
	int64_t t0;

	(void)state;
	buf_init(&b, 1 << 20);
	buf_adds(&b, DSN_HEAD("") "--BB\nContent-Type: message/delivery-status\n\n"
	             "Reporting-MTA: dns; mx.example.net\n\n");
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "Final-Recipient: rfc822; user%d@school.example\nAction: failed\n"
		             "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n\n", i);
	buf_adds(&b, "--BB--\n");
	t0 = now_mono_ms();
	if (bounce_parse(b.data, b.len, "bounces", &r, &err) != 0)
		fail_msg("got error '%s', want a report", error_msg(&err));
	if (r.n_rcpts != BOUNCE_MAX_RCPTS)
		fail_msg("got %zu recipients, want %d", r.n_rcpts, BOUNCE_MAX_RCPTS);
	if (r.class != BOUNCE_HARD)
		fail_msg("got class %s, want hard", name_of(r.class));
	if (!str_eq(r.rcpts[BOUNCE_MAX_RCPTS - 1].recipient, "user255@school.example"))
		fail_msg("got last recipient '%s', want 'user255@school.example'",
		         r.rcpts[BOUNCE_MAX_RCPTS - 1].recipient);
	if (now_mono_ms() - t0 > 2000)
		fail_msg("got %lld ms for 1000 recipients, want under 2000",
		         (long long)(now_mono_ms() - t0));
	bounce_report_free(&r);
	buf_free(&b);

	/* An SES delivery notice: each recipient carries the one SMTP response. */
	buf_init(&b, 1 << 20);
	buf_adds(&b, "From: no-reply@sns.example\nSubject: Delivery\n\n"
	             "{\"notificationType\":\"Delivery\",\"delivery\":{\"recipients\":[");
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "%s\"user%d@school.example\"", i ? "," : "", i);
	buf_adds(&b, "],\"smtpResponse\":\"250 2.0.0 OK queued\"}}\n");
	if (bounce_parse(b.data, b.len, "bounces", &r, &err) != 0)
		fail_msg("SES: got error '%s', want a report", error_msg(&err));
	if (r.n_rcpts != BOUNCE_MAX_RCPTS)
		fail_msg("SES: got %zu recipients, want %d", r.n_rcpts, BOUNCE_MAX_RCPTS);
	if (r.class != BOUNCE_OTHER)
		fail_msg("SES: got class %s, want other", name_of(r.class));
	if (!str_eq(r.rcpts[BOUNCE_MAX_RCPTS - 1].diagnostic, "250 2.0.0 OK queued"))
		fail_msg("SES: got last diagnostic '%s', want the SMTP response",
		         r.rcpts[BOUNCE_MAX_RCPTS - 1].diagnostic ? r.rcpts[BOUNCE_MAX_RCPTS - 1].diagnostic
		                                                  : "(null)");
	bounce_report_free(&r);
	buf_free(&b);
}

/* Over BOUNCE_MAX_MESSAGE is refused before a byte is read; long fields are cut. */
static void
test_limits(void **state)
{
	struct bounce_report r;
	struct error err = ERROR_INIT;
	struct buf b;
	char *big;

	(void)state;
	big = xcalloc(1, (size_t)BOUNCE_MAX_MESSAGE + 1);
	memcpy(big, "From: a@b.example\n\n", 19);
	if (bounce_parse(big, (size_t)BOUNCE_MAX_MESSAGE + 1, "bounces", &r, &err) == 0)
		fail_msg("got a report for %d bytes, want a refusal", BOUNCE_MAX_MESSAGE + 1);
	if (err.msg == NULL || strstr(err.msg, "limit") == NULL)
		fail_msg("got error '%s', want one naming the limit", error_msg(&err));
	error_clear(&err);
	free(big);

	/* A 100 KB Subject and Diagnostic-Code come back cut, not whole and not lost. */
	buf_init(&b, 1 << 20);
	buf_adds(&b, "From: MAILER-DAEMON@mx.example.net\nSubject: ");
	for (int i = 0; i < 10000; i++)
		buf_adds(&b, "undelivery");
	buf_adds(&b, "\nContent-Type: multipart/report; boundary=\"BB\"\n\n--BB\n"
	             "Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@b.example\n"
	             "Action: failed\nStatus: 5.2.2\nDiagnostic-Code: smtp; 552 ");
	for (int i = 0; i < 10000; i++)
		buf_adds(&b, "full full ");
	buf_adds(&b, "\n\n--BB--\n");
	if (bounce_parse(b.data, b.len, "bounces", &r, &err) != 0)
		fail_msg("got error '%s', want a report", error_msg(&err));
	if (r.subject == NULL || strlen(r.subject) > 4096)
		fail_msg("got subject of %zu bytes, want at most 4096",
		         r.subject ? strlen(r.subject) : 0);
	if (r.n_rcpts != 1 || r.rcpts[0].diagnostic == NULL || strlen(r.rcpts[0].diagnostic) > 4096)
		fail_msg("got %zu recipients / diagnostic of %zu bytes, want 1 / at most 4096",
		         r.n_rcpts, r.n_rcpts && r.rcpts[0].diagnostic ? strlen(r.rcpts[0].diagnostic)
		                                                       : 0);
	bounce_report_free(&r);
	buf_free(&b);
}

/* Nesting that would take libetpan's recursive parser past the stack. */
static void
test_nesting(void **state)
{
	static const char *const unit[] = {
		"Content-Type: message/rfc822\n\n",
		"Content-Type : multipart/mixed; boundary=b\n\n--b\n",
		"(",
	};
	struct bounce_report r;
	struct error err = ERROR_INIT;
	struct buf b;

	(void)state;
	for (size_t u = 0; u < sizeof(unit) / sizeof(unit[0]); u++) {
		buf_init(&b, BOUNCE_MAX_MESSAGE);
		buf_adds(&b, u == 2 ? "From: a@b.example " : "From: a@b.example\n");
		while (buf_adds(&b, unit[u]) == BUF_OK && b.len < 4000000)
			;
		buf_adds(&b, "\n\nbody\n");
		if (bounce_parse(b.data, b.len, "bounces", &r, &err) != 0)
			fail_msg("nesting %zu: got error '%s', want a report", u, error_msg(&err));
		if (r.class != BOUNCE_OTHER)
			fail_msg("nesting %zu: got class %s, want other", u, name_of(r.class));
		bounce_report_free(&r);
		buf_free(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_many_recipients),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_nesting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
