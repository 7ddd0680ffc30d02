/*
 * http_headers.c: lists of key/value pairs (struct evkeyvalq), used for
 * HTTP headers and for parsed query strings.
 *
 * evhttp_add_header refuses what would let a value start another header
 * or end the head early (CR, LF, NUL and other control bytes), and names
 * that are not tokens: libevent 2.1 takes names with spaces or colons
 * and values with control bytes, which put a malformed line on the wire.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/queue.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "http-headers-internal.h"
#include "http-parse-internal.h"
#include "mm-internal.h"

const char *
evhttp_find_header(const struct evkeyvalq *headers, const char *key)
{
	struct evkeyval *kv;

	TAILQ_FOREACH(kv, headers, next)
		if (evutil_ascii_strcasecmp(kv->key, key) == 0)
			return kv->value;
	return NULL;
}

/*
 * The node, its key and its value are three allocations, as in libevent:
 * a program may free kv->value and put its own malloc'ed string there,
 * and the list frees whatever the fields point to.  (One block for all
 * three saved about 2 mallocs per field, and crashed such programs.)
 */
static void
free_kv(struct evkeyval *kv)
{
	if (kv->key != NULL)
		mm_free(kv->key);
	if (kv->value != NULL)
		mm_free(kv->value);
	mm_free(kv);
}

void
evhttp_clear_headers(struct evkeyvalq *headers)
{
	struct evkeyval *kv;

	while ((kv = TAILQ_FIRST(headers)) != NULL) {
		TAILQ_REMOVE(headers, kv, next);
		free_kv(kv);
	}
}

int
evhttp_remove_header(struct evkeyvalq *headers, const char *key)
{
	struct evkeyval *kv;

	TAILQ_FOREACH(kv, headers, next)
		if (evutil_ascii_strcasecmp(kv->key, key) == 0) {
			TAILQ_REMOVE(headers, kv, next);
			free_kv(kv);
			return 0;
		}
	return -1;
}

char *
evhttp_strndup_(const char *s, size_t n)
{
	char *p = mm_malloc(n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

int
evhttp_keyvalq_append_(struct evkeyvalq *headers, const char *key,
    size_t key_len, const char *value, size_t value_len)
{
	struct evkeyval *kv;

	if ((kv = mm_calloc(1, sizeof(*kv))) == NULL)
		return -1;
	if ((kv->key = evhttp_strndup_(key, key_len)) == NULL ||
	    (kv->value = evhttp_strndup_(value, value_len)) == NULL) {
		free_kv(kv);
		return -1;
	}
	TAILQ_INSERT_TAIL(headers, kv, next);
	return 0;
}

int
evhttp_add_header(struct evkeyvalq *headers, const char *key, const char *value)
{
	size_t klen, vlen;

	if (headers == NULL || key == NULL || value == NULL)
		return -1;
	klen = strlen(key);
	vlen = strlen(value);
	if (!http_field_name_ok_(key, klen) ||
	    !http_field_value_ok_(value, vlen))
		return -1;
	return evhttp_keyvalq_append_(headers, key, klen, value, vlen);
}
