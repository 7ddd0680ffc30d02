/* fuzz-sources: tools/evhttpd/options.c tools/common/cli.c */
/*
 * libFuzzer harness for evhttpd's command line: the input, split on NUL
 * bytes, is the argument list after "evhttpd".  The parser must return
 * options within their bounds or a usage error with a message, and never
 * crash, leak or exit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz-argv.h"
#include "tools/evhttpd/evhttpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_opts(const struct evhttpd_opts *o)
{
	int i;

	if (o->port < 0 || o->port > 65535 || o->threads < 1 ||
	    o->threads > 256 || o->max_conns < 1 || o->timeout < 1 ||
	    o->max_header_size < 256)
		abort(); /* numbers within their bounds */
	if (o->addr == NULL || o->addr[0] == '\0' || o->dir == NULL ||
	    o->dir[0] == '\0')
		abort();
	if (o->pidfile != NULL && !o->daemon)
		abort(); /* conflicts are rejected */
	if ((o->tls_cert == NULL) != (o->tls_key == NULL) ||
	    (o->tls_cert != NULL &&
	        (o->tls_cert[0] == '\0' || o->tls_key[0] == '\0')))
		abort(); /* a certificate always comes with its key */
	for (i = 0; i < o->nheaders; i++) {
		const char *v = o->headers[i].value;

		if (o->headers[i].name[0] == '\0' ||
		    strchr(o->headers[i].name, ':') != NULL ||
		    strpbrk(v, "\r\n") != NULL)
			abort(); /* no header injection */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char prog[] = "evhttpd";
	char *argv[FUZZ_MAX_ARGS + 2];
	char *copy, msg[512];
	struct evhttpd_opts o;
	int argc = 0, status;

	copy = fuzz_argv(data, size, prog, argv, &argc);
	if (copy == NULL)
		return 0;
	status = evhttpd_parse_options(&o, argc, argv, msg, sizeof(msg));
	if (status != 0 && (status != CLI_EXIT_USAGE || msg[0] == '\0'))
		abort(); /* a usage error always says why */
	if (status == 0 && o.action == EVHTTPD_RUN)
		check_opts(&o);
	evhttpd_free_options(&o);
	free(copy);
	return 0;
}
