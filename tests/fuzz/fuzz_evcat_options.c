/* fuzz-sources: tools/evcat/options.c tools/evcat/acl.c tools/common/cli.c */
/*
 * libFuzzer harness for evcat's command line: the input, split on NUL
 * bytes, is the argument list after "evcat".  evcat_parse_options() must
 * return 0 or 2 with a message, and never crash, leak or exit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz-argv.h"
#include "tools/evcat/evcat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char prog[] = "evcat";
	char *argv[FUZZ_MAX_ARGS + 2];
	char *copy, msg[512];
	struct evcat_opts o;
	int argc = 0, status;

	copy = fuzz_argv(data, size, prog, argv, &argc);
	if (copy == NULL)
		return 0;

	status = evcat_parse_options(&o, argc, argv, msg, sizeof(msg));
	if (status != 0 && (status != CLI_EXIT_USAGE || msg[0] == '\0'))
		abort(); /* a usage error always says why */
	if (status == 0 && o.action == EVCAT_RUN && o.unix_path == NULL &&
	    !o.scan && o.port == NULL)
		abort(); /* a connection needs a port */
	if (status == 0 && o.action == EVCAT_RUN && o.ssl && (o.udp || o.scan))
		abort(); /* TLS only on stream connections */
	if (status == 0 && o.action == EVCAT_RUN && o.send_only && o.recv_only)
		abort(); /* one direction or the other */
	if (status == 0 && o.action == EVCAT_RUN && o.listen &&
	    o.source_port != NULL)
		abort(); /* -l -p PORT is the listening port, not a source */
	if (status == 0 && o.rate < 0)
		abort();
	free(copy);
	return 0;
}
