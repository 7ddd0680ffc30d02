/*
 * interactive.c: -i, line editing (tools/common/lineedit.c) on evcat's
 * loop.  Lines go to the peer as they were typed; the history is kept in
 * ~/.evcat_history; data from the peer is printed over the line being
 * edited.
 *
 * What the terminal tells the user: "connected to PEER" on stderr when
 * editing starts (the prompt is empty, so that the peer's output is
 * undisturbed); at the end a newline when the cursor is not at the start
 * of a line, so that the shell's prompt starts on its own line; and how
 * many typed bytes never went out when the connection ended before Enter.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <unistd.h>

#include "cli.h"
#include "evcat.h"
#include "lineedit.h"

int
interactive_available(void)
{
	return lineedit_available();
}

void
interactive_start(const char *peer, void (*cb)(const char *, size_t, void *),
    void *arg)
{
	struct lineedit_config cfg = { 0 };

	/* With -v, "connected to" or "connection from" was said already. */
	if (cli_verbosity() < 1)
		cli_note("connected to %s (^D ends input)", peer);
	cfg.base = ec.base;
	cfg.history_file = ".evcat_history";
	cfg.prompt = "";
	cfg.line_cb = cb;
	cfg.arg = arg;
	lineedit_start(&cfg);
}

void
interactive_pause(int pause)
{
	lineedit_pause(pause);
}

void
interactive_print(const char *data, size_t len)
{
	lineedit_print(data, len);
}

void
interactive_stop(void)
{
	size_t unsent = lineedit_pending();

	if (lineedit_mid_line())
		(void)!write(isatty(1) ? 1 : 2, "\n", 1);
	lineedit_stop();
	if (unsent > 0)
		cli_warnx("unsent input discarded: %zu byte%s (typed without "
		          "Enter before the connection ended)",
		    unsent, unsent == 1 ? "" : "s");
}
