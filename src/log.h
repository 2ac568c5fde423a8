/*
 * log - one line per event, to stderr or syslog.
 *
 * Severities have fixed meanings: log_warn for a recoverable
 * problem whose item is retried or quarantined; log_fatal when the program
 * cannot start or continue (it exits 1); log_info for normal events and
 * log_debug for detail.  Every line names its subsystem ("smtp", "spool").
 */
#ifndef OUTREACH_LOG_H
#define OUTREACH_LOG_H

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/*
 * log_open - set the threshold and destination (to_syslog: 0 stderr, 1
 * syslog).  When standard error is systemd's journal (JOURNAL_STREAM names
 * it), lines carry the journal's "<N>" priority prefix instead of a
 * timestamp, so the journal keeps each line's severity.
 */
void log_open(enum log_level level, int to_syslog);
void log_set_level(enum log_level level);
/* log_level_parse - "error", "warn", "info", "debug"; returns -1 if unknown. */
int log_level_parse(const char *s);
void log_debug(const char *subsys, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_info(const char *subsys, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_warn(const char *subsys, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_error(const char *subsys, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* log_fatal - log and exit(1). */
void log_fatal(const char *subsys, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

#endif
