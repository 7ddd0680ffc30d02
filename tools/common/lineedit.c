/*
 * lineedit.c: line editing with libedit, driven by the event loop.  See
 * lineedit.h.
 *
 * libedit's native interface in unbuffered mode: el_wgets() handles one
 * key per call and returns the line so far.  Its characters come from
 * read_key(), which says "nothing now" when the terminal has nothing at
 * the start of a key, so an EV_READ event on the terminal handles every
 * key that arrived (a paste at once) without blocking; keys that libedit
 * pushes back itself (Enter ending a Ctrl-R search) are handled in the
 * same pass.  Only a key of several characters (an escape sequence, a
 * Ctrl-R search being typed) waits for the rest, as libedit itself would.  A
 * line is complete when it ends in "\n"; it goes to the callback as it was
 * typed (converted back to the locale's bytes), and non-empty ones enter the
 * history.  The readline-compatible callback interface
 * (rl_callback_read_char) is not used: libedit 3.1 corrupts its heap there
 * on lines of a few thousand characters.
 *
 * Text printed while a line is being edited goes over it: the line is
 * erased, the text written, and libedit redraws the line below it.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include <event2/event.h>

#include "cli.h"
#include "lineedit.h"

#ifdef HAVE_LIBEDIT
#include <histedit.h>

#define HISTORY_LINES 1000
/* Keys handled per wakeup before the loop gets its turn again. */
#define KEYS_PER_WAKEUP 4096

static struct lineedit_config conf;
static EditLine *el;
static History *hist;
static struct event *tty_ev;
static int installed; /* the editor is set up and owns the terminal */
static int paused;
static char *history_path;
static int starved;        /* read_key() had nothing to give */
static int keys_started;   /* characters read during this el_wgets() */
static int tty_eof;        /* the terminal hung up */
static int print_mid_line; /* lineedit_print() output ended without \n */

/* libedit's character source: one character the terminal already has. */
static int
read_key(EditLine *e, wchar_t *wc)
{
	static char cbuf[MB_LEN_MAX];
	static size_t cbp;
	struct pollfd pfd = { 0, POLLIN, 0 };
	mbstate_t st;
	size_t n;
	ssize_t got;
	int avail;

	(void)e;
	for (;;) {
		avail = 0;
		if (ioctl(0, FIONREAD, &avail) != 0)
			avail = 1; /* let read() tell */
		if (avail <= 0 && keys_started == 0 && cbp == 0) {
			starved = 1;
			errno = EAGAIN;
			return -1;
		}
		if (avail <= 0) {
			/* The middle of a key: wait for the rest. */
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
				tty_eof = 1;
				return -1;
			}
			continue;
		}
		got = read(0, cbuf + cbp, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			tty_eof = 1;
			starved = 1;
			return -1;
		}
		cbp++;
		memset(&st, 0, sizeof(st));
		n = mbrtowc(wc, cbuf, cbp, &st);
		if (n == (size_t)-2 && cbp < sizeof(cbuf))
			continue; /* more bytes of the character to come */
		if (n == (size_t)-1 || n == (size_t)-2)
			*wc = (wchar_t)(unsigned char)cbuf[0]; /* pass it on */
		cbp = 0;
		keys_started++;
		return 1;
	}
}

static const char *
prompt(EditLine *e)
{
	(void)e;
	return conf.prompt != NULL ? conf.prompt : "";
}

/* The wide line as the locale's bytes; len wide characters. */
static char *
to_bytes(const wchar_t *line, size_t len, size_t *outlen)
{
	char *buf = cli_xcalloc(len + 1, MB_LEN_MAX);
	mbstate_t st;
	size_t i, n, pos = 0;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < len; i++) {
		n = wcrtomb(buf + pos, line[i], &st);
		if (n == (size_t)-1) {
			/* Not representable: pass the low byte on. */
			buf[pos++] = (char)line[i];
			memset(&st, 0, sizeof(st));
		} else {
			pos += n;
		}
	}
	buf[pos] = '\0';
	*outlen = pos;
	return buf;
}

/* Starts a new, empty line on the editor (and redraws the prompt). */
static void
next_line(void)
{
	el_set(el, EL_UNBUFFERED, 0);
	el_set(el, EL_UNBUFFERED, 1);
}

/* One character typed; returns -1 once input ended (^D). */
static int
edit_one(void)
{
	const wchar_t *line;
	HistEvent hev;
	size_t len;
	char *buf;
	int count = 0;

	keys_started = 0;
	line = el_wgets(el, &count);
	len = count > 0 ? (size_t)count : 0;
	if (tty_eof || (len == 1 && line[0] == (wchar_t)('D' & 0x1f))) {
		/* ^D on an empty line: end of input.  Terminal back now. */
		lineedit_stop();
		conf.line_cb(NULL, 0, conf.arg);
		return -1;
	}
	if (len == 0 || line[len - 1] != L'\n')
		return 0;
	buf = to_bytes(line, len, &len);
	if (len > 1) {
		buf[len - 1] = '\0';
		history(hist, &hev, H_ENTER, buf);
		buf[len - 1] = '\n';
	}
	next_line();
	conf.line_cb(buf, len, conf.arg);
	free(buf);
	return 0;
}

/* The longest common prefix of the words that start with w[0..len). */
static unsigned char
complete(EditLine *e, int ch)
{
	const LineInfo *li = el_line(e);
	const char *w = li->cursor, *first = NULL;
	const char *const *c;
	size_t len, common = 0, i;
	int n = 0;

	(void)ch;
	while (w > li->buffer && w[-1] != ' ' && w[-1] != '\t')
		w--;
	len = (size_t)(li->cursor - w);
	for (c = conf.words; *c != NULL; c++) {
		if (strncasecmp(*c, w, len) != 0)
			continue;
		if (n++ == 0) {
			first = *c;
			common = strlen(*c);
		}
		for (i = len; i < common && (*c)[i] != '\0' &&
		     tolower((unsigned char)(*c)[i]) ==
		         tolower((unsigned char)first[i]);
		     i++)
			;
		common = i;
	}
	if (n == 0)
		return CC_REFRESH_BEEP;
	if (common > len) {
		char buf[64];

		snprintf(buf, sizeof(buf), "%.*s%s", (int)(common - len),
		    first + len, n == 1 && first[common - 1] != '=' ? " " : "");
		el_insertstr(e, buf);
		return CC_REFRESH;
	}
	if (n == 1)
		return CC_REFRESH;
	/* Several: list them under the line. */
	(void)!write(1, "\n", 1);
	for (c = conf.words; *c != NULL; c++) {
		if (strncasecmp(*c, w, len) != 0)
			continue;
		(void)!write(1, *c, strlen(*c));
		(void)!write(1, " ", 1);
	}
	(void)!write(1, "\n", 1);
	return CC_REDISPLAY;
}

static void
tty_cb(evutil_socket_t fd, short what, void *arg)
{
	int i;

	/* Every key that is there (a paste), up to a budget. */
	for (i = 0; i < KEYS_PER_WAKEUP; i++) {
		starved = 0;
		if (edit_one() != 0 || starved || !installed || paused)
			return;
	}
}

int
lineedit_available(void)
{
	return 1;
}

static void
load_history(void)
{
	const char *home = getenv("HOME");
	HistEvent hev;

	hist = history_init();
	if (hist == NULL)
		cli_diex("-i: cannot set up the history");
	history(hist, &hev, H_SETSIZE, HISTORY_LINES);
	if (home != NULL && *home != '\0' && history_path == NULL) {
		history_path =
		    cli_xmalloc(strlen(home) + strlen(conf.history_file) + 2);
		sprintf(history_path, "%s/%s", home, conf.history_file);
	}
	if (history_path != NULL)
		history(hist, &hev, H_LOAD, history_path); /* may be missing */
}

void
lineedit_start(const struct lineedit_config *cfg)
{
	conf = *cfg;
	if (installed) {
		lineedit_pause(0);
		return;
	}
	if (tty_ev != NULL)
		return; /* input ended already */
	setlocale(LC_CTYPE, "");
	load_history();
	/* Echo and prompt go where the user looks. */
	el = el_init(cli_prog(), stdin, isatty(1) ? stdout : stderr, stderr);
	if (el == NULL)
		cli_diex("-i: cannot set up line editing");
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_PROMPT, prompt);
	el_set(el, EL_HIST, history, hist);
	/* Signals are the event loop's business. */
	el_set(el, EL_SIGNAL, 0);
	el_set(el, EL_GETCFN, read_key);
	el_set(el, EL_BIND, "^R", "em-inc-search-prev", NULL);
	if (conf.words != NULL) {
		/* el_wset: el_set's narrow EL_ADDFN leaks its copies of
		 * the name and help text (libedit 3.1). */
		el_wset(el, EL_ADDFN, L"evkit-complete", L"complete a word",
		    complete);
		el_set(el, EL_BIND, "^I", "evkit-complete", NULL);
	}
	el_set(el, EL_UNBUFFERED, 1);
	tty_ev = event_new(conf.base, 0, EV_READ | EV_PERSIST, tty_cb, NULL);
	if (tty_ev == NULL || event_add(tty_ev, NULL) != 0)
		cli_diex("cannot watch the terminal");
	installed = 1;
	paused = 0;
}

void
lineedit_pause(int pause)
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
lineedit_print(const char *data, size_t len)
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
		print_mid_line = data[n - 1] != '\n';
		data += n;
		len -= (size_t)n;
	}
	if (installed)
		el_set(el, EL_REFRESH);
}

size_t
lineedit_pending(void)
{
	const LineInfo *li;

	if (!installed)
		return 0;
	li = el_line(el);
	return li != NULL ? (size_t)(li->lastchar - li->buffer) : 0;
}

int
lineedit_mid_line(void)
{
	return lineedit_pending() > 0 ||
	    (installed && conf.prompt != NULL && *conf.prompt != '\0') ||
	    print_mid_line;
}

void
lineedit_stop(void)
{
	HistEvent hev;

	if (!installed)
		return;
	installed = 0;
	event_del(tty_ev);
	/* Back to line mode, then give the terminal its settings back. */
	el_set(el, EL_UNBUFFERED, 0);
	el_end(el);
	el = NULL;
	if (history_path != NULL)
		history(hist, &hev, H_SAVE, history_path);
	history_end(hist);
	hist = NULL;
}

#else /* !HAVE_LIBEDIT */

int
lineedit_available(void)
{
	return 0;
}

void
lineedit_start(const struct lineedit_config *cfg)
{
	(void)cfg;
	cli_diex("-i: built without libedit");
}

void
lineedit_pause(int pause)
{
}

void
lineedit_print(const char *data, size_t len)
{
	(void)!write(1, data, len);
}

size_t
lineedit_pending(void)
{
	return 0;
}

int
lineedit_mid_line(void)
{
	return 0;
}

void
lineedit_stop(void)
{
}

#endif /* HAVE_LIBEDIT */
