/*
 * allocfail.h: what a scenario of the allocation-failure sweep
 * (tests/allocfail/) provides and may use.
 *
 * A scenario runs a small program on the public API with every allocation
 * going through event_set_mem_functions.  It returns AF_OK when everything
 * worked and the data it checked is right, AF_ERROR when some call
 * returned or reported an error (expected once an allocation fails), and
 * AF_WRONG when a call claimed success but the result is wrong (an error
 * was swallowed).  It must free all it made on every path: the driver
 * counts the live allocations after it returns.
 */
#ifndef EVKIT_ALLOCFAIL_H
#define EVKIT_ALLOCFAIL_H

enum { AF_OK = 0, AF_ERROR = 1, AF_WRONG = 2 };

struct af_scenario {
	const char *name;
	int (*run)(void);
};

/* Checks a condition; on failure notes it and goes to `out` with
 * rc = AF_ERROR. */
#define AF_CHECK(cond)                 \
	do {                           \
		if (!(cond)) {         \
			rc = AF_ERROR; \
			goto out;      \
		}                      \
	} while (0)

/* Checks a result that an allocation failure may not change. */
#define AF_EXPECT(cond)                                           \
	do {                                                      \
		if (!(cond)) {                                    \
			af_note_wrong(__FILE__, __LINE__, #cond); \
			rc = AF_WRONG;                            \
			goto out;                                 \
		}                                                 \
	} while (0)

/* Frees what the library returned for the caller to free (readln). */
void af_free_returned(void *p);

void af_note_wrong(const char *file, int line, const char *what);

/* Scenarios, one table per file. */
extern const struct af_scenario af_core_scenarios[];
extern const struct af_scenario af_io_scenarios[];
extern const struct af_scenario af_dns_wire_scenarios[];
extern const struct af_scenario af_http_uri_scenarios[];

#endif
