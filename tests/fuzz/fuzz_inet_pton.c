/* fuzz-sources: */
/*
 * fuzz_inet_pton: evutil_inet_pton against the system's inet_pton.  The
 * first byte picks the family; the rest is the string.
 *
 * libevent 2.1 parses with its own code, more lenient than inet_pton
 * (" 1.2.3.4", "01.2.3.4", "::8:" pass; tests/check_util.c pins that),
 * and so do we.  So: what inet_pton accepts we must accept with the same
 * bytes; what only we accept must come out as an address whose text form
 * (evutil_inet_ntop) inet_pton accepts with the same bytes.  Anything
 * else aborts.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/util.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char ours[16], theirs[16];
	char *s;
	char text[64];
	int af, r_ours, r_theirs, same;
	size_t n;

	if (size < 1 || size > 128)
		return 0;
	af = (data[0] & 1) ? AF_INET6 : AF_INET;
	n = af == AF_INET ? 4 : 16;
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	memset(ours, 0xa5, sizeof(ours));
	memset(theirs, 0xa5, sizeof(theirs));
	r_ours = evutil_inet_pton(af, s, ours);
	r_theirs = inet_pton(af, s, theirs);
	if (r_theirs == 1 && r_ours == 1)
		same = !memcmp(ours, theirs, n);
	else if (r_theirs == 1)
		same = 0;
	else if (r_ours == 1)
		same = evutil_inet_ntop(af, ours, text, sizeof(text)) != NULL &&
		    inet_pton(af, text, theirs) == 1 &&
		    !memcmp(ours, theirs, n);
	else
		same = r_ours == 0;
	if (!same) {
		fprintf(stderr,
		    "fuzz_inet_pton: \"%s\" (%s): ours %d, inet_pton %d\n", s,
		    af == AF_INET ? "AF_INET" : "AF_INET6", r_ours, r_theirs);
		abort();
	}
	free(s);
	return 0;
}
