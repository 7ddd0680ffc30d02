/*
 * greet-rpc.h: the RPC of the greeting example, shared by its server and
 * client.  "Greet" takes a Greeting and answers with a Welcome (the
 * message types of greet.rpc).
 */
#ifndef GREET_RPC_H_INCLUDED_
#define GREET_RPC_H_INCLUDED_

#include <event2/rpc.h>

#include "greet.gen.h"

/* The largest count the server accepts. */
#define GREET_MAX_COUNT 100

EVRPC_HEADER(Greet, Greeting, Welcome)

#endif /* GREET_RPC_H_INCLUDED_ */
