/* fuzz-sources: */
/*
 * fuzz_parse_sockaddr: evutil_parse_sockaddr_port on any string, into an
 * output exactly as big as the length given (so that AddressSanitizer
 * sees any write past it).  What parses must be consistent and survive a
 * round trip through its own text form.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/util.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fail(const char *s, const char *why)
{
	fprintf(stderr, "fuzz_parse_sockaddr: \"%s\": %s\n", s, why);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int lens[] = { 0, (int)sizeof(struct sockaddr_in) - 1,
		(int)sizeof(struct sockaddr_in),
		(int)sizeof(struct sockaddr_in6) - 1,
		(int)sizeof(struct sockaddr_in6),
		(int)sizeof(struct sockaddr_storage) };
	char *s, text[128], addr[INET6_ADDRSTRLEN];
	struct sockaddr_storage again;
	struct sockaddr *out;
	int len, want, r, again_len;

	if (size < 1 || size > 100)
		return 0;
	want = lens[data[0] % (sizeof(lens) / sizeof(lens[0]))];
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	out = malloc(want ? (size_t)want : 1);
	if (out == NULL) {
		free(s);
		return 0;
	}
	len = want;
	r = evutil_parse_sockaddr_port(s, out, &len);
	if (r != 0 && r != -1)
		fail(s, "result is neither 0 nor -1");
	if (r == 0) {
		if (len > want)
			fail(s, "output longer than the room given");
		if (out->sa_family == AF_INET) {
			const struct sockaddr_in *sin = (const void *)out;
			if (len != (int)sizeof(*sin))
				fail(s, "AF_INET with a wrong length");
			inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
			snprintf(text, sizeof(text), "%s:%u", addr,
			    ntohs(sin->sin_port));
		} else if (out->sa_family == AF_INET6) {
			const struct sockaddr_in6 *sin6 = (const void *)out;
			if (len != (int)sizeof(*sin6))
				fail(s, "AF_INET6 with a wrong length");
			inet_ntop(AF_INET6, &sin6->sin6_addr, addr,
			    sizeof(addr));
			snprintf(text, sizeof(text), "[%s]:%u", addr,
			    ntohs(sin6->sin6_port));
		} else {
			fail(s, "unknown family");
		}
		/* Port 0 is written without a port. */
		if (strlen(text) > 2 && !strcmp(text + strlen(text) - 2, ":0"))
			text[strlen(text) - 2] = '\0';
		if (out->sa_family == AF_INET6 &&
		    text[strlen(text) - 1] == ']') {
			memmove(text, text + 1, strlen(text));
			text[strlen(text) - 1] = '\0';
		}
		again_len = (int)sizeof(again);
		memset(&again, 0, sizeof(again));
		if (evutil_parse_sockaddr_port(text, (struct sockaddr *)&again,
		        &again_len) != 0)
			fail(s, "its text form does not parse");
		if (again_len != len ||
		    evutil_sockaddr_cmp(out, (struct sockaddr *)&again, 1) != 0)
			fail(s, "its text form parses differently");
	}
	free(out);
	free(s);
	return 0;
}
