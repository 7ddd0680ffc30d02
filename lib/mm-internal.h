/*
 * mm-internal.h: the allocator every part of the library goes through.
 *
 * The mm_* macros call the functions a program handed to
 * event_set_mem_functions(), or the C library's when it gave none.  Every
 * allocation made by the library must use them, and every block must be
 * released with mm_free(), so that a program that replaces the allocator
 * (to count blocks or to inject failures) sees all of our memory.
 */
#ifndef MM_INTERNAL_H_INCLUDED_
#define MM_INTERNAL_H_INCLUDED_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Returns NULL for a zero size, without touching errno, so that callers
 * never receive a block they may not use.
 */
void *event_mm_malloc_(size_t sz)
#ifdef __GNUC__
    __attribute__((malloc))
#endif
    ;

/*
 * Returns zeroed memory.  NULL with errno = ENOMEM when count * size does
 * not fit in a size_t or the allocator fails; NULL without touching errno
 * when either is zero.
 */
void *event_mm_calloc_(size_t count, size_t size)
#ifdef __GNUC__
    __attribute__((malloc))
#endif
    ;

/* NULL with errno = EINVAL when str is NULL, ENOMEM when out of memory. */
char *event_mm_strdup_(const char *str)
#ifdef __GNUC__
    __attribute__((malloc))
#endif
    ;

/* Goes through the program's realloc, with realloc(3)'s semantics. */
void *event_mm_realloc_(void *ptr, size_t sz);

/* Accepts NULL. */
void event_mm_free_(void *ptr);

#define mm_malloc(sz) event_mm_malloc_(sz)
#define mm_calloc(count, size) event_mm_calloc_((count), (size))
#define mm_strdup(s) event_mm_strdup_(s)
#define mm_realloc(p, sz) event_mm_realloc_((p), (sz))
#define mm_free(p) event_mm_free_(p)

#ifdef __cplusplus
}
#endif

#endif /* MM_INTERNAL_H_INCLUDED_ */
