/*
 * evthread_pthread.c: evthread_use_pthreads(), the lock, condition and id
 * callbacks built on POSIX threads.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/thread.h>

#include "evthread-internal.h"
#include "mm-internal.h"

/* Every lock is recursive: the library takes the base lock re-entrantly. */
static pthread_mutexattr_t recursive_attr;

static void *
pthread_lock_alloc(unsigned locktype)
{
	pthread_mutexattr_t *attr = NULL;
	pthread_mutex_t *lock = mm_malloc(sizeof(*lock));

	if (lock == NULL)
		return NULL;
	if (locktype & EVTHREAD_LOCKTYPE_RECURSIVE)
		attr = &recursive_attr;
	if (pthread_mutex_init(lock, attr)) {
		mm_free(lock);
		return NULL;
	}
	return lock;
}

static void
pthread_lock_free(void *lock, unsigned locktype)
{
	pthread_mutex_destroy(lock);
	mm_free(lock);
}

static int
pthread_lock_lock(unsigned mode, void *lock)
{
	if (mode & EVTHREAD_TRY)
		return pthread_mutex_trylock(lock);
	return pthread_mutex_lock(lock);
}

static int
pthread_lock_unlock(unsigned mode, void *lock)
{
	return pthread_mutex_unlock(lock);
}

static unsigned long
pthread_thread_id(void)
{
	/* pthread_t is an integer on Linux; the cast keeps it unique. */
	return (unsigned long)pthread_self();
}

static void *
pthread_cond_alloc(unsigned condflags)
{
	pthread_cond_t *cond = mm_malloc(sizeof(*cond));

	if (cond == NULL)
		return NULL;
	if (pthread_cond_init(cond, NULL)) {
		mm_free(cond);
		return NULL;
	}
	return cond;
}

static void
pthread_cond_free(void *cond)
{
	pthread_cond_destroy(cond);
	mm_free(cond);
}

static int
pthread_cond_signal_cb(void *cond, int broadcast)
{
	int r = broadcast ? pthread_cond_broadcast(cond)
	                  : pthread_cond_signal(cond);

	return r ? -1 : 0;
}

/* 0 when signalled, 1 on timeout, -1 on error. */
static int
pthread_cond_wait_cb(void *cond, void *lock, const struct timeval *tv)
{
	int r;

	if (tv) {
		struct timeval now, abstime;
		struct timespec ts;
		gettimeofday(&now, NULL);
		timeradd(&now, tv, &abstime);
		ts.tv_sec = abstime.tv_sec;
		ts.tv_nsec = abstime.tv_usec * 1000;
		r = pthread_cond_timedwait(cond, lock, &ts);
		if (r == ETIMEDOUT)
			return 1;
		return r ? -1 : 0;
	}
	r = pthread_cond_wait(cond, lock);
	return r ? -1 : 0;
}

int
evthread_use_pthreads(void)
{
	struct evthread_lock_callbacks cbs = {
		EVTHREAD_LOCK_API_VERSION,
		EVTHREAD_LOCKTYPE_RECURSIVE,
		pthread_lock_alloc,
		pthread_lock_free,
		pthread_lock_lock,
		pthread_lock_unlock,
	};
	struct evthread_condition_callbacks cond_cbs = {
		EVTHREAD_CONDITION_API_VERSION,
		pthread_cond_alloc,
		pthread_cond_free,
		pthread_cond_signal_cb,
		pthread_cond_wait_cb,
	};

	if (pthread_mutexattr_init(&recursive_attr))
		return -1;
	if (pthread_mutexattr_settype(&recursive_attr, PTHREAD_MUTEX_RECURSIVE))
		return -1;
	evthread_set_lock_callbacks(&cbs);
	evthread_set_condition_callbacks(&cond_cbs);
	evthread_set_id_callback(pthread_thread_id);
	return 0;
}
