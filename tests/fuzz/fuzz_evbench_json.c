/* fuzz-sources: tools/evbench/json.c */
/*
 * fuzz_evbench_json: arbitrary bytes through evbench's JSON reader (the
 * --compare file).
 * - it returns a tree or an error naming an offset inside the text,
 *   never crashes, never reads past the text (it is not NUL-terminated);
 * - in a tree every object member has a name, json_get finds the first
 *   member of each name and json_count counts them all;
 * - text after a valid value (other than blanks) is refused.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-check.h"
#include "tools/evbench/json.h"

static void
walk(const struct json *j, int depth)
{
	size_t i, k, n;

	CHECK(depth <= JSON_DEPTH_MAX + 1);
	if (j->type == JSON_STRING)
		CHECK(j->string != NULL);
	if (j->type != JSON_ARRAY && j->type != JSON_OBJECT)
		return;
	for (i = 0; i < j->len; i++) {
		if (j->type == JSON_OBJECT) {
			CHECK(j->keys[i] != NULL);
			for (k = 0, n = 0; k < j->len; k++)
				n += strcmp(j->keys[k], j->keys[i]) == 0;
			CHECK(json_count(j, j->keys[i]) == n);
			for (k = 0; strcmp(j->keys[k], j->keys[i]) != 0; k++)
				continue;
			CHECK(json_get(j, j->keys[i]) == &j->items[k]);
		}
		walk(&j->items[i], depth + 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: ASan sees any read past the end. */
	char *text = malloc(size ? size : 1), *more;
	char err[160];
	struct json *j;

	CHECK(text != NULL);
	memcpy(text, data, size);
	err[0] = '\0';
	j = json_parse(text, size, err, sizeof(err));
	if (j == NULL) {
		unsigned long off;
		CHECK(sscanf(err, "offset %lu: ", &off) == 1 ||
		    strcmp(err, "out of memory") == 0);
		CHECK(strstr(err, "out of memory") != NULL || off <= size);
	} else {
		walk(j, 0);
		json_free(j);
		/* A value followed by junk is not JSON. */
		more = malloc(size + 2);
		CHECK(more != NULL);
		memcpy(more, text, size);
		memcpy(more + size, " x", 2);
		j = json_parse(more, size + 2, err, sizeof(err));
		CHECK(j == NULL);
		free(more);
	}
	free(text);
	return 0;
}
