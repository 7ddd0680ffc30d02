/*
 * interactive.c: -i, line editing with libedit, driven by the event loop.
 *
 * libedit's readline-compatible callback interface never blocks: an
 * EV_READ event on the terminal calls rl_callback_read_char() for each
 * character, and libedit calls back with a whole line once Enter is
 * pressed.  Lines go to the peer with "\n" appended; non-empty ones enter
 * the history (Ctrl-R searches it), which is kept in ~/.evcat_history.
 *
 * Data from the peer is printed over the line being edited: the line is
 * erased, the data written, and libedit redraws the line below it.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli.h"
#include "evcat.h"

#ifdef HAVE_LIBEDIT
#include <editline/readline.h>

#define HISTORY_LINES 1000

static void (*line_cb)(const char *, size_t, void *);
static void *line_arg;
static struct event *tty_ev;
static int installed; /* the callback handler is installed */
static int paused;
static char *history_path;

static void
handler(char *line)
{
	size_t len;
	char *buf;

	if (line == NULL) {
		/* ^D: end of input.  Give the terminal back now. */
		interactive_stop();
		line_cb(NULL, 0, line_arg);
		return;
	}
	if (*line != '\0')
		add_history(line);
	len = strlen(line);
	buf = cli_xmalloc(len + 1);
	memcpy(buf, line, len);
	buf[len] = '\n';
	free(line);
	/*
	 * Recent libedit leaves the editor in buffered mode after calling us
	 * (GNU readline's handlers may remove themselves); installing the
	 * handler again puts it back to one character per call.  Without
	 * this the next rl_callback_read_char() blocks until a whole line.
	 */
	rl_callback_handler_install("", handler);
	line_cb(buf, len + 1, line_arg);
	free(buf);
}

static void
tty_cb(evutil_socket_t fd, short what, void *arg)
{
	rl_callback_read_char();
}

int
interactive_available(void)
{
	return 1;
}

void
interactive_start(void (*cb)(const char *, size_t, void *), void *arg)
{
	const char *home = getenv("HOME");

	line_cb = cb;
	line_arg = arg;
	if (installed) {
		interactive_pause(0);
		return;
	}
	if (tty_ev != NULL)
		return; /* input ended already */
	if (home != NULL && *home != '\0' && history_path == NULL) {
		history_path = cli_xmalloc(strlen(home) + 32);
		sprintf(history_path, "%s/.evcat_history", home);
	}
	using_history();
	stifle_history(HISTORY_LINES);
	if (history_path != NULL)
		read_history(history_path); /* missing at first: fine */
	/* Signals are the event loop's business. */
	rl_catch_signals = 0;
	/* Echo and prompt go where the user looks. */
	if (!isatty(1))
		rl_outstream = stderr;
	rl_callback_handler_install("", handler);
	tty_ev = event_new(ec.base, 0, EV_READ | EV_PERSIST, tty_cb, NULL);
	if (tty_ev == NULL || event_add(tty_ev, NULL) != 0)
		cli_diex("cannot watch the terminal");
	installed = 1;
	paused = 0;
}

void
interactive_pause(int pause)
{
	if (!installed || pause == paused)
		return;
	paused = pause;
	if (pause)
		event_del(tty_ev);
	else
		event_add(tty_ev, NULL);
}

void
interactive_print(const char *data, size_t len)
{
	ssize_t n;

	/* Erase the line being edited, print, let libedit redraw it. */
	if (installed && isatty(1))
		(void)!write(1, "\r\033[K", 4);
	while (len > 0) {
		n = write(1, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		data += n;
		len -= (size_t)n;
	}
	if (installed)
		rl_forced_update_display();
}

void
interactive_stop(void)
{
	if (!installed)
		return;
	installed = 0;
	event_del(tty_ev);
	rl_callback_handler_remove();
	if (history_path != NULL)
		write_history(history_path);
}

#else /* !HAVE_LIBEDIT */

int
interactive_available(void)
{
	return 0;
}

void
interactive_start(void (*cb)(const char *, size_t, void *), void *arg)
{
	cli_diex("-i: built without libedit");
}

void
interactive_pause(int pause)
{
}

void
interactive_print(const char *data, size_t len)
{
	(void)!write(1, data, len);
}

void
interactive_stop(void)
{
}

#endif /* HAVE_LIBEDIT */
