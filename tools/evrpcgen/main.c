/*
 * evrpcgen: generates the C marshalling code of the structs a .rpc file
 * describes, for event2/rpc.h.  The command line is event_rpcgen.py's:
 *     evrpcgen [--quiet] FILE.rpc [[HEADER.h] SOURCE.c]
 * By default the outputs are FILE.gen.h and FILE.gen.c beside FILE.rpc.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpcgen.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define EXIT_USAGE 2
/* A .rpc file larger than this is certainly not one. */
#define RPC_MAX_SIZE (16 * 1024 * 1024)

static const char *prog = "evrpcgen";

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: %s [-hqV] file.rpc [[header.h] source.c]\n", prog);
}

static int
usage_error(const char *msg)
{
	fprintf(stderr, "%s: %s\n", prog, msg);
	usage(stderr);
	return EXIT_USAGE;
}

/* Reads a whole file; NULL with a message printed on failure. */
static char *
read_file(const char *name, size_t *plen)
{
	FILE *fp = fopen(name, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (fp == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, name, strerror(errno));
		return NULL;
	}
	do {
		if (len == cap) {
			char *p;
			cap = cap ? cap * 2 : 4096;
			if (cap > RPC_MAX_SIZE) {
				fprintf(stderr,
				    "%s: %s: larger than %d bytes\n", prog,
				    name, RPC_MAX_SIZE);
				goto fail;
			}
			if ((p = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "%s: out of memory\n", prog);
				goto fail;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
	} while (n > 0);
	if (ferror(fp)) {
		fprintf(stderr, "%s: %s: %s\n", prog, name, strerror(errno));
		goto fail;
	}
	fclose(fp);
	*plen = len;
	return buf;
fail:
	free(buf);
	fclose(fp);
	return NULL;
}

/* Writes one output through a temporary file renamed into place, so a
 * failure never leaves a half-written file. */
static int
write_output(const char *name, const struct rpc_file *f, const char *rpc_name,
    const char *header_name)
{
	size_t n = strlen(name);
	char *tmp = malloc(n + 8);
	FILE *fp;
	int rc;

	if (tmp == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	snprintf(tmp, n + 8, "%s.tmpXXX", name);
	if ((fp = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (header_name == NULL)
		rc = rpc_emit_header(fp, f, rpc_name);
	else
		rc = rpc_emit_source(fp, f, rpc_name, header_name);
	if (fclose(fp) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, name) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, name, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

/* NAME minus its last extension (after the last '/') plus suffix. */
static char *
replace_ext(const char *name, const char *suffix)
{
	const char *slash = strrchr(name, '/');
	const char *dot = strrchr(slash ? slash + 1 : name, '.');
	size_t keep = dot ? (size_t)(dot - name) : strlen(name);
	char *out = malloc(keep + strlen(suffix) + 1);

	if (out == NULL)
		return NULL;
	memcpy(out, name, keep);
	strcpy(out + keep, suffix);
	return out;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL,
		                                      'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 } };
	char err[1024], *text, *header = NULL, *source = NULL;
	const char *include_name;
	struct rpc_file f;
	size_t len;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "hqV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'q':
			/* we print nothing on success anyway */
			break;
		case 'V':
			printf("evrpcgen %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return usage_error("no .rpc file given");
	if (argc > 3)
		return usage_error("too many arguments");
	if (argc == 3) {
		header = strdup(argv[1]);
		source = strdup(argv[2]);
	} else if (argc == 2) {
		source = strdup(argv[1]);
		header = source ? replace_ext(source, ".h") : NULL;
	} else {
		source = replace_ext(argv[0], ".gen.c");
		header = source ? replace_ext(source, ".h") : NULL;
	}
	if (source == NULL || header == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	if (!ends_with(source, ".c") || !ends_with(header, ".h")) {
		free(source);
		free(header);
		return usage_error("the source must end in .c and the header "
		                   "in .h");
	}
	if ((text = read_file(argv[0], &len)) == NULL) {
		free(source);
		free(header);
		return 1;
	}
	rc = rpc_parse(text, len, argv[0], &f, err, sizeof(err));
	free(text);
	if (rc < 0) {
		fprintf(stderr, "%s\n", err);
		free(source);
		free(header);
		return 1;
	}
	include_name = strrchr(header, '/') ? strrchr(header, '/') + 1 : header;
	rc = write_output(header, &f, argv[0], NULL) < 0 ||
	    write_output(source, &f, argv[0], include_name) < 0;
	rpc_file_free(&f);
	free(source);
	free(header);
	return rc ? 1 : 0;
}
