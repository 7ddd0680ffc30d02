/*
 * bufferevent_ratelim.c: rate limits for bufferevents and groups.
 *
 * A limited bufferevent has a token bucket per direction.  Each transfer
 * is charged to it; when a bucket runs dry the direction is suspended
 * (BEV_SUSPEND_BW) and a one-shot timer refills it at the next tick.  A
 * group has one shared bucket refilled by a persistent timer every tick;
 * when it runs dry every member is suspended (BEV_SUSPEND_BW_GROUP), and
 * a member may take at most an equal share of it per transfer (never less
 * than the group's minimum share).
 *
 * Lock order: a bufferevent's lock, then its group's.  Code holding a
 * group lock only try-locks members; a member it could not lock notices
 * the group state the next time it asks how much it may move.
 */
#include "config.h"

#include <limits.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/thread.h>
#include <event2/util.h>

#include "bufferevent-internal.h"
#include "evthread-internal.h"
#include "mm-internal.h"
#include "ratelim-internal.h"
#include "util-internal.h"

struct bufferevent_rate_limit_group {
	/* Members, linked through their rate_limiting->next_in_group. */
	struct bufferevent_private *members;
	int n_members;
	struct ev_token_bucket rate_limit;
	struct ev_token_bucket_cfg rate_limit_cfg; /* a copy */
	unsigned read_suspended : 1;
	unsigned write_suspended : 1;
	/* Some members could not be resumed (their lock was busy): retry
	 * at the next tick. */
	unsigned pending_unsuspend_read : 1;
	unsigned pending_unsuspend_write : 1;
	ev_uint64_t total_read;
	ev_uint64_t total_written;
	/* The share floor: configured_min_share capped by the rates. */
	ev_ssize_t min_share;
	size_t configured_min_share;
	struct event master_refill_event; /* every tick */
	struct evutil_weakrand_state weakrand_seed;
	void *lock;
};

#define LOCK_GROUP(g) EVLOCK_LOCK((g)->lock, 0)
#define UNLOCK_GROUP(g) EVLOCK_UNLOCK((g)->lock, 0)

/* ------------------------------------------------------------------ */
/* Token buckets.                                                      */

void
ev_token_bucket_init_(struct ev_token_bucket *bucket,
    const struct ev_token_bucket_cfg *cfg, ev_uint32_t current_tick,
    int reinitialize)
{
	if (reinitialize) {
		/* Whatever was used this tick stays used: clip only. */
		if (bucket->read_limit > (ev_ssize_t)cfg->read_maximum)
			bucket->read_limit = (ev_ssize_t)cfg->read_maximum;
		if (bucket->write_limit > (ev_ssize_t)cfg->write_maximum)
			bucket->write_limit = (ev_ssize_t)cfg->write_maximum;
	} else {
		bucket->read_limit = (ev_ssize_t)cfg->read_rate;
		bucket->write_limit = (ev_ssize_t)cfg->write_rate;
		bucket->last_updated = current_tick;
	}
}

/* Adds n_ticks * rate to *limit without passing maximum or overflowing. */
static void
refill_one(ev_ssize_t *limit, size_t rate, size_t maximum, unsigned n_ticks)
{
	/* maximum - *limit can exceed EV_SSIZE_MAX when *limit < 0. */
	size_t room = maximum - (size_t)*limit;

	if (room / n_ticks < rate)
		*limit = (ev_ssize_t)maximum;
	else
		*limit += (ev_ssize_t)(n_ticks * rate);
}

int
ev_token_bucket_update_(struct ev_token_bucket *bucket,
    const struct ev_token_bucket_cfg *cfg, ev_uint32_t current_tick)
{
	/* Unsigned, so that a wrapped tick counter still subtracts right. */
	unsigned n_ticks = current_tick - bucket->last_updated;

	/* No tick passed, or the clock went back. */
	if (n_ticks == 0 || n_ticks > INT_MAX)
		return 0;
	refill_one(&bucket->read_limit, cfg->read_rate, cfg->read_maximum,
	    n_ticks);
	refill_one(&bucket->write_limit, cfg->write_rate, cfg->write_maximum,
	    n_ticks);
	bucket->last_updated = current_tick;
	return 1;
}

ev_uint32_t
ev_token_bucket_get_tick_(const struct timeval *tv,
    const struct ev_token_bucket_cfg *cfg)
{
	/* 64 bits, so that the product cannot overflow before dividing. */
	ev_uint64_t msec =
	    (ev_uint64_t)tv->tv_sec * 1000 + (ev_uint64_t)tv->tv_usec / 1000;

	return (ev_uint32_t)(msec / cfg->msec_per_tick);
}

struct ev_token_bucket_cfg *
ev_token_bucket_cfg_new(size_t read_rate, size_t read_burst, size_t write_rate,
    size_t write_burst, const struct timeval *tick_len)
{
	struct ev_token_bucket_cfg *cfg;
	struct timeval one_second;
	unsigned msec;

	if (tick_len == NULL) {
		one_second.tv_sec = 1;
		one_second.tv_usec = 0;
		tick_len = &one_second;
	}
	if (read_rate > read_burst || write_rate > write_burst ||
	    read_rate < 1 || write_rate < 1)
		return NULL;
	if (read_rate > EV_RATE_LIMIT_MAX || write_rate > EV_RATE_LIMIT_MAX ||
	    read_burst > EV_RATE_LIMIT_MAX || write_burst > EV_RATE_LIMIT_MAX)
		return NULL;
	if ((cfg = mm_calloc(1, sizeof(*cfg))) == NULL)
		return NULL;
	cfg->read_rate = read_rate;
	cfg->write_rate = write_rate;
	cfg->read_maximum = read_burst;
	cfg->write_maximum = write_burst;
	cfg->tick_timeout = *tick_len;
	/* Drop the common-timeout bits a program may have put in tv_usec. */
	msec = (unsigned)(tick_len->tv_sec * 1000 +
	    (tick_len->tv_usec & MICROSECONDS_MASK) / 1000);
	/* A tick shorter than a millisecond would divide by zero. */
	cfg->msec_per_tick = msec ? msec : 1;
	return cfg;
}

void
ev_token_bucket_cfg_free(struct ev_token_bucket_cfg *cfg)
{
	mm_free(cfg);
}

/* ------------------------------------------------------------------ */
/* Per-bufferevent state.                                              */

int
bufferevent_ratelim_init_(struct bufferevent_private *bev)
{
	bev->rate_limiting = NULL;
	bev->max_single_read = BEV_MAX_SINGLE_READ_DEFAULT;
	bev->max_single_write = BEV_MAX_SINGLE_WRITE_DEFAULT;
	return 0;
}

void
bufferevent_ratelim_free_(struct bufferevent_private *bev)
{
	if (bev->rate_limiting == NULL)
		return;
	if (bev->rate_limiting->group)
		bufferevent_remove_from_rate_limit_group_internal_(&bev->bev,
		    0);
	mm_free(bev->rate_limiting);
	bev->rate_limiting = NULL;
}

/* Brings bev's own bucket up to date with the clock. */
static void
update_own_bucket(struct bufferevent_private *bev)
{
	struct bufferevent_rate_limit *rl = bev->rate_limiting;
	struct timeval now;
	ev_uint32_t tick;

	event_base_gettimeofday_cached(bev->bev.ev_base, &now);
	tick = ev_token_bucket_get_tick_(&now, rl->cfg);
	if (tick != rl->limit.last_updated)
		ev_token_bucket_update_(&rl->limit, rl->cfg, tick);
}

/*
 * The most bev may read (is_write 0) or write now: the single-transfer
 * maximum, replaced by its own bucket when it has a limit, then capped by
 * its share of the group bucket.  Never negative.
 */
static ev_ssize_t
get_rlim_max(struct bufferevent_private *bev, int is_write)
{
	struct bufferevent_rate_limit *rl = bev->rate_limiting;
	ev_ssize_t max_so_far =
	    is_write ? bev->max_single_write : bev->max_single_read;

	if (rl == NULL)
		return max_so_far;
	if (rl->cfg) {
		update_own_bucket(bev);
		max_so_far =
		    is_write ? rl->limit.write_limit : rl->limit.read_limit;
	}
	if (rl->group) {
		struct bufferevent_rate_limit_group *g = rl->group;
		ev_ssize_t share;

		LOCK_GROUP(g);
		if (is_write ? g->write_suspended : g->read_suspended) {
			/* The group stopped while bev's lock was busy. */
			if (is_write)
				bufferevent_suspend_write_(&bev->bev,
				    BEV_SUSPEND_BW_GROUP);
			else
				bufferevent_suspend_read_(&bev->bev,
				    BEV_SUSPEND_BW_GROUP);
			share = 0;
		} else {
			share = (is_write ? g->rate_limit.write_limit
			                  : g->rate_limit.read_limit) /
			    g->n_members;
			if (share < g->min_share)
				share = g->min_share;
		}
		UNLOCK_GROUP(g);
		if (max_so_far > share)
			max_so_far = share;
	}
	return max_so_far < 0 ? 0 : max_so_far;
}

ev_ssize_t
bufferevent_get_read_max_(struct bufferevent_private *bev)
{
	return get_rlim_max(bev, 0);
}

ev_ssize_t
bufferevent_get_write_max_(struct bufferevent_private *bev)
{
	return get_rlim_max(bev, 1);
}

static void group_suspend(struct bufferevent_rate_limit_group *g, int is_write);
static void group_unsuspend(struct bufferevent_rate_limit_group *g,
    int is_write);

/* Charges bytes to bev's buckets in one direction. */
static int
decrement_buckets(struct bufferevent_private *bev, ev_ssize_t bytes,
    int is_write)
{
	struct bufferevent_rate_limit *rl = bev->rate_limiting;
	int r = 0;

	if (rl == NULL)
		return 0;
	if (rl->cfg) {
		ev_ssize_t *limit =
		    is_write ? &rl->limit.write_limit : &rl->limit.read_limit;
		bufferevent_suspend_flags mine =
		    is_write ? bev->write_suspended : bev->read_suspended;
		bufferevent_suspend_flags other =
		    is_write ? bev->read_suspended : bev->write_suspended;

		*limit -= bytes;
		if (*limit <= 0) {
			if (is_write)
				bufferevent_suspend_write_(&bev->bev,
				    BEV_SUSPEND_BW);
			else
				bufferevent_suspend_read_(&bev->bev,
				    BEV_SUSPEND_BW);
			if (event_add(&rl->refill_bucket_event,
			        &rl->cfg->tick_timeout) < 0)
				r = -1;
		} else if (mine & BEV_SUSPEND_BW) {
			/* The refill timer stays while the other side
			 * still waits for it. */
			if (!(other & BEV_SUSPEND_BW))
				event_del(&rl->refill_bucket_event);
			if (is_write)
				bufferevent_unsuspend_write_(&bev->bev,
				    BEV_SUSPEND_BW);
			else
				bufferevent_unsuspend_read_(&bev->bev,
				    BEV_SUSPEND_BW);
		}
	}
	if (rl->group) {
		struct bufferevent_rate_limit_group *g = rl->group;
		ev_ssize_t *limit = is_write ? &g->rate_limit.write_limit
		                             : &g->rate_limit.read_limit;

		LOCK_GROUP(g);
		*limit -= bytes;
		if (is_write)
			g->total_written += (ev_uint64_t)bytes;
		else
			g->total_read += (ev_uint64_t)bytes;
		if (*limit <= 0)
			group_suspend(g, is_write);
		else if (is_write ? g->write_suspended : g->read_suspended)
			group_unsuspend(g, is_write);
		UNLOCK_GROUP(g);
	}
	return r;
}

int
bufferevent_decrement_read_buckets_(struct bufferevent_private *bev,
    ev_ssize_t bytes)
{
	return decrement_buckets(bev, bytes, 0);
}

int
bufferevent_decrement_write_buckets_(struct bufferevent_private *bev,
    ev_ssize_t bytes)
{
	return decrement_buckets(bev, bytes, 1);
}

/* One-shot timer: refill bev's own bucket and resume what it allows. */
static void
refill_own_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bufferevent_private *bev = arg;
	struct bufferevent_rate_limit *rl;
	struct timeval now;
	int again = 0;

	(void)fd;
	(void)what;
	BEV_LOCK(&bev->bev);
	rl = bev->rate_limiting;
	if (rl == NULL || rl->cfg == NULL) {
		BEV_UNLOCK(&bev->bev);
		return;
	}
	event_base_gettimeofday_cached(bev->bev.ev_base, &now);
	ev_token_bucket_update_(&rl->limit, rl->cfg,
	    ev_token_bucket_get_tick_(&now, rl->cfg));
	if (bev->read_suspended & BEV_SUSPEND_BW) {
		if (rl->limit.read_limit > 0)
			bufferevent_unsuspend_read_(&bev->bev, BEV_SUSPEND_BW);
		else
			again = 1;
	}
	if (bev->write_suspended & BEV_SUSPEND_BW) {
		if (rl->limit.write_limit > 0)
			bufferevent_unsuspend_write_(&bev->bev, BEV_SUSPEND_BW);
		else
			again = 1;
	}
	/* A bucket that was deep in debt needs more than one tick. */
	if (again)
		event_add(&rl->refill_bucket_event, &rl->cfg->tick_timeout);
	BEV_UNLOCK(&bev->bev);
}

/* Allocates bev's rate-limit state with its refill timer. */
static struct bufferevent_rate_limit *
get_rate_limiting(struct bufferevent_private *bevp)
{
	struct bufferevent_rate_limit *rl = bevp->rate_limiting;

	if (rl)
		return rl;
	if ((rl = mm_calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	event_assign(&rl->refill_bucket_event, bevp->bev.ev_base, -1,
	    EV_FINALIZE, refill_own_cb, bevp);
	bevp->rate_limiting = rl;
	return rl;
}

int
bufferevent_set_rate_limit(struct bufferevent *bev,
    struct ev_token_bucket_cfg *cfg)
{
	struct bufferevent_private *bevp = BEV_UPCAST(bev);
	struct bufferevent_rate_limit *rl;
	struct timeval now;
	ev_uint32_t tick;
	int reinit, suspended = 0, r = -1;

	BEV_LOCK(bev);
	if (cfg == NULL) {
		if ((rl = bevp->rate_limiting) != NULL) {
			rl->cfg = NULL;
			bufferevent_unsuspend_read_(bev, BEV_SUSPEND_BW);
			bufferevent_unsuspend_write_(bev, BEV_SUSPEND_BW);
			if (event_initialized(&rl->refill_bucket_event))
				event_del(&rl->refill_bucket_event);
		}
		r = 0;
		goto done;
	}

	event_base_gettimeofday_cached(bev->ev_base, &now);
	tick = ev_token_bucket_get_tick_(&now, cfg);
	if (bevp->rate_limiting && bevp->rate_limiting->cfg == cfg) {
		r = 0;
		goto done;
	}
	if ((rl = get_rate_limiting(bevp)) == NULL)
		goto done;
	reinit = rl->cfg != NULL;
	rl->cfg = cfg;
	ev_token_bucket_init_(&rl->limit, cfg, tick, reinit);
	if (reinit)
		event_del(&rl->refill_bucket_event);

	if (rl->limit.read_limit > 0) {
		bufferevent_unsuspend_read_(bev, BEV_SUSPEND_BW);
	} else {
		bufferevent_suspend_read_(bev, BEV_SUSPEND_BW);
		suspended = 1;
	}
	if (rl->limit.write_limit > 0) {
		bufferevent_unsuspend_write_(bev, BEV_SUSPEND_BW);
	} else {
		bufferevent_suspend_write_(bev, BEV_SUSPEND_BW);
		suspended = 1;
	}
	if (suspended)
		event_add(&rl->refill_bucket_event, &cfg->tick_timeout);
	r = 0;
done:
	BEV_UNLOCK(bev);
	return r;
}

const struct ev_token_bucket_cfg *
bufferevent_get_token_bucket_cfg(const struct bufferevent *bev)
{
	struct bufferevent_private *bevp =
	    BEV_UPCAST((struct bufferevent *)bev);
	struct ev_token_bucket_cfg *cfg;

	BEV_LOCK(bev);
	cfg = bevp->rate_limiting ? bevp->rate_limiting->cfg : NULL;
	BEV_UNLOCK(bev);
	return cfg;
}

/* ------------------------------------------------------------------ */
/* Groups.                                                             */

static void
group_link(struct bufferevent_rate_limit_group *g,
    struct bufferevent_private *bevp)
{
	struct bufferevent_rate_limit *rl = bevp->rate_limiting;

	/* At the head, as libevent's member list does. */
	rl->next_in_group = g->members;
	if (g->members)
		g->members->rate_limiting->prev_in_group = &rl->next_in_group;
	g->members = bevp;
	rl->prev_in_group = &g->members;
}

static void
group_unlink(struct bufferevent_private *bevp)
{
	struct bufferevent_rate_limit *rl = bevp->rate_limiting;

	if (rl->next_in_group)
		rl->next_in_group->rate_limiting->prev_in_group =
		    rl->prev_in_group;
	*rl->prev_in_group = rl->next_in_group;
	rl->next_in_group = NULL;
	rl->prev_in_group = NULL;
}

#define NEXT_MEMBER(bevp) ((bevp)->rate_limiting->next_in_group)

/* Takes a member's lock without waiting: 1 when taken (or no lock). */
static int
member_trylock(struct bufferevent_private *bev)
{
	return bev->lock == NULL ||
	    evthread_lock_fns_.lock(EVTHREAD_TRY, bev->lock) == 0;
}

/* Stops one direction of every member that can be locked now. */
static void
group_suspend(struct bufferevent_rate_limit_group *g, int is_write)
{
	struct bufferevent_private *bev;

	if (is_write) {
		g->write_suspended = 1;
		g->pending_unsuspend_write = 0;
	} else {
		g->read_suspended = 1;
		g->pending_unsuspend_read = 0;
	}
	for (bev = g->members; bev; bev = NEXT_MEMBER(bev)) {
		if (!member_trylock(bev))
			continue;
		if (is_write)
			bufferevent_suspend_write_(&bev->bev,
			    BEV_SUSPEND_BW_GROUP);
		else
			bufferevent_suspend_read_(&bev->bev,
			    BEV_SUSPEND_BW_GROUP);
		EVLOCK_UNLOCK(bev->lock, 0);
	}
}

/* A member chosen at random, so that no member always goes first. */
static struct bufferevent_private *
group_random_member(struct bufferevent_rate_limit_group *g)
{
	struct bufferevent_private *bev;
	int which;

	if (g->n_members == 0)
		return NULL;
	which = evutil_weakrand_range_(&g->weakrand_seed, g->n_members);
	for (bev = g->members; which > 0; which--)
		bev = NEXT_MEMBER(bev);
	return bev;
}

static void
group_unsuspend_one(struct bufferevent_private *bev, int is_write, int *again)
{
	if (!member_trylock(bev)) {
		*again = 1;
		return;
	}
	if (is_write)
		bufferevent_unsuspend_write_(&bev->bev, BEV_SUSPEND_BW_GROUP);
	else
		bufferevent_unsuspend_read_(&bev->bev, BEV_SUSPEND_BW_GROUP);
	EVLOCK_UNLOCK(bev->lock, 0);
}

/* Resumes one direction of every member, from a random starting point. */
static void
group_unsuspend(struct bufferevent_rate_limit_group *g, int is_write)
{
	struct bufferevent_private *bev, *first;
	int again = 0;

	if (is_write)
		g->write_suspended = 0;
	else
		g->read_suspended = 0;
	first = group_random_member(g);
	for (bev = first; bev; bev = NEXT_MEMBER(bev))
		group_unsuspend_one(bev, is_write, &again);
	for (bev = g->members; bev && bev != first; bev = NEXT_MEMBER(bev))
		group_unsuspend_one(bev, is_write, &again);
	if (is_write)
		g->pending_unsuspend_write = again;
	else
		g->pending_unsuspend_read = again;
}

/* Every tick: refill the group bucket and resume the members. */
static void
group_refill_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bufferevent_rate_limit_group *g = arg;
	struct timeval now;
	ev_uint32_t tick;

	(void)fd;
	(void)what;
	event_base_gettimeofday_cached(event_get_base(&g->master_refill_event),
	    &now);
	LOCK_GROUP(g);
	tick = ev_token_bucket_get_tick_(&now, &g->rate_limit_cfg);
	ev_token_bucket_update_(&g->rate_limit, &g->rate_limit_cfg, tick);
	if (g->pending_unsuspend_read ||
	    (g->read_suspended && g->rate_limit.read_limit >= g->min_share))
		group_unsuspend(g, 0);
	if (g->pending_unsuspend_write ||
	    (g->write_suspended && g->rate_limit.write_limit >= g->min_share))
		group_unsuspend(g, 1);
	UNLOCK_GROUP(g);
}

struct bufferevent_rate_limit_group *
bufferevent_rate_limit_group_new(struct event_base *base,
    const struct ev_token_bucket_cfg *cfg)
{
	struct bufferevent_rate_limit_group *g;
	struct timeval now;
	ev_uint32_t tick;

	event_base_gettimeofday_cached(base, &now);
	tick = ev_token_bucket_get_tick_(&now, cfg);
	if ((g = mm_calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->rate_limit_cfg = *cfg;
	ev_token_bucket_init_(&g->rate_limit, cfg, tick, 0);
	event_assign(&g->master_refill_event, base, -1,
	    EV_PERSIST | EV_FINALIZE, group_refill_cb, g);
	event_add(&g->master_refill_event, &cfg->tick_timeout);
	EVTHREAD_ALLOC_LOCK(g->lock, EVTHREAD_LOCKTYPE_RECURSIVE);
	bufferevent_rate_limit_group_set_min_share(g, 64);
	evutil_weakrand_seed_(&g->weakrand_seed,
	    (ev_uint32_t)((now.tv_sec + now.tv_usec) + (ev_intptr_t)g));
	return g;
}

int
bufferevent_rate_limit_group_set_cfg(struct bufferevent_rate_limit_group *g,
    const struct ev_token_bucket_cfg *cfg)
{
	int same_tick;

	if (g == NULL || cfg == NULL)
		return -1;
	LOCK_GROUP(g);
	same_tick = evutil_timercmp(&g->rate_limit_cfg.tick_timeout,
	    &cfg->tick_timeout, ==);
	g->rate_limit_cfg = *cfg;
	if (g->rate_limit.read_limit > (ev_ssize_t)cfg->read_maximum)
		g->rate_limit.read_limit = (ev_ssize_t)cfg->read_maximum;
	if (g->rate_limit.write_limit > (ev_ssize_t)cfg->write_maximum)
		g->rate_limit.write_limit = (ev_ssize_t)cfg->write_maximum;
	if (!same_tick)
		event_add(&g->master_refill_event, &cfg->tick_timeout);
	/* The cap on min_share depends on the rates. */
	bufferevent_rate_limit_group_set_min_share(g, g->configured_min_share);
	UNLOCK_GROUP(g);
	return 0;
}

int
bufferevent_rate_limit_group_set_min_share(struct bufferevent_rate_limit_group
                                               *g,
    size_t share)
{
	if (share > EV_SSIZE_MAX)
		return -1;
	g->configured_min_share = share;
	/* At steady state at least one member must be able to move. */
	if (share > g->rate_limit_cfg.read_rate)
		share = g->rate_limit_cfg.read_rate;
	if (share > g->rate_limit_cfg.write_rate)
		share = g->rate_limit_cfg.write_rate;
	g->min_share = (ev_ssize_t)share;
	return 0;
}

void
bufferevent_rate_limit_group_free(struct bufferevent_rate_limit_group *g)
{
	LOCK_GROUP(g);
	EVUTIL_ASSERT(g->n_members == 0);
	event_del(&g->master_refill_event);
	UNLOCK_GROUP(g);
	EVTHREAD_FREE_LOCK(g->lock, EVTHREAD_LOCKTYPE_RECURSIVE);
	mm_free(g);
}

int
bufferevent_add_to_rate_limit_group(struct bufferevent *bev,
    struct bufferevent_rate_limit_group *g)
{
	struct bufferevent_private *bevp = BEV_UPCAST(bev);
	struct bufferevent_rate_limit *rl;
	int rsuspend, wsuspend;

	/* Documented as leaving the current group (libevent crashes). */
	if (g == NULL)
		return bufferevent_remove_from_rate_limit_group(bev);
	BEV_LOCK(bev);
	if ((rl = get_rate_limiting(bevp)) == NULL) {
		BEV_UNLOCK(bev);
		return -1;
	}
	if (rl->group == g) {
		BEV_UNLOCK(bev);
		return 0;
	}
	if (rl->group)
		bufferevent_remove_from_rate_limit_group(bev);

	LOCK_GROUP(g);
	rl->group = g;
	++g->n_members;
	group_link(g, bevp);
	rsuspend = g->read_suspended;
	wsuspend = g->write_suspended;
	UNLOCK_GROUP(g);

	if (rsuspend)
		bufferevent_suspend_read_(bev, BEV_SUSPEND_BW_GROUP);
	if (wsuspend)
		bufferevent_suspend_write_(bev, BEV_SUSPEND_BW_GROUP);
	BEV_UNLOCK(bev);
	return 0;
}

int
bufferevent_remove_from_rate_limit_group(struct bufferevent *bev)
{
	return bufferevent_remove_from_rate_limit_group_internal_(bev, 1);
}

int
bufferevent_remove_from_rate_limit_group_internal_(struct bufferevent *bev,
    int unsuspend)
{
	struct bufferevent_private *bevp = BEV_UPCAST(bev);

	BEV_LOCK(bev);
	if (bevp->rate_limiting && bevp->rate_limiting->group) {
		struct bufferevent_rate_limit_group *g =
		    bevp->rate_limiting->group;
		LOCK_GROUP(g);
		bevp->rate_limiting->group = NULL;
		--g->n_members;
		group_unlink(bevp);
		UNLOCK_GROUP(g);
	}
	if (unsuspend) {
		bufferevent_unsuspend_read_(bev, BEV_SUSPEND_BW_GROUP);
		bufferevent_unsuspend_write_(bev, BEV_SUSPEND_BW_GROUP);
	}
	BEV_UNLOCK(bev);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Inspection and manual adjustment.                                   */

/* What bev's own bucket allows now in one direction (no limit: max). */
static ev_ssize_t
own_limit(struct bufferevent *bev, int for_write)
{
	struct bufferevent_private *bevp = BEV_UPCAST(bev);
	ev_ssize_t r;

	BEV_LOCK(bev);
	if (bevp->rate_limiting && bevp->rate_limiting->cfg) {
		update_own_bucket(bevp);
		r = for_write ? bevp->rate_limiting->limit.write_limit
		              : bevp->rate_limiting->limit.read_limit;
	} else {
		r = EV_SSIZE_MAX;
	}
	BEV_UNLOCK(bev);
	return r;
}

ev_ssize_t
bufferevent_get_read_limit(struct bufferevent *bev)
{
	return own_limit(bev, 0);
}

ev_ssize_t
bufferevent_get_write_limit(struct bufferevent *bev)
{
	return own_limit(bev, 1);
}

int
bufferevent_set_max_single_read(struct bufferevent *bev, size_t size)
{
	struct bufferevent_private *bevp = BEV_UPCAST(bev);

	BEV_LOCK(bev);
	if (size == 0 || size > EV_SSIZE_MAX)
		bevp->max_single_read = BEV_MAX_SINGLE_READ_DEFAULT;
	else
		bevp->max_single_read = (ev_ssize_t)size;
	BEV_UNLOCK(bev);
	return 0;
}

int
bufferevent_set_max_single_write(struct bufferevent *bev, size_t size)
{
	struct bufferevent_private *bevp = BEV_UPCAST(bev);

	BEV_LOCK(bev);
	if (size == 0 || size > EV_SSIZE_MAX)
		bevp->max_single_write = BEV_MAX_SINGLE_WRITE_DEFAULT;
	else
		bevp->max_single_write = (ev_ssize_t)size;
	BEV_UNLOCK(bev);
	return 0;
}

ev_ssize_t
bufferevent_get_max_single_read(struct bufferevent *bev)
{
	ev_ssize_t r;

	BEV_LOCK(bev);
	r = BEV_UPCAST(bev)->max_single_read;
	BEV_UNLOCK(bev);
	return r;
}

ev_ssize_t
bufferevent_get_max_single_write(struct bufferevent *bev)
{
	ev_ssize_t r;

	BEV_LOCK(bev);
	r = BEV_UPCAST(bev)->max_single_write;
	BEV_UNLOCK(bev);
	return r;
}

ev_ssize_t
bufferevent_get_max_to_read(struct bufferevent *bev)
{
	ev_ssize_t r;

	BEV_LOCK(bev);
	r = bufferevent_get_read_max_(BEV_UPCAST(bev));
	BEV_UNLOCK(bev);
	return r;
}

ev_ssize_t
bufferevent_get_max_to_write(struct bufferevent *bev)
{
	ev_ssize_t r;

	BEV_LOCK(bev);
	r = bufferevent_get_write_max_(BEV_UPCAST(bev));
	BEV_UNLOCK(bev);
	return r;
}

ev_ssize_t
bufferevent_rate_limit_group_get_read_limit(
    struct bufferevent_rate_limit_group *grp)
{
	ev_ssize_t r;

	LOCK_GROUP(grp);
	r = grp->rate_limit.read_limit;
	UNLOCK_GROUP(grp);
	return r;
}

ev_ssize_t
bufferevent_rate_limit_group_get_write_limit(
    struct bufferevent_rate_limit_group *grp)
{
	ev_ssize_t r;

	LOCK_GROUP(grp);
	r = grp->rate_limit.write_limit;
	UNLOCK_GROUP(grp);
	return r;
}

/* Moves bev's own bucket by decr, suspending or resuming at zero. */
static int
decrement_limit(struct bufferevent *bev, ev_ssize_t decr, int is_write)
{
	struct bufferevent_private *bevp = BEV_UPCAST(bev);
	struct bufferevent_rate_limit *rl;
	ev_ssize_t *limit, old_limit, new_limit;
	int r = 0;

	BEV_LOCK(bev);
	rl = bevp->rate_limiting;
	EVUTIL_ASSERT(rl && rl->cfg);
	limit = is_write ? &rl->limit.write_limit : &rl->limit.read_limit;
	old_limit = *limit;
	new_limit = (*limit -= decr);
	if (old_limit > 0 && new_limit <= 0) {
		if (is_write)
			bufferevent_suspend_write_(bev, BEV_SUSPEND_BW);
		else
			bufferevent_suspend_read_(bev, BEV_SUSPEND_BW);
		if (event_add(&rl->refill_bucket_event,
		        &rl->cfg->tick_timeout) < 0)
			r = -1;
	} else if (old_limit <= 0 && new_limit > 0) {
		bufferevent_suspend_flags other =
		    is_write ? bevp->read_suspended : bevp->write_suspended;
		if (!(other & BEV_SUSPEND_BW))
			event_del(&rl->refill_bucket_event);
		if (is_write)
			bufferevent_unsuspend_write_(bev, BEV_SUSPEND_BW);
		else
			bufferevent_unsuspend_read_(bev, BEV_SUSPEND_BW);
	}
	BEV_UNLOCK(bev);
	return r;
}

int
bufferevent_decrement_read_limit(struct bufferevent *bev, ev_ssize_t decr)
{
	return decrement_limit(bev, decr, 0);
}

int
bufferevent_decrement_write_limit(struct bufferevent *bev, ev_ssize_t decr)
{
	return decrement_limit(bev, decr, 1);
}

/* Moves a group's bucket by decr, suspending or resuming at zero. */
static int
group_decrement(struct bufferevent_rate_limit_group *grp, ev_ssize_t decr,
    int is_write)
{
	ev_ssize_t *limit, old_limit, new_limit;

	LOCK_GROUP(grp);
	limit = is_write ? &grp->rate_limit.write_limit
	                 : &grp->rate_limit.read_limit;
	old_limit = *limit;
	new_limit = (*limit -= decr);
	if (old_limit > 0 && new_limit <= 0)
		group_suspend(grp, is_write);
	else if (old_limit <= 0 && new_limit > 0)
		group_unsuspend(grp, is_write);
	UNLOCK_GROUP(grp);
	return 0;
}

int
bufferevent_rate_limit_group_decrement_read(struct bufferevent_rate_limit_group
                                                *grp,
    ev_ssize_t decr)
{
	return group_decrement(grp, decr, 0);
}

int
bufferevent_rate_limit_group_decrement_write(struct bufferevent_rate_limit_group
                                                 *grp,
    ev_ssize_t decr)
{
	return group_decrement(grp, decr, 1);
}

void
bufferevent_rate_limit_group_get_totals(struct bufferevent_rate_limit_group
                                            *grp,
    ev_uint64_t *total_read_out, ev_uint64_t *total_written_out)
{
	EVUTIL_ASSERT(grp != NULL);
	if (total_read_out)
		*total_read_out = grp->total_read;
	if (total_written_out)
		*total_written_out = grp->total_written;
}

void
bufferevent_rate_limit_group_reset_totals(
    struct bufferevent_rate_limit_group *grp)
{
	grp->total_read = 0;
	grp->total_written = 0;
}
