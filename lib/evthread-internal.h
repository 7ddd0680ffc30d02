/*
 * evthread-internal.h: locking as the library sees it.
 *
 * Until a program installs lock callbacks (evthread_use_pthreads or
 * evthread_set_lock_callbacks) every macro here costs one test of a NULL
 * pointer: single-threaded programs pay nothing else.
 */
#ifndef EVTHREAD_INTERNAL_H_INCLUDED_
#define EVTHREAD_INTERNAL_H_INCLUDED_

#include <event2/thread.h>

struct event_base;

extern struct evthread_lock_callbacks evthread_lock_fns_;
extern struct evthread_condition_callbacks evthread_cond_fns_;
extern unsigned long (*evthread_id_fn_)(void);
extern int evthread_lock_debugging_enabled_;

#define EVTHREAD_LOCKING_ENABLED() (evthread_lock_fns_.lock != NULL)

#define EVTHREAD_GET_ID() (evthread_id_fn_ ? evthread_id_fn_() : 1)

#define EVTHREAD_ALLOC_LOCK(lockvar, locktype)       \
	((lockvar) = evthread_lock_fns_.alloc        \
	        ? evthread_lock_fns_.alloc(locktype) \
	        : NULL)

#define EVTHREAD_FREE_LOCK(lockvar, locktype)                           \
	do {                                                            \
		void *lock_tmp_ = (lockvar);                            \
		if (lock_tmp_ && evthread_lock_fns_.free)               \
			evthread_lock_fns_.free(lock_tmp_, (locktype)); \
	} while (0)

#define EVLOCK_LOCK(lockvar, mode)                              \
	do {                                                    \
		if (lockvar)                                    \
			evthread_lock_fns_.lock(mode, lockvar); \
	} while (0)

#define EVLOCK_UNLOCK(lockvar, mode)                              \
	do {                                                      \
		if (lockvar)                                      \
			evthread_lock_fns_.unlock(mode, lockvar); \
	} while (0)

#define EVLOCK_TRY_LOCK_(lock) \
	(!(lock) || !evthread_lock_fns_.lock(EVTHREAD_TRY, lock))

#define EVBASE_IN_THREAD(base) \
	(evthread_id_fn_ == NULL || (base)->th_owner_id == evthread_id_fn_())

#define EVBASE_ACQUIRE_LOCK(base, lockvar) EVLOCK_LOCK((base)->lockvar, 0)
#define EVBASE_RELEASE_LOCK(base, lockvar) EVLOCK_UNLOCK((base)->lockvar, 0)

#define EVTHREAD_ALLOC_COND(condvar)                    \
	((condvar) = evthread_cond_fns_.alloc_condition \
	        ? evthread_cond_fns_.alloc_condition(0) \
	        : NULL)

#define EVTHREAD_FREE_COND(cond)                                 \
	do {                                                     \
		if (cond)                                        \
			evthread_cond_fns_.free_condition(cond); \
	} while (0)

#define EVTHREAD_COND_SIGNAL(cond) \
	((cond) ? evthread_cond_fns_.signal_condition((cond), 0) : 0)
#define EVTHREAD_COND_BROADCAST(cond) \
	((cond) ? evthread_cond_fns_.signal_condition((cond), 1) : 0)
#define EVTHREAD_COND_WAIT(cond, lock) \
	((cond) ? evthread_cond_fns_.wait_condition((cond), (lock), NULL) : 0)
#define EVTHREAD_COND_WAIT_TIMED(cond, lock, tv) \
	((cond) ? evthread_cond_fns_.wait_condition((cond), (lock), (tv)) : 0)

/* Lock debugging: 1 when the calling thread holds lock (or no debugging). */
int evthread_is_debug_lock_held_(void *lock);
void *evthread_debug_get_real_lock_(void *lock);

#define EVLOCK_ASSERT_LOCKED(lock)                                         \
	do {                                                               \
		if ((lock) && evthread_lock_debugging_enabled_) {          \
			EVUTIL_ASSERT(evthread_is_debug_lock_held_(lock)); \
		}                                                          \
	} while (0)

/* Takes two locks in address order, so two threads cannot deadlock. */
#define EVLOCK_LOCK2(lock1, lock2, mode1, mode2)                 \
	do {                                                     \
		void *lock1_tmplock_ = (lock1);                  \
		void *lock2_tmplock_ = (lock2);                  \
		unsigned mode1_tmp_ = (mode1);                   \
		unsigned mode2_tmp_ = (mode2);                   \
		if (lock1_tmplock_ > lock2_tmplock_) {           \
			void *t_ = lock1_tmplock_;               \
			unsigned m_ = mode1_tmp_;                \
			lock1_tmplock_ = lock2_tmplock_;         \
			lock2_tmplock_ = t_;                     \
			mode1_tmp_ = mode2_tmp_;                 \
			mode2_tmp_ = m_;                         \
		}                                                \
		EVLOCK_LOCK(lock1_tmplock_, mode1_tmp_);         \
		if (lock2_tmplock_ != lock1_tmplock_)            \
			EVLOCK_LOCK(lock2_tmplock_, mode2_tmp_); \
	} while (0)

#define EVLOCK_UNLOCK2(lock1, lock2, mode1, mode2)       \
	do {                                             \
		if ((lock1) != (lock2))                  \
			EVLOCK_UNLOCK((lock2), (mode2)); \
		EVLOCK_UNLOCK((lock1), (mode1));         \
	} while (0)

#endif /* EVTHREAD_INTERNAL_H_INCLUDED_ */
