/*
 * proxy_msg.c: the messages of --proxy (proxy.c), built and parsed
 * without side effects: SOCKS5 (RFC 1928) and its user and password
 * sub-negotiation (RFC 1929), HTTP CONNECT with Basic authentication.
 * A parser gets the bytes received so far and returns the length of the
 * complete reply, 0 when it needs more, or -1 with a message for the user;
 * it never reads past len.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "evcat.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of in (RFC 4648, padded) into out; -1 when it does not fit. */
static int
base64(const char *in, size_t len, char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i, o = 0;
	unsigned v;

	if ((len + 2) / 3 * 4 + 1 > size)
		return -1;
	for (i = 0; i < len; i += 3) {
		v = (unsigned)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	return 0;
}

int
proxy_http_request(char *buf, size_t size, const char *host, const char *port,
    const char *auth)
{
	char target[300], cred[700], hdr[800] = "";
	int n;

	/* An IPv6 address goes in brackets (RFC 7230 authority). */
	snprintf(target, sizeof(target),
	    strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);
	if (auth != NULL) {
		if (base64(auth, strlen(auth), cred, sizeof(cred)) != 0)
			return -1;
		snprintf(hdr, sizeof(hdr), "Proxy-Authorization: Basic %s\r\n",
		    cred);
	}
	n = snprintf(buf, size, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s\r\n",
	    target, target, hdr);
	return n < 0 || (size_t)n >= size ? -1 : n;
}

int
proxy_http_reply(const char *buf, size_t len, char *msg, size_t size)
{
	const char *end = NULL, *sp, *eol;
	size_t i;
	int status;

	for (i = 3; i < len && end == NULL; i++)
		if (memcmp(buf + i - 3, "\r\n\r\n", 4) == 0)
			end = buf + i + 1;
	if (len >= 5 && memcmp(buf, "HTTP/", 5) != 0) {
		snprintf(msg, size, "HTTP proxy: not an HTTP reply");
		return -1;
	}
	if (end == NULL) {
		if (len >= PROXY_REPLY_MAX) {
			snprintf(msg, size,
			    "HTTP proxy: reply header too long");
			return -1;
		}
		return 0;
	}
	sp = memchr(buf, ' ', (size_t)(end - buf));
	eol = memchr(buf, '\r', (size_t)(end - buf));
	if (sp == NULL || sp > eol || eol - sp < 4 || sp[1] < '1' ||
	    sp[1] > '5' || sp[2] < '0' || sp[2] > '9' || sp[3] < '0' ||
	    sp[3] > '9') {
		snprintf(msg, size, "HTTP proxy: bad status line");
		return -1;
	}
	status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
	if (status / 100 != 2) {
		/* "407 Proxy Authentication Required": the status line's. */
		snprintf(msg, size, "proxy refused: %.*s", (int)(eol - sp - 1),
		    sp + 1);
		return -1;
	}
	return (int)(end - buf);
}

size_t
proxy_socks5_greeting(unsigned char *buf, int auth)
{
	buf[0] = 5;
	if (!auth) {
		buf[1] = 1;
		buf[2] = 0; /* no authentication */
		return 3;
	}
	buf[1] = 2;
	buf[2] = 0;
	buf[3] = 2; /* user name and password */
	return 4;
}

int
proxy_socks5_method(const unsigned char *buf, size_t len, int *method,
    char *msg, size_t size)
{
	if (len >= 1 && buf[0] != 5) {
		snprintf(msg, size, "SOCKS5: the proxy does not speak SOCKS5");
		return -1;
	}
	if (len < 2)
		return 0;
	if (buf[1] == 0xff) {
		snprintf(msg, size,
		    "SOCKS5: the proxy accepts none of our authentication "
		    "methods (--proxy-auth needed?)");
		return -1;
	}
	if (buf[1] != 0 && buf[1] != 2) {
		snprintf(msg, size, "SOCKS5: the proxy chose method %d",
		    buf[1]);
		return -1;
	}
	*method = buf[1];
	return 2;
}

int
proxy_socks5_auth(unsigned char *buf, size_t size, const char *auth)
{
	const char *colon = strchr(auth, ':');
	size_t ulen, plen;

	if (colon == NULL)
		return -1;
	ulen = (size_t)(colon - auth);
	plen = strlen(colon + 1);
	if (ulen == 0 || ulen > 255 || plen > 255 || 3 + ulen + plen > size)
		return -1;
	buf[0] = 1; /* RFC 1929 version */
	buf[1] = (unsigned char)ulen;
	memcpy(buf + 2, auth, ulen);
	buf[2 + ulen] = (unsigned char)plen;
	memcpy(buf + 3 + ulen, colon + 1, plen);
	return (int)(3 + ulen + plen);
}

int
proxy_socks5_auth_reply(const unsigned char *buf, size_t len, char *msg,
    size_t size)
{
	if (len < 2)
		return 0;
	if (buf[1] != 0) {
		snprintf(msg, size,
		    "SOCKS5: authentication failed (user name or password "
		    "refused)");
		return -1;
	}
	return 2;
}

int
proxy_socks5_connect(unsigned char *buf, size_t size, const char *host,
    unsigned port)
{
	size_t hlen = strlen(host), n;

	if (size < 22 + 256)
		return -1;
	buf[0] = 5;
	buf[1] = 1; /* CONNECT */
	buf[2] = 0;
	if (inet_pton(AF_INET, host, buf + 4) == 1) {
		buf[3] = 1;
		n = 8;
	} else if (inet_pton(AF_INET6, host, buf + 4) == 1) {
		buf[3] = 4;
		n = 20;
	} else {
		if (hlen == 0 || hlen > 255)
			return -1;
		buf[3] = 3;
		buf[4] = (unsigned char)hlen;
		memcpy(buf + 5, host, hlen);
		n = 5 + hlen;
	}
	buf[n] = (unsigned char)(port >> 8);
	buf[n + 1] = (unsigned char)port;
	return (int)(n + 2);
}

int
proxy_socks5_reply(const unsigned char *buf, size_t len, char *msg, size_t size)
{
	static const char *const why[] = { "succeeded", "general failure",
		"connection not allowed by ruleset", "network unreachable",
		"host unreachable", "connection refused by destination",
		"TTL expired", "command not supported",
		"address type not supported" };
	size_t need;

	if (len >= 1 && buf[0] != 5) {
		snprintf(msg, size, "SOCKS5: bad reply version %d", buf[0]);
		return -1;
	}
	if (len >= 2 && buf[1] != 0) {
		snprintf(msg, size, "SOCKS5: %s",
		    buf[1] < sizeof(why) / sizeof(why[0]) ? why[buf[1]]
		                                          : "unknown error");
		return -1;
	}
	if (len < 5)
		return 0;
	switch (buf[3]) {
	case 1:
		need = 4 + 4 + 2;
		break;
	case 4:
		need = 4 + 16 + 2;
		break;
	case 3:
		need = 4 + 1 + buf[4] + 2;
		break;
	default:
		snprintf(msg, size, "SOCKS5: bad address type %d in reply",
		    buf[3]);
		return -1;
	}
	return len >= need ? (int)need : 0;
}
