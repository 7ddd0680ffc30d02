/*
 * evbench progress: on a terminal, one line on stderr that says what runs
 * now, rewritten in place with a carriage return and blanked at the end.
 * Nothing when stderr is not a terminal (a log, a pipe) or with -q; -v
 * prints a line per run instead (run.c).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evbench.h"

static int state; /* 0: not decided yet, 1: on, -1: off */
static int shown; /* columns of the line on the terminal */
/* "\r", as many blanks as the longest line, "\r": for a signal handler. */
static char blank[164];

static void
clear_at_exit(void)
{
	evb_progress_clear();
}

/* ^C or a kill: blank the line, then die of the signal as before. */
static void
clear_on_signal(int sig)
{
	ssize_t r = write(STDERR_FILENO, blank, strlen(blank));

	(void)r;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
start(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old;
	size_t i;

	blank[0] = '\r';
	memset(blank + 1, ' ', sizeof(blank) - 3);
	blank[sizeof(blank) - 2] = '\r';
	blank[sizeof(blank) - 1] = '\0';
	/* A message of cli_diex() starts on a clean line. */
	atexit(clear_at_exit);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = clear_on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_DFL)
			sigaction(sigs[i], &sa, NULL);
}

void
evb_progress(const char *fmt, ...)
{
	char line[160];
	va_list ap;
	int len;

	if (state == 0) {
		state = isatty(STDERR_FILENO) && cli_verbosity() == 0 ? 1 : -1;
		if (state == 1)
			start();
	}
	if (state < 0)
		return;
	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if (len >= (int)sizeof(line))
		len = (int)sizeof(line) - 1;
	/* Blank what a longer line before left. */
	fprintf(stderr, "\r%s%*s", line, shown > len ? shown - len : 0, "");
	if (shown > len)
		fprintf(stderr, "\r%s", line);
	fflush(stderr);
	shown = len;
}

void
evb_progress_clear(void)
{
	if (state <= 0 || shown == 0)
		return;
	fprintf(stderr, "\r%*s\r", shown, "");
	fflush(stderr);
	shown = 0;
}
