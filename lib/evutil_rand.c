/*
 * evutil_rand.c: the secure RNG of event2/util.h, and the weak PRNG of
 * util-internal.h.
 *
 * The kernel already runs a CSPRNG, so the secure functions read
 * getrandom(2), or a urandom device on systems without it, and keep no
 * state of their own: nothing to seed, lock, or reseed after fork().
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/time.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_SYS_RANDOM_H
#include <sys/random.h>
#endif

#include <event2/util.h>

#include "log-internal.h"
#include "util-internal.h"

#define DEFAULT_URANDOM "/dev/urandom"

/* Set by evutil_secure_rng_set_urandom_device_file; not copied. */
static const char *urandom_file = DEFAULT_URANDOM;

int
evutil_secure_rng_global_setup_locks_(const int enable_locks)
{
	(void)enable_locks; /* no state, nothing to lock */
	return 0;
}

void
evutil_free_secure_rng_globals_(void)
{
	urandom_file = DEFAULT_URANDOM;
}

int
evutil_secure_rng_set_urandom_device_file(char *fname)
{
	urandom_file = fname != NULL ? fname : DEFAULT_URANDOM;
	return 0;
}

/* Fills buf from the device file; 0, or -1 with errno set. */
static int
read_urandom(unsigned char *buf, size_t n)
{
	ssize_t r;
	int fd;

	fd = evutil_open_closeonexec_(urandom_file, O_RDONLY, 0);
	if (fd < 0)
		return -1;
	while (n > 0) {
		r = read(fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int saved_errno = r < 0 ? errno : EIO;

			(void)close(fd);
			errno = saved_errno;
			return -1;
		}
		buf += r;
		n -= (size_t)r;
	}
	(void)close(fd);
	return 0;
}

/*
 * Fills buf with n bytes from the kernel; 0, or -1 with errno set.  With
 * nonblock, fails with EAGAIN instead of waiting for the kernel pool to
 * be initialised (early boot).
 */
static int
kernel_random(unsigned char *buf, size_t n, int nonblock)
{
#if defined(HAVE_GETRANDOM) && defined(GRND_NONBLOCK)
	ssize_t r;

	while (n > 0) {
		r = getrandom(buf, n, nonblock ? GRND_NONBLOCK : 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		buf += r;
		n -= (size_t)r;
	}
	if (n == 0)
		return 0;
		/* A kernel older than getrandom (3.17), or a filter: the
		 * device. */
#endif
	(void)nonblock;
	return read_urandom(buf, n);
}

int
evutil_secure_rng_init(void)
{
	unsigned char byte;
	int saved_errno = errno;
	int r;

	/* Only checks that random bytes can be had from now on. */
	r = kernel_random(&byte, 1, 0);
	errno = saved_errno;
	return r;
}

void
evutil_secure_rng_get_bytes(void *buf, size_t n)
{
	int saved_errno = errno;

	/*
	 * The API cannot report failure, and predictable bytes here would
	 * be a security hole: a system without any entropy source is fatal.
	 */
	if (kernel_random(buf, n, 0) < 0)
		event_err(EVENT_ERR_ABORT_, "%s: no source of random bytes",
		    __func__);
	errno = saved_errno;
}

void
evutil_secure_rng_add_bytes(const char *dat, size_t datlen)
{
	/* The kernel pool needs no help from us. */
	(void)dat;
	(void)datlen;
}

/* The weak PRNG: xorshift64* (Vigna), good enough for jitter. */

ev_uint32_t
evutil_weakrand_seed_(struct evutil_weakrand_state *state, ev_uint32_t seed)
{
	struct timeval tv;

	if (seed == 0) {
		(void)gettimeofday(&tv, NULL);
		seed = (ev_uint32_t)tv.tv_sec ^ (ev_uint32_t)tv.tv_usec ^
		    ((ev_uint32_t)getpid() << 16);
		if (seed == 0)
			seed = 1;
	}
	/* Spread the seed over 64 bits; the state must never be 0. */
	state->state = ((ev_uint64_t)seed << 32 | seed) ^ 0x9e3779b97f4a7c15ULL;
	if (state->state == 0)
		state->state = 0x9e3779b97f4a7c15ULL;
	return seed;
}

ev_int32_t
evutil_weakrand_(struct evutil_weakrand_state *state)
{
	ev_uint64_t x = state->state;

	if (x == 0) /* never seeded */
		x = 0x9e3779b97f4a7c15ULL;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	state->state = x;
	/* The high bits are the best ones; keep 31 of them. */
	return (ev_int32_t)((x * 0x2545f4914f6cdd1dULL) >> 33);
}

ev_int32_t
evutil_weakrand_range_(struct evutil_weakrand_state *state, ev_int32_t top)
{
	ev_int32_t divisor, r;

	EVUTIL_ASSERT(top > 0);
	/* Reject the values past the last whole multiple of top. */
	divisor = EVUTIL_WEAKRAND_MAX / top;
	do {
		r = evutil_weakrand_(state) / divisor;
	} while (r >= top);
	return r;
}
