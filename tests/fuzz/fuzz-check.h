/*
 * What every libFuzzer harness here needs: the entry point's prototype
 * and CHECK(), which reports the property that failed and aborts (the
 * abort is what libFuzzer records as a crash).
 */
#ifndef FUZZ_CHECK_H_INCLUDED_
#define FUZZ_CHECK_H_INCLUDED_

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, \
			    #cond);                                        \
			abort();                                           \
		}                                                          \
	} while (0)

#endif /* FUZZ_CHECK_H_INCLUDED_ */
