/*
 * bounce_phrases - the phrase tables of bounce_rules, as data: what MTAs
 * say when they give up, why, and what people and MTAs say in auto-replies
 * and delay warnings.  Each row names the phenomenon it reads (an MTA's way
 * of saying a thing), never one message.  bounce_rules.c says how a pattern
 * matches and in what order the rows are tried.
 */
#include "bounce_phrases.h"

#include "bounce.h"

#define H BOUNCE_HARD
#define S BOUNCE_SOFT

/*
 * Alternatives are separated by '|'.  Each must match on word boundaries,
 * unless it ends in '*' (a prefix: "throttl*").  A leading "%h " asks for a
 * bare host name just before the rest: "%h does not exist" is a domain that
 * does not exist, where "<user@host> does not exist" is a mailbox.  Order
 * matters; see above.
 */
const struct bounce_rule brules_table[] = {
	/* --- The mailbox exists and is full: a quota, not a dead address. --- */
	/* How sendmail, Postfix, Exim, Dovecot and Courier word a full mailbox. */
	{"mailbox full|mailbox is full|mailbox is currently full|mailbox was full|full mailbox|"
	 "mailbox has exceeded|mailbox exceeded|mailbox exceeds|mailbox size limit|"
	 "mailbox size exceeded|mail box full|inbox is full|account is full|mailfolder is full|"
	 "recipient's mailbox is full|too many messages in this mailbox",
	 "mailboxfull", S, "5.2.2", 0},
	/* Quota wording (Dovecot "quota exceeded", maildrop "maildir over quota", Exchange "over
	 * its quota"), with bare "quota" last: a bounce that speaks of one is about storage. */
	{"mailbox quota|mail quota|quota exceeded|quota exceed*|over quota|overquota|over its quota|"
	 "over the quota|exceeded quota|exceeded his quota|exceeded her quota|user is over|"
	 "user has exceeded|would exceed the quota|would exceed mailbox|maildir over quota|"
	 "quota full|disk quota|quota",
	 "mailboxfull", S, "5.2.2", 0},
	/* Storage wording: RFC 821's "exceeded storage allocation" (552) and its variants. */
	{"exceeded storage allocation|exceeds storage|exceeded the storage|insufficient storage|"
	 "out of storage|not enough storage|storage full|storage limit|exceeds allowed size",
	 "mailboxfull", S, "5.2.2", 0},
	/* French providers (Orange, Free): "boîte pleine" without its accent. */
	{"boite pleine",
	 "mailboxfull", S, "5.2.2", 0},
	/* --- The message, not the mailbox: size and recipient count. --- */
	/* A message over the receiving server's size limit (SMTP 552, RFC 1870 SIZE). */
	{"message too big|message too large|message is too large|message is too big|"
	 "message size exceeds|message size limit|exceeds size limit|exceeds the size limit|"
	 "exceeds maximum message size|exceeds the maximum message size|message length exceeds|"
	 "larger than the maximum|mail size limit|size exceeds the maximum|message file too big|"
	 "too big for this system|maximum message size|size limit exceeded|message exceeds",
	 "mesgtoobig", S, "5.3.4", 0},
	/* Too many recipients in one message or one hour (RFC 5321 452 and policy limits). */
	{"exceeded the max number of recipients|too many recipients|recipient limit|"
	 "exceeds the limit|limit exceeded|exceeded limit|exceeds administrative limit",
	 "exceedlimit", S, "5.2.3", 0},
	/* --- The sender's side: connections, rate, reputation, authentication. --- */
	/* Per-client connection limits ("421 Too many concurrent SMTP connections"). */
	{"too many connections|too many concurrent|connection limit|too many simultaneous|"
	 "too many sessions",
	 "toomanyconn", S, "4.3.2", 0},
	/* Rate limiting of the sender, and Gmail's "receiving mail at a rate that prevents
	 * additional messages" for a recipient flooded with mail. */
	{"rate limit*|too many messages|too much mail|sending rate|receiving mail at a rate|"
	 "throttl*|exceeded the rate|sending too fast|rate exceeded",
	 "speeding", S, "4.7.0", 0},
	/* Anti-virus gateways (amavis, ClamAV milters) refusing an infected message. */
	{"virus|malware|infected|trojan|malicious",
	 "virusdetected", S, "5.7.0", 0},
	/* A server that is not the recipient's refusing to relay (Postfix "Relay access denied"). */
	{"relay access denied|relaying denied|relay denied|relay not permitted|unable to relay|"
	 "relaying not allowed|relaying is not allowed|we do not relay|not permitted to relay|"
	 "no relaying|relay not allowed|not allowed to relay|relaying prohibited|open relay",
	 "norelaying", S, "5.7.1", 0},
	/* The sending host has no reverse DNS (Postfix reject_unknown_client_hostname, sendmail
	 * "IP name lookup failed", Exim "no PTR"). */
	{"reverse dns|reverse lookup|reverse hostname|reverse-dns|no ptr|ptr record|rdns|"
	 "cannot find your hostname|can't find your hostname|cannot resolve your|"
	 "hostname of your ip|does not have a ptr|have a ptr|unresolvable|your ip has no|"
	 "not resolve your address|ip name lookup failed|name lookup failed for",
	 "requireptr", S, "5.7.25", 0},
	/* SPF, DKIM and DMARC failures (RFC 7372 5.7.23-5.7.26 and providers' own words). */
	{"spf|dkim|dmarc|sender policy framework|not authorized to send on behalf|"
	 "unauthenticated email|unauthenticated mail|failed authentication checks|"
	 "authentication checks|does not designate",
	 "authfailure", S, "5.7.26", 0},
	/* The receiver demands TLS the sender did not offer or could not negotiate. */
	{"starttls|tls required|tls is required|must issue a starttls|encryption required|"
	 "requires tls|tls negotiation failed|tls handshake",
	 "failedstarttls", S, "5.7.10", 0},
	/* Reputation-based refusals (Microsoft, Yahoo, Gmail "low reputation of the domain"). */
	{"poor reputation|bad reputation|low reputation|reputation of|sender reputation|"
	 "ip reputation|domain reputation",
	 "badreputation", S, "5.7.1", 0},
	/* Content classified as spam or phishing by the receiver's filter. */
	{"spam|junk mail|unsolicited|bulk email|bulk mail|classified as bulk|content rejected|"
	 "message content|suspicious content|phishing",
	 "spamdetected", S, "5.7.1", 0},
	/* The sending IP on a DNS blocklist, or blocked outright ("554 ... blocked using
	 * zen.spamhaus.org", Yahoo "invalid IP for sending mail", qmail's "Connected to ...
	 * but my name was rejected" when the HELO name is refused). */
	{"blacklist*|blocklist*|black list|block list|dnsbl|rbl|spamhaus|spamcop|sorbs|"
	 "barracudacentral|uribl|surbl|your ip|ip blocked|ip banned|client host rejected|banned|"
	 "my name was rejected|not accepting connections|invalid ip|blocked",
	 "blocked", S, "5.7.1", 0},
	/* A mailbox that exists but is switched off: disabled, suspended, inactive, frozen. */
	{"account disabled|account is disabled|account has been disabled|mailbox disabled|"
	 "mailbox is disabled|mailbox has been disabled|account is inactive|inactive account|"
	 "mailbox is inactive|mailbox inactive|suspended|account expired|account has expired|"
	 "account is locked|account locked|mailbox locked|deactivated|temporarily disabled|"
	 "is not active|is inactive|no longer active|has been frozen|mailbox is frozen|account frozen|"
	 "disabled",
	 "suspend", S, "5.2.1", 0},
	/* The recipient left a new address behind (RFC 3463 X.1.6; sendmail "User has moved"). */
	{"has moved|address has changed|moved permanently|no longer valid|changed address",
	 "hasmoved", H, "5.1.6", 0},
	/* --- The sender, not the recipient, was refused: sender verification, mailing lists
	 * that take posts from members only (Mailman, fml, Google Groups). --- */
	{"sender rejected|sender address rejected|rejected sender|sender verify failed|"
	 "sender verification|invalid sender|sender is not allowed|sender domain|"
	 "domain of sender|from address rejected|not a member|not member|are not allowed to post|"
	 "not authorized to post|you do not have permission|not have permission|"
	 "sender denied|senders are not allowed",
	 "rejected", S, "5.7.1", 0},
	/* --- The address or its domain is not there. --- */
	/* The domain has no DNS or no route: resolver and MTA wording ("Host unknown",
	 * "Unrouteable mail domain", "Name or service not known", "%h does not exist" for a
	 * bare host name before the words). */
	{"host unknown|unknown host|host not found|domain not found|no such domain|"
	 "domain does not exist|domain doesn't exist|name or service not known|"
	 "unrouteable mail domain|unroutable mail domain|unrouteable domain|"
	 "host or domain name not found|domain name not found|nxdomain|unknown domain|"
	 "couldn't find any host|could not find any host|non-existent domain|"
	 "domain is not valid|invalid domain|no such host|host name lookup failure|"
	 "domain could not be found|mx records point to non-existent|no route to domain|"
	 "not a valid domain|unable to route|cannot route|can't route|routing failed|"
	 "domain is not reachable|host ~not found|lookup failure|%h does not exist|"
	 "%h doesn't exist",
	 "hostunknown", H, "5.1.2", 0},
	/* The mailbox does not exist: RFC 5321 550 wording as sendmail, Postfix, Exim, qmail,
	 * Courier and Dovecot write it ("User unknown", "No such user", "Unknown local part",
	 * "mailbox unavailable"). */
	{"user unknown|unknown user|no such user|no such mailbox|no such recipient|"
	 "no such account|no such address|no such person|unknown recipient|recipient unknown|"
	 "unknown address|address unknown|addressee unknown|invalid recipient|"
	 "recipient invalid|invalid mailbox|mailbox unavailable|mailbox not found|"
	 "mailbox does not exist|mailbox doesn't exist|address does not exist|"
	 "address doesn't exist|user does not exist|user doesn't exist|account does not exist|"
	 "account doesn't exist|recipient does not exist|recipient doesn't exist|"
	 "does not exist|doesn't exist|not a valid mailbox|unknown local part|"
	 "unknown local-part|user not found|recipient not found|address not found|"
	 "unrouteable address|unroutable address|no mailbox|no valid recipients|"
	 "invalid address|invalid recipient address|not a valid user|not a valid recipient|"
	 "undeliverable address|no such local user|unknown mailbox|mailbox unknown|"
	 "user invalid|invalid user|bad recipient|recipient rejected|"
	 "no longer with|no longer exists|no longer in use|nonexistent|non-existent|inexistent",
	 "userunknown", H, "5.1.1", 0},
	/* Providers' and appliances' own templates for an unknown mailbox: Exchange 2003 "The
	 * recipient name is not recognized", Lotus Notes "User not listed in public Name &
	 * Address Book", Yahoo "This user doesn't have a ... account", Exchange Online's
	 * directory-based edge blocking "Recipient address rejected: Access denied",
	 * AOL/Verizon "not our customer", InterScan "please check if address is correct",
	 * sendmail "unknown or illegal alias". */
	{"is not a known user|not our customer|user not listed|not listed in|"
	 "name is not recognized|unknown or illegal alias|check if address is correct|"
	 "recipient address rejected: access denied|user doesn't have a|"
	 "does not have an account|no account|there is no one|unknown to this",
	 "userunknown", H, "5.1.1", 0},
	/* The same in German, Spanish, French and Italian bounces. */
	{"unbekannt|existiert nicht|inexistente|introuvable|inconnu|sconosciuto",
	 "userunknown", H, "5.1.1", 0},
	/* The domain takes no mail at all: RFC 7505 null MX, no MX and no address. */
	{"does not accept mail|accepts no mail|does not receive mail|null mx|no mx found|"
	 "no mx record|no mail exchanger|not accepting mail|not accept mail|domain has no",
	 "notaccept", H, "5.1.10", 0},
	/* --- The path or the server failed. --- */
	/* The queue lifetime ran out (Exim "retry timeout exceeded", sendmail "Cannot send
	 * message for 5 days", Gmail "The recipient server did not accept our requests to
	 * connect", Notes "could not find a gateway"). */
	{"retry timeout exceeded|message expired|delivery time expired|time expired|"
	 "could not be delivered for|cannot send message for|queue time|too long in queue|"
	 "been in the queue too long|timeout exceeded|retry time|message timeout|"
	 "was not delivered within|delivery expired|unable to deliver for|delivery period|"
	 "has been expired|message has expired|delivery failed ~attempts|"
	 "did not accept our requests to connect|could not find a gateway",
	 "expired", S, "5.4.7", 0},
	/* Connections that failed, DNS errors and mail loops (RFC 3463 X.4.x). */
	{"connection refused|connection timed out|no route to host|network is unreachable|"
	 "host is unreachable|server unreachable|mail loop|hop count exceeded|too many hops|"
	 "loops back to myself|routing loop|loop detected|dns error|temporary dns|"
	 "unable to connect|could not connect|connection reset|lost connection|"
	 "connection dropped|network error|socket error",
	 "networkerror", S, "5.4.0", 0},
	/* Local delivery programs that failed (procmail, a pipe's exit code). */
	{"mailer error|command died|command failed|exit code|procmail|unknown mailer|"
	 "delivery program|mailer failure",
	 "mailererror", S, "5.3.0", 0},
	/* The receiving system is out of disk, not the mailbox over quota. */
	{"system full|disk full|no space left|insufficient system storage|file system full",
	 "systemfull", S, "4.3.1", 0},
	/* Internal failures of the receiving server. */
	{"system error|internal error|configuration error|server error|system failure|"
	 "local error|i/o error|resources temporarily unavailable",
	 "systemerror", S, "5.3.0", 0},
	/* The SMTP dialogue itself went wrong (RFC 5321 500-504 and 553 syntax replies). */
	{"syntax error|command unrecognized|unrecognized command|bad command|invalid command|"
	 "malformed address|malformed recipient|line too long|address syntax|bad syntax|"
	 "invalid syntax|parameter not implemented|command not implemented",
	 "syntaxerror", S, "5.5.2", 0},
	/* A message the receiver holds not to follow RFC 5322 (headers missing or repeated). */
	{"rfc 5322|rfc5322|rfc 2822|rfc2822|not compliant|non-compliant|not rfc compliant|"
	 "header error|invalid header|malformed header|duplicate header|missing header|"
	 "improper header",
	 "notcompliantrfc", S, "5.7.0", 0},
	/* Refusals that name a policy without saying which. */
	{"content policy|policy violation|violates|violation of|prohibited content|"
	 "against our policy|against policy|local policy|security policy|policy reasons|"
	 "due to policy",
	 "policyviolation", S, "5.7.0", 0},
	/* A content filter or the recipient's own filter refused the message. */
	{"filtered|content filter|rejected by filter|refused by filter|by a filter|"
	 "does not accept messages from|recipient has blocked|blocked by recipient|"
	 "only accepts mail from|recipient's filter|mail filter",
	 "filtered", S, "5.2.0", 0},
	/* --- Vague words: only when no status code and no strong phrase names a reason. --- */
	/* "Giving up" and the like without saying on what. */
	{"expired|giving up|maximum time",
	 "expired", S, "5.4.7", 1},
	/* A network failure named loosely. */
	{"timed out|unreachable|not reachable|connection closed|dns lookup",
	 "networkerror", S, "5.4.0", 1},
	/* "Not allowed" and "prohibited" without the policy's name. */
	{"policy|policies|violat*|prohibited|not allowed|not permitted",
	 "policyviolation", S, "5.7.0", 1},
	/* "Access denied" and "blocked" without the block's reason. */
	{"filter|block|access denied",
	 "blocked", S, "5.7.1", 1},
	/* A refusal that says nothing of why. */
	{"rejected|refused|denied|not accepted|unacceptable|not authorized|unauthorized",
	 "rejected", S, "5.7.1", 1},
	/* Security words with no mechanism named. */
	{"security|authentication required|authentication|certificate|encryption",
	 "securityerror", S, "5.7.0", 1},
	/* Header trouble with no specific complaint. */
	{"message header|malformed|rfc 822|rfc822",
	 "notcompliantrfc", S, "5.7.0", 1},
	/* Temporary trouble of any kind ("try again later", "service unavailable"). */
	{"temporary failure|temporary error|temporarily unavailable|try again later|"
	 "service unavailable|not available|unavailable|temporarily|deferred|try again",
	 "systemerror", S, "4.3.0", 1},
};

/* How people say in an auto-reply that they are away. */
const char *const brules_autoreply_texts[] = {
	"i am out of the office|i'm out of the office|i will be out of the office|"
	"i am currently out|i am away|i'm away|i will be away|i am on vacation|"
	"i'm on vacation|i am on holiday|on annual leave|on parental leave|"
	"on maternity leave|limited access to email|limited access to e-mail|"
	"i will be traveling|i will be travelling|when i return|upon my return|"
	"back in the office|return to the office|until i return|out of office|"
	"i am currently away|ich bin abwesend|ich bin bis|je suis absent|"
	"automatic reply|this is an automatic reply|this is an automated reply",
	NULL,
};

/*
 * How MTAs say they are still trying: sendmail ("will keep trying", "THIS
 * IS A WARNING MESSAGE ONLY"), Postfix ("will be retried until"), Exim
 * ("has not yet been delivered", "delivery attempts will continue"), Gmail
 * ("has been delayed", "will retry for 47 more hours"), Exchange
 * ("delivery is delayed", "hasn't been delivered yet").
 */
const char *const brules_delay_texts[] = {
	"will retry|will be retried|will keep trying|will continue to try|will try again|"
	"will be tried again|will continue trying|still being retried|still trying|"
	"will be attempted|will continue to be attempted|not yet been delivered|"
	"hasn't been delivered yet|has not been delivered yet|not been delivered yet|"
	"still undelivered|delivery attempts will continue|warning message only|"
	"this is a warning only|only a warning|do not need to resend|don't need to resend|"
	"no need to resend|has been delayed|have been delayed|is delayed|was delayed|"
	"delivery delayed|delayed delivery",
	NULL,
};

/* Words of a final failure: a notice that says them is no delay warning. */
const char *const brules_final_texts[] = {
	"permanent error|permanent failure|failed permanently|permanent fatal|fatal error|"
	"given up|giving up|gave up|will not be retried|won't be retried|no further attempts|"
	"will not retry|won't retry",
	NULL,
};

/* Subjects (folded) of away messages. */
const char *const brules_autoreply_subjects[] = {
	"out of office|out of the office|out-of-office|ooo|automatic reply|auto reply|"
	"auto-reply|autoreply|auto response|auto-response|autoresponse|automated response|"
	"automatic response|abwesenheit|abwesenheitsnotiz|automatische antwort|"
	"vacation|on holiday|on leave|away from|i am away|i'm away|absence|absent|"
	"réponse automatique|reponse automatique|respuesta automática|"
	"respuesta automatica|fuera de la oficina|risposta automatica|fuori ufficio|"
	"automatisch antwoord|afwezig|resposta automática|ausente|自動応答|自動返信|不在",
	NULL,
};

/* Subjects (folded) of delivery failure notices. */
const char *const brules_bounce_subjects[] = {
	"undeliver*|undelivered|delivery status notification|delivery failure|"
	"delivery failed|delivery has failed|delivery problem|failure notice|returned mail|"
	"mail delivery|delivery notification|non remis|unzustellbar|nicht zustellbar|"
	"non recapitabile|no entregado|onbestelbaar|mail system error|"
	"could not be delivered|delivery report|returned to sender|mail failure|"
	"permanent delivery failure|nondeliverable|non-deliverable|error sending|"
	"not delivered|bounce*|delivery status|rejected|mail error|メールエラー",
	NULL,
};

/* Subjects (folded) of delay warnings: "Delivery Status Notification (Delay)", "Delayed Mail". */
const char *const brules_delay_subjects[] = {
	"delay*|still being retried|not yet delivered",
	NULL,
};

const size_t brules_table_len = sizeof(brules_table) / sizeof(brules_table[0]);
