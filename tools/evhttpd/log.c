/*
 * log.c: the access log and HTTP dates.
 *
 * Lines are built by the worker and written here under one lock (the
 * workers share the file) into a large stdio buffer, flushed once a
 * second by main.c's timer and at exit: a request costs no write(2) of
 * its own.  SIGHUP reopens the file (for log rotation).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "evhttpd.h"

#define LOG_BUFFER (256 * 1024)

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_fp;
static char *log_path;

static FILE *
open_file(const char *path)
{
	FILE *fp;

	if (strcmp(path, "-") == 0)
		fp = stdout;
	else if ((fp = fopen(path, "a")) == NULL)
		return NULL;
	setvbuf(fp, NULL, _IOFBF, LOG_BUFFER);
	return fp;
}

int
evhttpd_log_open(const char *path)
{
	log_fp = open_file(path);
	if (log_fp == NULL)
		return -1;
	log_path = cli_xstrdup(path);
	return 0;
}

int
evhttpd_log_enabled(void)
{
	return log_fp != NULL;
}

void
evhttpd_log_reopen(void)
{
	FILE *fp;

	if (log_path == NULL || strcmp(log_path, "-") == 0)
		return;
	pthread_mutex_lock(&log_lock);
	fflush(log_fp);
	fp = open_file(log_path);
	if (fp == NULL) {
		cli_warn("%s: cannot reopen the log; keeping the old file",
		    log_path);
	} else {
		fclose(log_fp);
		log_fp = fp;
	}
	pthread_mutex_unlock(&log_lock);
}

void
evhttpd_log_line(const char *line, size_t len)
{
	pthread_mutex_lock(&log_lock);
	fwrite(line, 1, len, log_fp);
	pthread_mutex_unlock(&log_lock);
}

void
evhttpd_log_flush(void)
{
	if (log_fp == NULL)
		return;
	pthread_mutex_lock(&log_lock);
	fflush(log_fp);
	pthread_mutex_unlock(&log_lock);
}

void
evhttpd_log_close(void)
{
	if (log_fp == NULL)
		return;
	if (log_fp == stdout)
		fflush(log_fp);
	else
		fclose(log_fp);
	log_fp = NULL;
	free(log_path);
	log_path = NULL;
}

static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
	"Sat" };
static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

void
evhttpd_http_date(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int
month_index(const char *m)
{
	int i;

	for (i = 0; i < 12; i++)
		if (strncmp(m, months[i], 3) == 0)
			return i;
	return -1;
}

int
evhttpd_parse_http_date(const char *s, time_t *t)
{
	struct tm tm;
	char mon[4], wd[16], gmt[4];
	int n = 0;

	memset(&tm, 0, sizeof(tm));
	/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
	if (sscanf(s, "%3s, %2d %3s %4d %2d:%2d:%2d %3s%n", wd, &tm.tm_mday,
	        mon, &tm.tm_year, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, gmt,
	        &n) == 8 &&
	    strcmp(gmt, "GMT") == 0) {
		tm.tm_year -= 1900;
		/* rfc850: Sunday, 06-Nov-94 08:49:37 GMT */
	} else if (sscanf(s, "%15[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d %3s%n", wd,
	               &tm.tm_mday, mon, &tm.tm_year, &tm.tm_hour, &tm.tm_min,
	               &tm.tm_sec, gmt, &n) == 8 &&
	    strcmp(gmt, "GMT") == 0) {
		if (tm.tm_year < 70)
			tm.tm_year += 100;
		/* asctime: Sun Nov  6 08:49:37 1994 */
	} else if (sscanf(s, "%3s %3s %2d %2d:%2d:%2d %4d%n", wd, mon,
	               &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
	               &tm.tm_year, &n) == 7) {
		tm.tm_year -= 1900;
	} else {
		return -1;
	}
	tm.tm_mon = month_index(mon);
	if (tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 ||
	    tm.tm_year < 70 || s[n] != '\0')
		return -1;
	*t = timegm(&tm);
	return 0;
}
