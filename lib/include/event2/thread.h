/*
 * event2/thread.h: making the library safe to use from several threads.
 *
 * Nothing is locked until the program installs lock callbacks, normally
 * with evthread_use_pthreads() before creating any base.  Functions return
 * 0 on success and -1 on failure.
 */
#ifndef EVENT2_THREAD_H_INCLUDED_
#define EVENT2_THREAD_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/event-config.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Lock modes given to the lock/unlock callbacks. */
#define EVTHREAD_WRITE 0x04 /* a read-write lock, taken for writing */
#define EVTHREAD_READ 0x08  /* a read-write lock, taken for reading */
#define EVTHREAD_TRY 0x10   /* fail instead of waiting */

#if !defined(EVENT__DISABLE_THREAD_SUPPORT)

#define EVTHREAD_LOCK_API_VERSION 1

/* Lock types given to the alloc/free callbacks (0 is a plain mutex). */
#define EVTHREAD_LOCKTYPE_RECURSIVE 1
#define EVTHREAD_LOCKTYPE_READWRITE 2

/* A lock implementation.  lock/unlock return 0 on success; with
 * EVTHREAD_TRY, lock returns non-zero when the lock is busy. */
struct evthread_lock_callbacks {
	int lock_api_version; /* EVTHREAD_LOCK_API_VERSION */
	unsigned supported_locktypes;
	void *(*alloc)(unsigned locktype);
	void (*free)(void *lock, unsigned locktype);
	int (*lock)(unsigned mode, void *lock);
	int (*unlock)(unsigned mode, void *lock);
};

/* Installs lock callbacks (copied); once set they cannot be changed. */
EVENT2_EXPORT_SYMBOL int evthread_set_lock_callbacks(
    const struct evthread_lock_callbacks *);

#define EVTHREAD_CONDITION_API_VERSION 1

struct timeval;

/*
 * A condition variable implementation.  wait_condition returns 0 when
 * signalled, 1 on timeout (timeout NULL: no timeout) and -1 on error;
 * signal_condition wakes all waiters when broadcast is non-zero.
 */
struct evthread_condition_callbacks {
	int condition_api_version; /* EVTHREAD_CONDITION_API_VERSION */
	void *(*alloc_condition)(unsigned condtype);
	void (*free_condition)(void *cond);
	int (*signal_condition)(void *cond, int broadcast);
	int (*wait_condition)(void *cond, void *lock,
	    const struct timeval *timeout);
};

EVENT2_EXPORT_SYMBOL int evthread_set_condition_callbacks(
    const struct evthread_condition_callbacks *);

/* How to tell threads apart: returns an id for the calling thread. */
EVENT2_EXPORT_SYMBOL void evthread_set_id_callback(
    unsigned long (*id_fn)(void));

#if defined(EVENT__HAVE_PTHREADS)
/* Installs pthreads locks, conditions and thread ids. */
EVENT2_EXPORT_SYMBOL int evthread_use_pthreads(void);
#define EVTHREAD_USE_PTHREADS_IMPLEMENTED 1
#endif

/*
 * Wraps the installed locks with checks (unlock by a non-owner, recursive
 * use of a plain lock, ...) that abort on misuse.  Call it right after
 * installing the locks.  The second name is an old misspelling.
 */
EVENT2_EXPORT_SYMBOL void evthread_enable_lock_debugging(void);
EVENT2_EXPORT_SYMBOL void evthread_enable_lock_debuging(void);

#endif /* !EVENT__DISABLE_THREAD_SUPPORT */

struct event_base;

/* Lets other threads wake the loop of base when they change its events. */
EVENT2_EXPORT_SYMBOL int evthread_make_base_notifiable(struct event_base *base);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_THREAD_H_INCLUDED_ */
