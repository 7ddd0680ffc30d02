/*
 * mm.c: event_set_mem_functions() and the mm_* allocation wrappers.
 *
 * A NULL hook means "use the C library"; each wrapper tests its hook once,
 * a branch that is always predicted the same way in a given program.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "mm-internal.h"
#include "util-internal.h"

static void *(*user_malloc)(size_t sz);
static void *(*user_realloc)(void *ptr, size_t sz);
static void (*user_free)(void *ptr);

void
event_set_mem_functions(void *(*malloc_fn)(size_t sz),
    void *(*realloc_fn)(void *ptr, size_t sz), void (*free_fn)(void *ptr))
{
	user_malloc = malloc_fn;
	user_realloc = realloc_fn;
	user_free = free_fn;
}

void *
event_mm_malloc_(size_t sz)
{
	if (sz == 0)
		return NULL;
	if (EVUTIL_UNLIKELY(user_malloc != NULL))
		return user_malloc(sz);
	return malloc(sz);
}

void *
event_mm_calloc_(size_t count, size_t size)
{
	size_t total;
	void *p;

	if (count == 0 || size == 0)
		return NULL;
	/* Checked here too for calloc: sanitizers abort on its overflow. */
	if (EVUTIL_UNLIKELY(count > SIZE_MAX / size)) {
		errno = ENOMEM;
		return NULL;
	}
	if (EVUTIL_LIKELY(user_malloc == NULL))
		return calloc(count, size);
	total = count * size;
	p = user_malloc(total);
	if (p == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	return memset(p, 0, total);
}

char *
event_mm_strdup_(const char *str)
{
	size_t len;
	char *p;

	if (str == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (EVUTIL_LIKELY(user_malloc == NULL))
		return strdup(str);
	len = strlen(str) + 1; /* cannot wrap: str fits in memory */
	p = user_malloc(len);
	if (p == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	return memcpy(p, str, len);
}

void *
event_mm_realloc_(void *ptr, size_t sz)
{
	if (EVUTIL_UNLIKELY(user_realloc != NULL))
		return user_realloc(ptr, sz);
	return realloc(ptr, sz);
}

void
event_mm_free_(void *ptr)
{
	if (EVUTIL_UNLIKELY(user_free != NULL))
		user_free(ptr);
	else
		free(ptr);
}
