/*
 * evthread.c: the lock, condition and thread-id callbacks the library runs
 * with, and the optional lock debugging layer over them.
 */
#include "config.h"

#include <string.h>

#include <event2/thread.h>
#include <event2/event.h>

#include "event-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

struct evthread_lock_callbacks evthread_lock_fns_;
struct evthread_condition_callbacks evthread_cond_fns_;
unsigned long (*evthread_id_fn_)(void);
int evthread_lock_debugging_enabled_;

/* The callbacks the debug layer wraps, once it is on. */
static struct evthread_lock_callbacks original_lock_fns;
static struct evthread_condition_callbacks original_cond_fns;

void
evthread_set_id_callback(unsigned long (*id_fn)(void))
{
	evthread_id_fn_ = id_fn;
}

static struct evthread_lock_callbacks *
active_lock_table(void)
{
	return evthread_lock_debugging_enabled_ ? &original_lock_fns
	                                        : &evthread_lock_fns_;
}

static struct evthread_condition_callbacks *
active_cond_table(void)
{
	return evthread_lock_debugging_enabled_ ? &original_cond_fns
	                                        : &evthread_cond_fns_;
}

int
evthread_set_lock_callbacks(const struct evthread_lock_callbacks *cbs)
{
	struct evthread_lock_callbacks *target = active_lock_table();

	if (cbs == NULL) {
		if (target->alloc)
			event_warnx("Trying to disable lock functions after "
			            "they have been set up will probably not "
			            "work.");
		memset(target, 0, sizeof(*target));
		return 0;
	}
	if (target->alloc) {
		/* Setting the same table again is harmless. */
		if (target->lock_api_version == cbs->lock_api_version &&
		    target->supported_locktypes == cbs->supported_locktypes &&
		    target->alloc == cbs->alloc && target->free == cbs->free &&
		    target->lock == cbs->lock && target->unlock == cbs->unlock)
			return 0;
		event_warnx("Can't change lock callbacks once they have been "
		            "initialized.");
		return -1;
	}
	if (cbs->alloc && cbs->free && cbs->lock && cbs->unlock) {
		*target = *cbs;
		event_debug_setup_lock_();
		return 0;
	}
	return -1;
}

int
evthread_set_condition_callbacks(const struct evthread_condition_callbacks *cbs)
{
	struct evthread_condition_callbacks *target = active_cond_table();

	if (cbs == NULL) {
		if (target->alloc_condition)
			event_warnx("Trying to disable condition functions "
			            "after they have been set up will probably "
			            "not work.");
		memset(target, 0, sizeof(*target));
		return 0;
	}
	if (target->alloc_condition) {
		if (target->condition_api_version ==
		        cbs->condition_api_version &&
		    target->alloc_condition == cbs->alloc_condition &&
		    target->free_condition == cbs->free_condition &&
		    target->signal_condition == cbs->signal_condition &&
		    target->wait_condition == cbs->wait_condition)
			return 0;
		event_warnx("Can't change condition callbacks once they have "
		            "been initialized.");
		return -1;
	}
	if (cbs->alloc_condition && cbs->free_condition &&
	    cbs->signal_condition && cbs->wait_condition) {
		*target = *cbs;
		if (evthread_lock_debugging_enabled_) {
			/* The debug layer keeps its wrappers; only the
			 * allocation and signal calls pass straight through. */
			evthread_cond_fns_.alloc_condition =
			    cbs->alloc_condition;
			evthread_cond_fns_.free_condition = cbs->free_condition;
			evthread_cond_fns_.signal_condition =
			    cbs->signal_condition;
		}
		return 0;
	}
	return -1;
}

/*
 * Lock debugging.  Each lock handed out is a wrapper that records which
 * thread holds it and how often, so that unlocking a lock one does not
 * hold, freeing a held lock or recursing into a non-recursive lock stops
 * the program at the first mistake.
 */
#define DEBUG_LOCK_SIG 0xdeb0b10c

struct debug_lock {
	unsigned signature;
	unsigned locktype;
	unsigned long held_by;
	int count; /* > 1 only for recursive locks */
	void *lock;
};

static void *
debug_lock_alloc(unsigned locktype)
{
	struct debug_lock *result = mm_malloc(sizeof(*result));

	if (result == NULL)
		return NULL;
	if (original_lock_fns.alloc) {
		result->lock = original_lock_fns.alloc(
		    locktype | EVTHREAD_LOCKTYPE_RECURSIVE);
		if (result->lock == NULL) {
			mm_free(result);
			return NULL;
		}
	} else {
		result->lock = NULL;
	}
	result->signature = DEBUG_LOCK_SIG;
	result->locktype = locktype;
	result->count = 0;
	result->held_by = 0;
	return result;
}

static void
debug_lock_free(void *lock_, unsigned locktype)
{
	struct debug_lock *lock = lock_;

	EVUTIL_ASSERT(lock->count == 0);
	EVUTIL_ASSERT(locktype == lock->locktype);
	EVUTIL_ASSERT(lock->signature == DEBUG_LOCK_SIG);
	if (original_lock_fns.free)
		original_lock_fns.free(lock->lock,
		    lock->locktype | EVTHREAD_LOCKTYPE_RECURSIVE);
	lock->lock = NULL;
	lock->count = -100;
	lock->signature = 0x12300fda;
	mm_free(lock);
}

static void
debug_note_locked(struct debug_lock *lock)
{
	EVUTIL_ASSERT(lock->signature == DEBUG_LOCK_SIG);
	if (++lock->count == 1) {
		if (evthread_id_fn_)
			lock->held_by = evthread_id_fn_();
	} else if (!(lock->locktype & EVTHREAD_LOCKTYPE_RECURSIVE)) {
		event_errx(EVENT_ERR_ABORT_,
		    "%s: a non-recursive lock was taken twice", __func__);
	}
	if (lock->count > 1 && evthread_id_fn_)
		EVUTIL_ASSERT(lock->held_by == evthread_id_fn_());
}

static void
debug_note_unlocked(struct debug_lock *lock)
{
	EVUTIL_ASSERT(lock->signature == DEBUG_LOCK_SIG);
	if (evthread_id_fn_ && lock->held_by)
		EVUTIL_ASSERT(lock->held_by == evthread_id_fn_());
	EVUTIL_ASSERT(lock->count > 0);
	if (--lock->count == 0)
		lock->held_by = 0;
}

static int
debug_lock_lock(unsigned mode, void *lock_)
{
	struct debug_lock *lock = lock_;
	int res = 0;

	if (lock->locktype & EVTHREAD_LOCKTYPE_READWRITE)
		EVUTIL_ASSERT(mode & (EVTHREAD_READ | EVTHREAD_WRITE));
	else
		EVUTIL_ASSERT((mode & (EVTHREAD_READ | EVTHREAD_WRITE)) == 0);
	if (original_lock_fns.lock)
		res = original_lock_fns.lock(mode, lock->lock);
	if (res == 0)
		debug_note_locked(lock);
	return res;
}

static int
debug_lock_unlock(unsigned mode, void *lock_)
{
	struct debug_lock *lock = lock_;

	if (lock->locktype & EVTHREAD_LOCKTYPE_READWRITE)
		EVUTIL_ASSERT(mode & (EVTHREAD_READ | EVTHREAD_WRITE));
	else
		EVUTIL_ASSERT((mode & (EVTHREAD_READ | EVTHREAD_WRITE)) == 0);
	debug_note_unlocked(lock);
	if (original_lock_fns.unlock)
		return original_lock_fns.unlock(mode, lock->lock);
	return 0;
}

static int
debug_cond_wait(void *cond, void *lock_, const struct timeval *tv)
{
	struct debug_lock *lock = lock_;
	int r;

	EVUTIL_ASSERT(lock != NULL);
	EVUTIL_ASSERT(lock->signature == DEBUG_LOCK_SIG);
	EVLOCK_ASSERT_LOCKED(lock_);
	debug_note_unlocked(lock);
	r = original_cond_fns.wait_condition(cond, lock->lock, tv);
	debug_note_locked(lock);
	return r;
}

void
evthread_enable_lock_debugging(void)
{
	struct evthread_lock_callbacks debug_fns = {
		EVTHREAD_LOCK_API_VERSION,
		EVTHREAD_LOCKTYPE_RECURSIVE,
		debug_lock_alloc,
		debug_lock_free,
		debug_lock_lock,
		debug_lock_unlock,
	};

	if (evthread_lock_debugging_enabled_)
		return;
	/* A global lock made with the old callbacks is remade with the
	 * debugging ones, which expect their own wrapper. */
	event_debug_free_lock_();
	original_lock_fns = evthread_lock_fns_;
	evthread_lock_fns_ = debug_fns;
	original_cond_fns = evthread_cond_fns_;
	evthread_cond_fns_.wait_condition = debug_cond_wait;
	evthread_lock_debugging_enabled_ = 1;
	event_debug_setup_lock_();
}

/* The old spelling, kept because programs call it. */
void
evthread_enable_lock_debuging(void)
{
	evthread_enable_lock_debugging();
}

int
evthread_is_debug_lock_held_(void *lock_)
{
	struct debug_lock *lock = lock_;

	if (!lock->count)
		return 0;
	if (evthread_id_fn_) {
		unsigned long me = evthread_id_fn_();
		if (lock->held_by != me)
			return 0;
	}
	return 1;
}

void *
evthread_debug_get_real_lock_(void *lock_)
{
	struct debug_lock *lock = lock_;

	return lock->lock;
}

void
evthread_free_globals_(void)
{
	evthread_lock_debugging_enabled_ = 0;
	memset(&evthread_lock_fns_, 0, sizeof(evthread_lock_fns_));
	memset(&evthread_cond_fns_, 0, sizeof(evthread_cond_fns_));
	memset(&original_lock_fns, 0, sizeof(original_lock_fns));
	memset(&original_cond_fns, 0, sizeof(original_cond_fns));
	evthread_id_fn_ = NULL;
}
