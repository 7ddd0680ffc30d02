/* fuzz-sources: tools/evcat/proxy_msg.c */
/*
 * libFuzzer harness for evcat's --proxy messages (tools/evcat/proxy_msg.c):
 * the input is a reply from a hostile proxy, given to each parser a prefix
 * at a time as it would arrive, and a destination and credentials for the
 * builders.  A parser must return -1 with a message, 0, or a length no
 * longer than what it was given, and never read past it (ASan); a builder
 * must stay inside its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/evcat/evcat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int r, size_t len, const char *msg)
{
	if (r < -1 || (r > 0 && (size_t)r > len))
		abort(); /* claims bytes it was not given */
	if (r == -1 && msg[0] == '\0')
		abort(); /* a refusal always says why */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *copy, out[1200];
	char msg[400], *str;
	size_t len;
	int method, r;

	/* Each prefix on its own heap block: ASan sees a read past len. */
	for (len = 0; len <= size && len <= PROXY_REPLY_MAX; len++) {
		copy = malloc(len + 1);
		if (copy == NULL)
			return 0;
		memcpy(copy, data, len);
		msg[0] = '\0';
		check(proxy_http_reply((const char *)copy, len, msg,
		          sizeof(msg)),
		    len, msg);
		msg[0] = '\0';
		check(proxy_socks5_method(copy, len, &method, msg, sizeof(msg)),
		    len, msg);
		msg[0] = '\0';
		check(proxy_socks5_auth_reply(copy, len, msg, sizeof(msg)), len,
		    msg);
		msg[0] = '\0';
		check(proxy_socks5_reply(copy, len, msg, sizeof(msg)), len,
		    msg);
		free(copy);
	}

	/* The input as a destination name and as USER:PASS. */
	str = malloc(size + 1);
	if (str == NULL)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';
	r = proxy_socks5_connect(out, sizeof(out), str, 443);
	if (r > (int)sizeof(out))
		abort();
	r = proxy_socks5_auth(out, sizeof(out), str);
	if (r > (int)sizeof(out))
		abort();
	r = proxy_http_request((char *)out, sizeof(out), str, "443", str);
	if (r >= (int)sizeof(out))
		abort();
	free(str);
	return 0;
}
