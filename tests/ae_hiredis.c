/*
 * tests/ae_hiredis.c: a real client of evkit's ae API.  hiredis'
 * asynchronous API drives its connection through adapters/ae.h, compiled
 * against our ae.h, and talks to a redis-server that tests/ae-hiredis.sh
 * started.
 *
 *   ae_hiredis --free-port     print a TCP port of 127.0.0.1 that was free
 *   ae_hiredis PORT [N]        N rounds (default 300) of SET k:i v:i, GET
 *                              k:i and INCR, all pipelined; every reply is
 *                              checked; exit 0 when all are right, 1 if not
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ae.h>
#include <hiredis/adapters/ae.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#define GUARD_MS 10000 /* the whole exchange, on a busy machine */

static int rounds = 300;
static int replies, failures;
static long long counter_base = -1;
static aeEventLoop *loop;

static void
fail(const char *what, int i, const redisReply *r)
{
	if (failures++ < 5)
		fprintf(stderr,
		    "ae_hiredis: %s %d: unexpected reply (type %d, "
		    "%s)\n",
		    what, i, r ? r->type : -1, r && r->str ? r->str : "-");
}

static void
on_reply(redisAsyncContext *c, void *reply, void *privdata)
{
	redisReply *r = reply;
	long i = (long)(intptr_t)privdata;
	long round = i / 3;
	char want[64];

	switch (i % 3) {
	case 0: /* SET */
		if (r == NULL || r->type != REDIS_REPLY_STATUS ||
		    strcmp(r->str, "OK") != 0)
			fail("SET", (int)round, r);
		break;
	case 1: /* GET */
		snprintf(want, sizeof(want), "v:%ld", round);
		if (r == NULL || r->type != REDIS_REPLY_STRING ||
		    strcmp(r->str, want) != 0)
			fail("GET", (int)round, r);
		break;
	default: /* INCR: consecutive values from the first one */
		if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
			fail("INCR", (int)round, r);
			break;
		}
		if (counter_base < 0)
			counter_base = r->integer - round;
		if (r->integer != counter_base + round)
			fail("INCR", (int)round, r);
		break;
	}
	if (++replies == 3 * rounds)
		redisAsyncDisconnect(c);
}

static void
on_connect(const redisAsyncContext *c, int status)
{
	if (status != REDIS_OK) {
		fprintf(stderr, "ae_hiredis: connect: %s\n", c->errstr);
		failures++;
		aeStop(loop);
	}
}

static void
on_disconnect(const redisAsyncContext *c, int status)
{
	if (status != REDIS_OK) {
		fprintf(stderr, "ae_hiredis: disconnect: %s\n", c->errstr);
		failures++;
	}
	aeStop(loop);
}

static int
on_guard(aeEventLoop *el, long long id, void *data)
{
	(void)id, (void)data;
	fprintf(stderr, "ae_hiredis: no end after %d ms (%d replies)\n",
	    GUARD_MS, replies);
	failures++;
	aeStop(el);
	return AE_NOMORE;
}

static int
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		perror("ae_hiredis: bind 127.0.0.1:0");
		return 1;
	}
	printf("%d\n", ntohs(sin.sin_port));
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	redisAsyncContext *c;
	int port, i;

	if (argc == 2 && strcmp(argv[1], "--free-port") == 0)
		return free_port();
	if (argc < 2 || argc > 3 || (port = atoi(argv[1])) <= 0 ||
	    port > 65535 || (argc == 3 && (rounds = atoi(argv[2])) <= 0)) {
		fprintf(stderr, "usage: ae_hiredis --free-port | PORT [N]\n");
		return 2;
	}
	loop = aeCreateEventLoop(1024);
	if (loop == NULL) {
		fprintf(stderr, "ae_hiredis: aeCreateEventLoop failed\n");
		return 1;
	}
	c = redisAsyncConnect("127.0.0.1", port);
	if (c == NULL || c->err) {
		fprintf(stderr, "ae_hiredis: redisAsyncConnect: %s\n",
		    c ? c->errstr : "out of memory");
		return 1;
	}
	if (redisAeAttach(loop, c) != REDIS_OK) {
		fprintf(stderr, "ae_hiredis: redisAeAttach failed\n");
		return 1;
	}
	redisAsyncSetConnectCallback(c, on_connect);
	redisAsyncSetDisconnectCallback(c, on_disconnect);
	for (i = 0; i < rounds; i++) {
		char key[32], val[32];
		snprintf(key, sizeof(key), "k:%d", i);
		snprintf(val, sizeof(val), "v:%d", i);
		if (redisAsyncCommand(c, on_reply, (void *)(intptr_t)(3 * i),
		        "SET %s %s", key, val) != REDIS_OK ||
		    redisAsyncCommand(c, on_reply,
		        (void *)(intptr_t)(3 * i + 1), "GET %s",
		        key) != REDIS_OK ||
		    redisAsyncCommand(c, on_reply,
		        (void *)(intptr_t)(3 * i + 2),
		        "INCR ae-hiredis-counter") != REDIS_OK) {
			fprintf(stderr,
			    "ae_hiredis: redisAsyncCommand failed\n");
			return 1;
		}
	}
	aeCreateTimeEvent(loop, GUARD_MS, on_guard, NULL, NULL);
	aeMain(loop);
	aeDeleteEventLoop(loop);
	if (replies != 3 * rounds) {
		fprintf(stderr, "ae_hiredis: %d of %d replies\n", replies,
		    3 * rounds);
		failures++;
	}
	if (failures) {
		fprintf(stderr, "ae_hiredis: %d failures on %s\n", failures,
		    aeGetApiName());
		return 1;
	}
	printf("ae_hiredis: %d replies right on %s\n", replies, aeGetApiName());
	return 0;
}
