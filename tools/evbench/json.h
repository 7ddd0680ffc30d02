/*
 * A small strict JSON reader (RFC 8259) for evbench --compare: the whole
 * text into a tree, or an error with the byte offset where it went wrong.
 * Pure and bounded: no I/O, nesting at most JSON_DEPTH_MAX deep, at most
 * JSON_VALUES_MAX values (a tree takes some 50 bytes a value, so a text
 * of small values would otherwise need 20 times its size in memory), and
 * every allocation checked.
 */
#ifndef EVBENCH_JSON_H_INCLUDED_
#define EVBENCH_JSON_H_INCLUDED_

#include <stddef.h>

#define JSON_DEPTH_MAX 64
/* evbench's largest runs: 1,280 results of 1,000 samples each. */
#define JSON_VALUES_MAX (1L << 21)

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json {
	enum json_type type;
	double number;      /* JSON_NUMBER */
	char *string;       /* JSON_STRING (NUL-terminated, may hold none) */
	size_t len;         /* members of an array or object */
	char **keys;        /* JSON_OBJECT: the name of each member */
	struct json *items; /* the members */
};

/*
 * Parse len bytes of text.  Returns the tree, or NULL with a message in
 * err ("offset N: what") for a malformed text or an allocation failure.
 */
struct json *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(struct json *j);

/* The member named key of an object, or NULL (also when j is none). */
const struct json *json_get(const struct json *j, const char *key);
/* How many members of object j are named key (0 when j is none). */
size_t json_count(const struct json *j, const char *key);

#endif /* EVBENCH_JSON_H_INCLUDED_ */
