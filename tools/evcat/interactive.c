/*
 * interactive.c: -i, line editing (tools/common/lineedit.c) on evcat's
 * loop.  Lines go to the peer as they were typed; the history is kept in
 * ~/.evcat_history; data from the peer is printed over the line being
 * edited.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "cli.h"
#include "evcat.h"
#include "lineedit.h"

int
interactive_available(void)
{
	return lineedit_available();
}

void
interactive_start(void (*cb)(const char *, size_t, void *), void *arg)
{
	struct lineedit_config cfg = { 0 };

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
	lineedit_stop();
}
