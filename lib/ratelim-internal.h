/*
 * ratelim-internal.h: token buckets, as bufferevent rate limits use them.
 *
 * A bucket holds how many bytes may still be read and written in the
 * current tick.  Ticks are counted on the wall clock of the base
 * (event_base_gettimeofday_cached), in units of the configuration's tick
 * length, so that every bucket with the same tick length refills at the
 * same instants.
 */
#ifndef RATELIM_INTERNAL_H_INCLUDED_
#define RATELIM_INTERNAL_H_INCLUDED_

#include <sys/time.h>

#include <event2/util.h>

/* A bucket's levels; they go negative when a transfer overshoots. */
struct ev_token_bucket {
	ev_ssize_t read_limit;
	ev_ssize_t write_limit;
	ev_uint32_t last_updated; /* the tick of the last refill */
};

struct ev_token_bucket_cfg {
	size_t read_rate;    /* bytes added per tick */
	size_t read_maximum; /* the bucket never holds more */
	size_t write_rate;
	size_t write_maximum;
	struct timeval tick_timeout; /* the tick length */
	unsigned msec_per_tick;      /* the same, in milliseconds (>= 1) */
};

/*
 * Fills a bucket for cfg at tick current_tick.  A fresh bucket starts at
 * one tick's worth; with reinitialize, an existing one is only clipped
 * down to the new maxima.
 */
void ev_token_bucket_init_(struct ev_token_bucket *bucket,
    const struct ev_token_bucket_cfg *cfg, ev_uint32_t current_tick,
    int reinitialize);

/*
 * Adds what the ticks since the last update are worth, up to the maxima.
 * Returns 1 when time moved forward, 0 otherwise.
 */
int ev_token_bucket_update_(struct ev_token_bucket *bucket,
    const struct ev_token_bucket_cfg *cfg, ev_uint32_t current_tick);

/* The tick number of the wall-clock time tv. */
ev_uint32_t ev_token_bucket_get_tick_(const struct timeval *tv,
    const struct ev_token_bucket_cfg *cfg);

#endif /* RATELIM_INTERNAL_H_INCLUDED_ */
