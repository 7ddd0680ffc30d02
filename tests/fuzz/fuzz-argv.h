/*
 * tests/fuzz/fuzz-argv.h: a fuzz input as a command line, for the
 * harnesses of the tools' option parsers.
 */
#ifndef FUZZ_ARGV_H_INCLUDED_
#define FUZZ_ARGV_H_INCLUDED_

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* More arguments than any real command line; keeps each run cheap. */
#define FUZZ_MAX_ARGS 64

/*
 * Copies data with a NUL at the end (so the last argument is terminated)
 * and splits it on NUL bytes into argv after prog: at most FUZZ_MAX_ARGS
 * arguments, argv[*argcp] == NULL; argv must hold FUZZ_MAX_ARGS + 2.
 * Returns the copy, which the caller frees, or NULL when out of memory.
 */
static inline char *
fuzz_argv(const uint8_t *data, size_t size, char *prog, char **argv, int *argcp)
{
	char *copy, *p, *end;
	int argc = 0;

	copy = malloc(size + 1);
	if (copy == NULL)
		return NULL;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[argc++] = prog;
	for (p = copy, end = copy + size; p <= end && argc <= FUZZ_MAX_ARGS;
	     p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	*argcp = argc;
	return copy;
}

#endif /* FUZZ_ARGV_H_INCLUDED_ */
