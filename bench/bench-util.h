/*
 * Small helpers shared by the benchmark programs in bench/: clocks and
 * the timed loop of the parse micro-benchmarks.  Header only, libc only,
 * so that the scripts that build a program against libevkit and against
 * the system libevent need nothing more.
 */
#ifndef BENCH_UTIL_H_INCLUDED_
#define BENCH_UTIL_H_INCLUDED_

#include <sys/resource.h>
#include <time.h>

/* For the measured phases: a call the compiler may not fold away. */
#define NOINLINE __attribute__((noinline, noclone))

/* Seconds on the monotonic clock. */
static inline double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* User plus system CPU time of this process, in seconds. */
static inline double
bench_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/*
 * phase(1000) to warm up (and to check what it runs), then phase(n)
 * timed: returns its seconds.
 */
static inline double
bench_timed(void (*phase)(long), long n)
{
	double t0;

	phase(1000);
	t0 = bench_now();
	phase(n);
	return bench_now() - t0;
}

#endif /* BENCH_UTIL_H_INCLUDED_ */
