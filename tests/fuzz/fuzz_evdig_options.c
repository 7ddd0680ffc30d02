/* fuzz-sources: tools/evdig/options.c tools/common/cli.c */
/*
 * libFuzzer harness for evdig's command line and query lines: the input,
 * split on NUL bytes, is the argument list after "evdig"; each piece is
 * then also parsed as a line of -f or -i.  Both parsers must return a
 * result or a usage error with a message, and never crash, leak or exit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz-argv.h"
#include "tools/evdig/evdig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_query(const struct evdig_query *q)
{
	if (q->name == NULL || q->name[0] == '\0')
		abort(); /* every query has a name */
	if (q->o.type < -1 || q->o.type > 65535 || q->o.qclass < -1 ||
	    q->o.qclass > 65535)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char prog[] = "evdig";
	char *argv[FUZZ_MAX_ARGS + 2];
	char *copy, *line, msg[512];
	struct evdig_opts o;
	struct evdig_query q;
	int argc = 0, status, i, got;
	size_t k;

	copy = fuzz_argv(data, size, prog, argv, &argc);
	if (copy == NULL)
		return 0;

	status = evdig_parse_options(&o, argc, argv, msg, sizeof(msg));
	if (status != 0 && (status != EVDIG_EXIT_USAGE || msg[0] == '\0'))
		abort(); /* a usage error always says why */
	if (status == 0 && o.action == EVDIG_RUN) {
		if (o.nqueries == 0 && o.batch_file == NULL && !o.interactive)
			abort(); /* something to do */
		for (k = 0; k < o.nqueries; k++)
			check_query(&o.queries[k]);
		for (i = 1; i < argc; i++) {
			line = strdup(argv[i]);
			if (line == NULL)
				break;
			got = evdig_parse_words(&o.defaults, line, &q, msg,
			    sizeof(msg));
			if (got < 0 && msg[0] == '\0')
				abort();
			if (got > 0)
				check_query(&q);
			free(q.name);
			free(line);
		}
	}
	evdig_free_options(&o);
	free(copy);
	return 0;
}
