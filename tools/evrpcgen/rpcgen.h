/*
 * evrpcgen: reads libevent's .rpc description format and writes the C
 * marshalling code that event2/rpc.h expects (what event_rpcgen.py
 * writes for libevent users).
 *
 * parse.c turns the text into the model below and checks it, without any
 * I/O; emit.c writes the header and the source from a checked model;
 * main.c reads the command line and the files.
 */
#ifndef EVRPCGEN_RPCGEN_H_INCLUDED_
#define EVRPCGEN_RPCGEN_H_INCLUDED_

#include <stddef.h>
#include <stdio.h>

enum rpc_kind {
	RPC_INT,      /* int: ev_uint32_t */
	RPC_INT64,    /* int64: ev_uint64_t */
	RPC_STRING,   /* string: char * */
	RPC_BYTES,    /* bytes name[LEN]: ev_uint8_t[LEN] */
	RPC_VARBYTES, /* bytes name: ev_uint8_t * and a length */
	RPC_STRUCT    /* struct[NAME]: struct NAME * */
};

/* The longest name (and fixed length) accepted, so that every line
 * emit.c formats fits its buffer. */
#define RPC_NAME_MAX 128

struct rpc_entry {
	enum rpc_kind kind;
	char *name;
	char *ref;    /* RPC_STRUCT: the struct's name */
	char *length; /* RPC_BYTES: the length, a number or a macro */
	unsigned long tag;
	int optional;
	int array;
	int line;
};

struct rpc_struct {
	char *name;
	int line;
	struct rpc_entry *entries;
	size_t n_entries;
};

struct rpc_file {
	struct rpc_struct *structs;
	size_t n_structs;
	char **source_lines; /* #include and #if.. lines, for the .c file */
	size_t n_source_lines;
	char **header_lines; /* #define lines, for the header */
	size_t n_header_lines;
};

/* Parses the n bytes of text read from file name.  Returns 0, or -1 with
 * "name:LINE: message" in err (NUL-terminated, truncated to errlen) and
 * out left empty.  A struct[NAME] field may name a struct of another
 * file, whose generated header a #include line brings in. */
int rpc_parse(const char *text, size_t n, const char *name,
    struct rpc_file *out, char *err, size_t errlen);

void rpc_file_free(struct rpc_file *f);

/* Write the header and the source.  rpc_name is the .rpc file's name as
 * given (for the guard macro and the comments); header_name is the name
 * the source includes.  0, or -1 when a write failed. */
int rpc_emit_header(FILE *fp, const struct rpc_file *f, const char *rpc_name);
int rpc_emit_source(FILE *fp, const struct rpc_file *f, const char *rpc_name,
    const char *header_name);

#endif /* EVRPCGEN_RPCGEN_H_INCLUDED_ */
