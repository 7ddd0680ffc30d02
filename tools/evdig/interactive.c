/*
 * interactive.c: -i, a query per line typed at the terminal.
 *
 * Each line (NAME [TYPE] [CLASS] [+option ...], as a -f line) is sent at
 * once, while earlier ones are still in flight; answers are printed as
 * they arrive, above the line being edited (tools/common/lineedit.c).
 * Tab completes types, classes and +options; the history is kept in
 * ~/.evdig_history.  ^D on an empty line (or "quit") ends the input, and
 * evdig exits once the queries in flight are answered.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "evdig.h"
#include "lineedit.h"

struct pending {
	struct evdig_query q;
	struct pending *next;
};

struct shell {
	struct runner *r;
	const struct evdig_opts *o;
	struct pending *head, **tail;
	int ended;
};

static void
print_cb(const char *s, size_t len, void *arg)
{
	(void)arg;
	lineedit_print(s, len);
}

static int
shell_next(struct runner *r, struct evdig_query *q, void *arg)
{
	struct shell *sh = arg;
	struct pending *p = sh->head;

	if (p == NULL) {
		if (sh->ended)
			runner_source_done(r);
		return 0;
	}
	sh->head = p->next;
	if (sh->head == NULL)
		sh->tail = &sh->head;
	*q = p->q;
	free(p);
	return 1;
}

static void
line_cb(const char *line, size_t len, void *arg)
{
	struct shell *sh = arg;
	struct pending *p;
	char msg[512], *copy;
	int got;

	if (line == NULL) {
		sh->ended = 1;
		runner_pump(sh->r);
		if (sh->head == NULL)
			runner_source_done(sh->r);
		return;
	}
	copy = cli_xmalloc(len + 1);
	memcpy(copy, line, len);
	copy[len] = '\0';
	if (strcmp(copy, "quit\n") == 0 || strcmp(copy, "exit\n") == 0) {
		free(copy);
		lineedit_stop();
		line_cb(NULL, 0, arg);
		return;
	}
	p = cli_xcalloc(1, sizeof(*p));
	got =
	    evdig_parse_words(&sh->o->defaults, copy, &p->q, msg, sizeof(msg));
	free(copy);
	if (got <= 0) {
		free(p);
		if (got < 0) {
			char out[600];
			int n = snprintf(out, sizeof(out), "%s: %s\n",
			    cli_prog(), msg);

			lineedit_print(out, n > 0 ? (size_t)n : 0);
		}
		return;
	}
	*sh->tail = p;
	sh->tail = &p->next;
	runner_pump(sh->r);
}

int
evdig_interactive(struct runner *r, struct event_base *base,
    const struct evdig_opts *o)
{
	struct lineedit_config cfg = { 0 };
	struct shell sh;
	int status;

	if (!lineedit_available()) {
		cli_warnx("-i: built without libedit");
		return EVDIG_EXIT_USAGE;
	}
	memset(&sh, 0, sizeof(sh));
	sh.r = r;
	sh.o = o;
	sh.tail = &sh.head;
	runner_set_source(r, shell_next, &sh);
	runner_set_printer(r, print_cb, NULL);
	cfg.base = base;
	cfg.history_file = ".evdig_history";
	cfg.prompt = "evdig> ";
	cfg.words = evdig_words;
	cfg.line_cb = line_cb;
	cfg.arg = &sh;
	lineedit_start(&cfg);
	status = runner_run(r);
	lineedit_stop();
	while (sh.head != NULL) {
		struct pending *p = sh.head;

		sh.head = p->next;
		free(p->q.name);
		free(p);
	}
	return status;
}
