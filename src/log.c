/*
 * log - leveled one-line logging to stderr (with a UTC timestamp), to the
 * journal (stderr under systemd, with a priority prefix) or to syslog.
 * Logging never fails the caller: a line that cannot be written is dropped.
 */
#define _GNU_SOURCE
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static enum log_level threshold = LOG_LEVEL_INFO;
static int use_syslog;
static int use_journal;

/*
 * stderr_is_journal - whether fd 2 is the stream systemd connected to the
 * journal: JOURNAL_STREAM is "DEV:INODE" of it (a child whose stderr was
 * redirected elsewhere inherits the variable, hence the comparison).
 */
static int
stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;
	char tail;

	if (v == NULL || sscanf(v, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &sb) < 0)
		return 0;
	return (unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino;
}

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void
log_open(enum log_level level, int to_syslog)
{
	threshold = level;
	use_syslog = to_syslog;
	use_journal = !to_syslog && stderr_is_journal();
	if (use_syslog)
		openlog("outreach", LOG_PID, LOG_MAIL);
}

void
log_set_level(enum log_level level)
{
	threshold = level;
}

int
log_level_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

static void
log_emit(enum log_level level, const char *subsys, const char *fmt, va_list ap)
{
	static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	char stamp[32];
	struct tm tm;
	time_t t;

	if (level > threshold)
		return;
	if (use_syslog) {
		char *msg;

		if (vasprintf(&msg, fmt, ap) < 0)
			return;
		syslog(prio[level], "%s: %s: %s", level_names[level], subsys, msg);
		free(msg);
		return;
	}
	if (use_journal) {
		/* sd-daemon(3)'s prefix; the journal adds the time and the unit. */
		flockfile(stderr);
		fprintf(stderr, "<%d>%s: %s: ", prio[level], level_names[level], subsys);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		funlockfile(stderr);
		return;
	}
	t = time(NULL);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	flockfile(stderr);
	fprintf(stderr, "%s outreach %s: %s: ", stamp, level_names[level], subsys);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

#define LOG_FN(name, level)                                     \
	void name(const char *subsys, const char *fmt, ...)     \
	{                                                       \
		va_list ap;                                     \
		va_start(ap, fmt);                              \
		log_emit(level, subsys, fmt, ap);               \
		va_end(ap);                                     \
	}

LOG_FN(log_debug, LOG_LEVEL_DEBUG)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_warn, LOG_LEVEL_WARN)
LOG_FN(log_error, LOG_LEVEL_ERROR)

void
log_fatal(const char *subsys, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, subsys, fmt, ap);
	va_end(ap);
	exit(1);
}
