/*
 * emit.c: writes NAME.gen.h and NAME.gen.c from a parsed .rpc file.
 *
 * The generated API is the one libevent's event_rpcgen.py gives its
 * users (names, types and meanings), so that programs written against
 * libevent build unchanged; the code itself is ours.  Where the code
 * event_rpcgen.py writes crashes or leaks (a required string marshalled
 * while unset, an array element lost when its unmarshalling fails,
 * nesting without bound through a recursive struct), ours does not:
 * unset strings and structs are left out, every failure frees what it
 * made, and evtag_unmarshal_NAME refuses input nested deeper than
 * EVRPCGEN_MAX_DEPTH (256 unless the program defines it).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpcgen.h"

struct out {
	FILE *fp;
	const struct rpc_struct *s; /* the struct being written */
	const struct rpc_entry *e;  /* the field being written */
	int truncated;              /* a line did not fit put's buffer */
};

/* printf with two escapes for the current struct and field:
 * @P the struct's name, @F the field's name, @T the field's tag
 * constant, @R the referenced struct, @C the element's C type, @U the
 * struct's name in upper case. */
static void
put(struct out *o, const char *fmt, ...)
{
	char buf[4096];
	const char *p;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		o->truncated = 1;
	for (p = buf; *p; p++) {
		const char *q;
		if (*p != '@' || !p[1]) {
			fputc(*p, o->fp);
			continue;
		}
		switch (*++p) {
		case 'P':
			fputs(o->s->name, o->fp);
			break;
		case 'F':
			fputs(o->e->name, o->fp);
			break;
		case 'U':
			for (q = o->s->name; *q; q++)
				fputc(toupper((unsigned char)*q), o->fp);
			break;
		case 'T':
			for (q = o->s->name; *q; q++)
				fputc(toupper((unsigned char)*q), o->fp);
			fputc('_', o->fp);
			for (q = o->e->name; *q; q++)
				fputc(toupper((unsigned char)*q), o->fp);
			break;
		case 'R':
			fputs(o->e->ref, o->fp);
			break;
		case 'C':
			switch (o->e->kind) {
			case RPC_INT:
				fputs("ev_uint32_t", o->fp);
				break;
			case RPC_INT64:
				fputs("ev_uint64_t", o->fp);
				break;
			case RPC_STRING:
				fputs("char *", o->fp);
				break;
			case RPC_STRUCT:
				fprintf(o->fp, "struct %s *", o->e->ref);
				break;
			case RPC_BYTES:
			case RPC_VARBYTES:
				fputs("ev_uint8_t *", o->fp);
				break;
			}
			break;
		default:
			fputc('@', o->fp);
			fputc(*p, o->fp);
		}
	}
}

/* The parameters (without names) of the accessors, for the prototypes
 * and the access table. */
static void
put_assign_params(struct out *o)
{
	const struct rpc_entry *e = o->e;

	if (e->array)
		put(o, "(struct @P *, int, const @C)");
	else if (e->kind == RPC_BYTES)
		put(o, "(struct @P *, const ev_uint8_t *)");
	else if (e->kind == RPC_VARBYTES)
		put(o, "(struct @P *, const ev_uint8_t *, ev_uint32_t)");
	else
		put(o, "(struct @P *, const @C)");
}

static void
put_get_params(struct out *o)
{
	const struct rpc_entry *e = o->e;

	if (e->array)
		put(o, "(struct @P *, int, @C *)");
	else if (e->kind == RPC_VARBYTES)
		put(o, "(struct @P *, ev_uint8_t **, ev_uint32_t *)");
	else
		put(o, "(struct @P *, @C *)");
}

/* The add function's return type, name and parameters. */
static void
put_add(struct out *o, const char *name_fmt, int with_names)
{
	if (o->e->kind == RPC_STRUCT)
		put(o, "@C");
	else
		put(o, "@C *");
	put(o, name_fmt);
	if (o->e->kind == RPC_STRUCT)
		put(o, with_names ? "(struct @P *msg)" : "(struct @P *)");
	else
		put(o,
		    with_names ? "(struct @P *msg, const @C value)"
		               : "(struct @P *, const @C)");
}

static void
header_struct(struct out *o)
{
	const struct rpc_struct *s = o->s;
	size_t i;
	const char *p;

	put(o, "/* Tags of struct @P */\nenum ");
	for (p = s->name; *p; p++)
		fputc(tolower((unsigned char)*p), o->fp);
	put(o, "_ {\n");
	for (i = 0; i < s->n_entries; i++) {
		o->e = &s->entries[i];
		put(o, "\t@T = %lu,\n", o->e->tag);
	}
	put(o, "\t@U_MAX_TAGS\n};\n\n");

	put(o,
	    "/* The accessors EVTAG_ASSIGN, EVTAG_GET and EVTAG_ARRAY_* call "
	    "*/\n");
	put(o, "struct @P_access_ {\n");
	for (i = 0; i < s->n_entries; i++) {
		o->e = &s->entries[i];
		put(o, "\tint (*@F_assign)");
		put_assign_params(o);
		put(o, ";\n\tint (*@F_get)");
		put_get_params(o);
		put(o, ";\n");
		if (o->e->array) {
			put(o, "\t");
			put_add(o, "(*@F_add)", 0);
			put(o, ";\n");
		}
	}
	put(o, "};\n\n");

	put(o, "struct @P {\n\tstruct @P_access_ *base;\n\n");
	for (i = 0; i < s->n_entries; i++) {
		o->e = &s->entries[i];
		if (o->e->array)
			put(o,
			    "\t@C *@F_data;\n\tint @F_length;\n"
			    "\tint @F_num_allocated;\n");
		else if (o->e->kind == RPC_BYTES)
			put(o, "\tev_uint8_t @F_data[%s];\n", o->e->length);
		else if (o->e->kind == RPC_VARBYTES)
			put(o,
			    "\tev_uint8_t *@F_data;\n\tev_uint32_t "
			    "@F_length;\n");
		else if (o->e->kind == RPC_STRUCT || o->e->kind == RPC_STRING)
			put(o, "\t@C@F_data;\n");
		else
			put(o, "\t@C @F_data;\n");
	}
	put(o, "\n");
	for (i = 0; i < s->n_entries; i++) {
		o->e = &s->entries[i];
		put(o, "\tev_uint8_t @F_set;\n");
	}
	put(o, "};\n\n");

	put(o,
	    "struct @P *@P_new(void);\n"
	    "struct @P *@P_new_with_arg(void *);\n"
	    "void @P_free(struct @P *);\n"
	    "void @P_clear(struct @P *);\n"
	    "void @P_marshal(struct evbuffer *, const struct @P *);\n"
	    "int @P_unmarshal(struct @P *, struct evbuffer *);\n"
	    "int @P_complete(struct @P *);\n"
	    "void evtag_marshal_@P(\n"
	    "    struct evbuffer *, ev_uint32_t, const struct @P *);\n"
	    "int evtag_unmarshal_@P(\n"
	    "    struct evbuffer *, ev_uint32_t, struct @P *);\n");
	for (i = 0; i < s->n_entries; i++) {
		o->e = &s->entries[i];
		put(o, "int @P_@F_assign");
		put_assign_params(o);
		put(o, ";\nint @P_@F_get");
		put_get_params(o);
		put(o, ";\n");
		if (o->e->array) {
			put_add(o, "@P_@F_add", 0);
			put(o, ";\n");
		}
	}
	put(o, "/* --- @P done --- */\n\n");
}

/* The guard macro: EVENT_RPCOUT_ and the .rpc name as given, every
 * character that cannot be in an identifier made '_', upper case (as
 * event_rpcgen.py names it). */
static void
put_guard(FILE *fp, const char *rpc_name)
{
	const char *p;

	fputs("EVENT_RPCOUT_", fp);
	for (p = rpc_name; *p; p++)
		fputc(isalnum((unsigned char)*p) ? toupper((unsigned char)*p)
		                                 : '_',
		    fp);
	fputc('_', fp);
}

int
rpc_emit_header(FILE *fp, const struct rpc_file *f, const char *rpc_name)
{
	struct out o = { fp, NULL, NULL, 0 };
	size_t i;

	fprintf(fp,
	    "/*\n * Generated by evrpcgen from %s.  Do not edit: edit the\n"
	    " * .rpc file and run evrpcgen again.\n */\n\n#ifndef ",
	    rpc_name);
	put_guard(fp, rpc_name);
	fputs("\n#define ", fp);
	put_guard(fp, rpc_name);
	fputs("\n\n", fp);
	for (i = 0; i < f->n_header_lines; i++)
		fprintf(fp, "%s\n", f->header_lines[i]);
	if (f->n_header_lines)
		fputs("\n", fp);
	fputs("#include <event2/util.h> /* ev_uint*_t */\n"
	      "#include <event2/rpc.h>\n\n"
	      "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
	      "struct evbuffer;\n",
	    fp);
	for (i = 0; i < f->n_structs; i++)
		fprintf(fp, "struct %s;\n", f->structs[i].name);
	fputs("\n", fp);
	for (i = 0; i < f->n_structs; i++) {
		o.s = &f->structs[i];
		header_struct(&o);
	}
	fputs("#ifdef __cplusplus\n}\n#endif\n\n#endif /* ", fp);
	put_guard(fp, rpc_name);
	fputs(" */\n", fp);
	return ferror(fp) || o.truncated ? -1 : 0;
}

static void
source_add(struct out *o)
{
	put(o,
	    "static int\n@P_@F_expand_(struct @P *msg)\n{\n"
	    "\tvoid *p;\n\tint n;\n\n"
	    "\tif (msg->@F_length < msg->@F_num_allocated)\n"
	    "\t\treturn 0;\n"
	    "\tif (msg->@F_num_allocated > INT_MAX / 2)\n"
	    "\t\treturn -1;\n"
	    "\tn = msg->@F_num_allocated ? msg->@F_num_allocated * 2 : 1;\n"
	    "\tif ((size_t)n > SIZE_MAX / sizeof(*msg->@F_data))\n"
	    "\t\treturn -1;\n"
	    "\tp = realloc(msg->@F_data, (size_t)n * sizeof(*msg->@F_data));\n"
	    "\tif (p == NULL)\n\t\treturn -1;\n"
	    "\tmsg->@F_data = p;\n\tmsg->@F_num_allocated = n;\n"
	    "\treturn 0;\n}\n\n");
	put_add(o, "\n@P_@F_add", 1);
	put(o, "\n{\n");
	switch (o->e->kind) {
	case RPC_STRUCT:
		put(o,
		    "\t@Ce;\n\n"
		    "\tif (@P_@F_expand_(msg) < 0 || (e = @R_new()) == NULL)\n"
		    "\t\treturn NULL;\n"
		    "\tmsg->@F_data[msg->@F_length++] = e;\n"
		    "\tmsg->@F_set = 1;\n\treturn e;\n");
		break;
	case RPC_STRING:
		put(o,
		    "\tchar *s = NULL;\n\n"
		    "\tif (@P_@F_expand_(msg) < 0)\n\t\treturn NULL;\n"
		    "\tif (value != NULL && (s = evrpcgen_strdup_(value)) == "
		    "NULL)\n"
		    "\t\treturn NULL;\n"
		    "\tmsg->@F_data[msg->@F_length] = s;\n"
		    "\tmsg->@F_set = 1;\n"
		    "\treturn &msg->@F_data[msg->@F_length++];\n");
		break;
	default:
		put(o,
		    "\tif (@P_@F_expand_(msg) < 0)\n\t\treturn NULL;\n"
		    "\tmsg->@F_data[msg->@F_length] = value;\n"
		    "\tmsg->@F_set = 1;\n"
		    "\treturn &msg->@F_data[msg->@F_length++];\n");
	}
	put(o, "}\n\n");
}

static void
source_assign(struct out *o)
{
	const struct rpc_entry *e = o->e;

	if (e->array) {
		put(o,
		    "int\n@P_@F_assign(struct @P *msg, int off, const @C "
		    "value)\n"
		    "{\n");
		if (e->kind == RPC_STRING)
			put(o, "\tchar *s;\n\n");
		put(o,
		    "\tif (!msg->@F_set || off < 0 || off >= msg->@F_length)\n"
		    "\t\treturn -1;\n");
		if (e->kind == RPC_STRUCT)
			put(o,
			    "\treturn evrpcgen_copy_@R_(msg->@F_data[off], "
			    "value);\n}\n\n");
		else if (e->kind == RPC_STRING)
			put(o,
			    "\tif (value == NULL || (s = "
			    "evrpcgen_strdup_(value)) == NULL)\n"
			    "\t\treturn -1;\n"
			    "\tfree(msg->@F_data[off]);\n"
			    "\tmsg->@F_data[off] = s;\n\treturn 0;\n}\n\n");
		else
			put(o,
			    "\tmsg->@F_data[off] = value;\n\treturn 0;\n}\n\n");
		return;
	}
	switch (e->kind) {
	case RPC_INT:
	case RPC_INT64:
		put(o,
		    "int\n@P_@F_assign(struct @P *msg, const @C value)\n{\n"
		    "\tmsg->@F_data = value;\n\tmsg->@F_set = 1;\n"
		    "\treturn 0;\n}\n\n");
		break;
	case RPC_STRING:
		put(o,
		    "int\n@P_@F_assign(struct @P *msg, const char *value)\n{\n"
		    "\tchar *s;\n\n"
		    "\tif (value == NULL || (s = evrpcgen_strdup_(value)) == "
		    "NULL)\n"
		    "\t\treturn -1;\n"
		    "\tfree(msg->@F_data);\n\tmsg->@F_data = s;\n"
		    "\tmsg->@F_set = 1;\n\treturn 0;\n}\n\n");
		break;
	case RPC_BYTES:
		put(o,
		    "int\n@P_@F_assign(struct @P *msg, const ev_uint8_t "
		    "*value)\n"
		    "{\n\tmemcpy(msg->@F_data, value, sizeof(msg->@F_data));\n"
		    "\tmsg->@F_set = 1;\n\treturn 0;\n}\n\n");
		break;
	case RPC_VARBYTES:
		put(o,
		    "int\n@P_@F_assign(\n"
		    "    struct @P *msg, const ev_uint8_t *value, ev_uint32_t "
		    "len)\n"
		    "{\n\tev_uint8_t *p = malloc(len ? len : 1);\n\n"
		    "\tif (p == NULL)\n\t\treturn -1;\n"
		    "\tif (len)\n\t\tmemcpy(p, value, len);\n"
		    "\tfree(msg->@F_data);\n\tmsg->@F_data = p;\n"
		    "\tmsg->@F_length = len;\n\tmsg->@F_set = 1;\n"
		    "\treturn 0;\n}\n\n");
		break;
	case RPC_STRUCT:
		put(o,
		    "int\n@P_@F_assign(struct @P *msg, const @Cvalue)\n{\n"
		    "\tif (msg->@F_data == NULL && (msg->@F_data = @R_new()) "
		    "== NULL)\n"
		    "\t\treturn -1;\n"
		    "\tmsg->@F_set = 0;\n"
		    "\tif (evrpcgen_copy_@R_(msg->@F_data, value) < 0)\n"
		    "\t\treturn -1;\n"
		    "\tmsg->@F_set = 1;\n\treturn 0;\n}\n\n");
		break;
	}
}

static void
source_get(struct out *o)
{
	const struct rpc_entry *e = o->e;

	if (e->array) {
		put(o,
		    "int\n@P_@F_get(struct @P *msg, int offset, @C *value)\n{\n"
		    "\tif (!msg->@F_set || offset < 0 || offset >= "
		    "msg->@F_length)\n"
		    "\t\treturn -1;\n"
		    "\t*value = msg->@F_data[offset];\n\treturn 0;\n}\n\n");
		return;
	}
	switch (e->kind) {
	case RPC_STRUCT:
		/* as with libevent, getting an unset struct field makes it */
		put(o,
		    "int\n@P_@F_get(struct @P *msg, @C*value)\n{\n"
		    "\tif (msg->@F_set != 1) {\n"
		    "\t\tif (msg->@F_data == NULL)\n"
		    "\t\t\tmsg->@F_data = @R_new();\n"
		    "\t\telse\n\t\t\t@R_clear(msg->@F_data);\n"
		    "\t\tif (msg->@F_data == NULL)\n\t\t\treturn -1;\n"
		    "\t\tmsg->@F_set = 1;\n\t}\n"
		    "\t*value = msg->@F_data;\n\treturn 0;\n}\n\n");
		break;
	case RPC_VARBYTES:
		put(o,
		    "int\n@P_@F_get(\n"
		    "    struct @P *msg, ev_uint8_t **value, ev_uint32_t "
		    "*plen)\n"
		    "{\n\tif (msg->@F_set != 1)\n\t\treturn -1;\n"
		    "\t*value = msg->@F_data;\n\t*plen = msg->@F_length;\n"
		    "\treturn 0;\n}\n\n");
		break;
	case RPC_BYTES:
		put(o,
		    "int\n@P_@F_get(struct @P *msg, ev_uint8_t **value)\n{\n"
		    "\tif (msg->@F_set != 1)\n\t\treturn -1;\n"
		    "\t*value = msg->@F_data;\n\treturn 0;\n}\n\n");
		break;
	default:
		put(o,
		    "int\n@P_@F_get(struct @P *msg, @C *value)\n{\n"
		    "\tif (msg->@F_set != 1)\n\t\treturn -1;\n"
		    "\t*value = msg->@F_data;\n\treturn 0;\n}\n\n");
	}
}

static void
source_clear_field(struct out *o)
{
	const struct rpc_entry *e = o->e;

	if (e->array) {
		if (e->kind == RPC_STRING)
			put(o,
			    "\tfor (i = 0; i < tmp->@F_length; i++)\n"
			    "\t\tfree(tmp->@F_data[i]);\n");
		else if (e->kind == RPC_STRUCT)
			put(o,
			    "\tfor (i = 0; i < tmp->@F_length; i++)\n"
			    "\t\t@R_free(tmp->@F_data[i]);\n");
		put(o,
		    "\tfree(tmp->@F_data);\n\ttmp->@F_data = NULL;\n"
		    "\ttmp->@F_length = 0;\n\ttmp->@F_num_allocated = 0;\n");
	} else {
		switch (e->kind) {
		case RPC_INT:
		case RPC_INT64:
			put(o, "\ttmp->@F_data = 0;\n");
			break;
		case RPC_STRING:
			put(o,
			    "\tfree(tmp->@F_data);\n\ttmp->@F_data = NULL;\n");
			break;
		case RPC_VARBYTES:
			put(o,
			    "\tfree(tmp->@F_data);\n\ttmp->@F_data = NULL;\n"
			    "\ttmp->@F_length = 0;\n");
			break;
		case RPC_BYTES:
			put(o,
			    "\tmemset(tmp->@F_data, 0, "
			    "sizeof(tmp->@F_data));\n");
			break;
		case RPC_STRUCT:
			put(o,
			    "\tif (tmp->@F_data != NULL)\n"
			    "\t\t@R_free(tmp->@F_data);\n"
			    "\ttmp->@F_data = NULL;\n");
			break;
		}
	}
	put(o, "\ttmp->@F_set = 0;\n");
}

static int
has_array(const struct rpc_struct *s, int structs_only)
{
	size_t i;

	for (i = 0; i < s->n_entries; i++)
		if (s->entries[i].array &&
		    (!structs_only || s->entries[i].kind == RPC_STRUCT))
			return 1;
	return 0;
}

static int
has_array_to_free(const struct rpc_struct *s)
{
	size_t i;

	for (i = 0; i < s->n_entries; i++)
		if (s->entries[i].array &&
		    (s->entries[i].kind == RPC_STRUCT ||
		        s->entries[i].kind == RPC_STRING))
			return 1;
	return 0;
}

static void
source_marshal_field(struct out *o)
{
	const struct rpc_entry *e = o->e;
	const char *ind = "\t";

	if (e->array) {
		put(o, "\tfor (i = 0; i < tmp->@F_length; i++)\n");
		if (e->kind == RPC_STRUCT)
			put(o,
			    "\t\tevtag_marshal_@R(evbuf, @T, "
			    "tmp->@F_data[i]);\n");
		else if (e->kind == RPC_STRING)
			put(o,
			    "\t\tevtag_marshal_string(evbuf, @T,\n"
			    "\t\t    tmp->@F_data[i] != NULL ? tmp->@F_data[i] "
			    ": \"\");\n");
		else
			put(o,
			    "\t\tevtag_marshal_%s(evbuf, @T, "
			    "tmp->@F_data[i]);\n",
			    e->kind == RPC_INT ? "int" : "int64");
		return;
	}
	/* strings and structs only when set: an unset one has nothing to
	 * send (libevent's code crashes on it) */
	if (e->optional || e->kind == RPC_STRING || e->kind == RPC_STRUCT) {
		put(o, "\tif (tmp->@F_set)\n");
		ind = "\t\t";
	}
	switch (e->kind) {
	case RPC_INT:
		put(o, "%sevtag_marshal_int(evbuf, @T, tmp->@F_data);\n", ind);
		break;
	case RPC_INT64:
		put(o, "%sevtag_marshal_int64(evbuf, @T, tmp->@F_data);\n",
		    ind);
		break;
	case RPC_STRING:
		put(o, "%sevtag_marshal_string(evbuf, @T, tmp->@F_data);\n",
		    ind);
		break;
	case RPC_BYTES:
		put(o,
		    "%sevtag_marshal(evbuf, @T, tmp->@F_data,\n"
		    "%s    (ev_uint32_t)sizeof(tmp->@F_data));\n",
		    ind, ind);
		break;
	case RPC_VARBYTES:
		put(o,
		    "%sevtag_marshal(evbuf, @T, tmp->@F_data, "
		    "tmp->@F_length);\n",
		    ind);
		break;
	case RPC_STRUCT:
		put(o, "%sevtag_marshal_@R(evbuf, @T, tmp->@F_data);\n", ind);
		break;
	}
}

static void
source_unmarshal_field(struct out *o)
{
	const struct rpc_entry *e = o->e;

	put(o, "\t\tcase @T:\n");
	if (e->array) {
		put(o,
		    "\t\t\tif (@P_@F_expand_(tmp) < 0)\n\t\t\t\treturn -1;\n");
		if (e->kind == RPC_STRUCT) {
			put(o,
			    "\t\t\tif ((e_@F = @R_new()) == NULL)\n"
			    "\t\t\t\treturn -1;\n"
			    "\t\t\tif (evtag_unmarshal_@R(evbuf, @T, e_@F) < "
			    "0) {\n"
			    "\t\t\t\t@R_free(e_@F);\n\t\t\t\treturn "
			    "-1;\n\t\t\t}\n"
			    "\t\t\ttmp->@F_data[tmp->@F_length] = e_@F;\n");
		} else {
			put(o,
			    "\t\t\tif (evtag_unmarshal_%s(evbuf, @T,\n"
			    "\t\t\t\t&tmp->@F_data[tmp->@F_length]) < 0)\n"
			    "\t\t\t\treturn -1;\n",
			    e->kind == RPC_INT         ? "int"
			        : e->kind == RPC_INT64 ? "int64"
			                               : "string");
		}
		put(o, "\t\t\ttmp->@F_length++;\n");
	} else {
		put(o, "\t\t\tif (tmp->@F_set)\n\t\t\t\treturn -1;\n");
		switch (e->kind) {
		case RPC_INT:
		case RPC_INT64:
		case RPC_STRING:
			put(o,
			    "\t\t\tif (evtag_unmarshal_%s(evbuf, @T, "
			    "&tmp->@F_data) < 0)\n\t\t\t\treturn -1;\n",
			    e->kind == RPC_INT         ? "int"
			        : e->kind == RPC_INT64 ? "int64"
			                               : "string");
			break;
		case RPC_BYTES:
			put(o,
			    "\t\t\tif (evtag_unmarshal_fixed(evbuf, @T, "
			    "tmp->@F_data,\n"
			    "\t\t\t\tsizeof(tmp->@F_data)) < 0)\n"
			    "\t\t\t\treturn -1;\n");
			break;
		case RPC_VARBYTES:
			/* the length is checked against what the buffer
			 * holds before anything is allocated */
			put(o,
			    "\t\t\tif (evtag_payload_length(evbuf, &len) < 0 "
			    "||\n"
			    "\t\t\t    len > evbuffer_get_length(evbuf))\n"
			    "\t\t\t\treturn -1;\n"
			    "\t\t\tfree(tmp->@F_data);\n"
			    "\t\t\ttmp->@F_length = 0;\n"
			    "\t\t\tif ((tmp->@F_data = malloc(len ? len : 1)) "
			    "== NULL)\n"
			    "\t\t\t\treturn -1;\n"
			    "\t\t\tif (evtag_unmarshal_fixed(evbuf, @T, "
			    "tmp->@F_data, len) < 0)\n"
			    "\t\t\t\treturn -1;\n"
			    "\t\t\ttmp->@F_length = len;\n");
			break;
		case RPC_STRUCT:
			put(o,
			    "\t\t\tif (tmp->@F_data == NULL)\n"
			    "\t\t\t\ttmp->@F_data = @R_new();\n"
			    "\t\t\telse\n\t\t\t\t@R_clear(tmp->@F_data);\n"
			    "\t\t\tif (tmp->@F_data == NULL)\n"
			    "\t\t\t\treturn -1;\n"
			    "\t\t\tif (evtag_unmarshal_@R(evbuf, @T, "
			    "tmp->@F_data) < 0)\n"
			    "\t\t\t\treturn -1;\n");
			break;
		}
	}
	put(o, "\t\t\ttmp->@F_set = 1;\n\t\t\tbreak;\n");
}

static void
source_struct(struct out *o)
{
	const struct rpc_struct *s = o->s;
	size_t i;
	int varbytes = 0;

	put(o,
	    "/*\n * struct @P\n */\n\nstatic struct @P_access_ @P_base__ = "
	    "{\n");
	for (i = 0; i < s->n_entries; i++) {
		o->e = &s->entries[i];
		put(o, "\t@P_@F_assign,\n\t@P_@F_get,\n");
		if (o->e->array)
			put(o, "\t@P_@F_add,\n");
		if (o->e->kind == RPC_VARBYTES)
			varbytes = 1;
	}
	put(o, "};\n\n");

	put(o,
	    "struct @P *\n@P_new(void)\n{\n\treturn "
	    "@P_new_with_arg(NULL);\n}\n\n"
	    "struct @P *\n@P_new_with_arg(void *unused)\n{\n"
	    "\tstruct @P *tmp;\n\n\t(void)unused;\n"
	    "\tif ((tmp = calloc(1, sizeof(*tmp))) == NULL)\n"
	    "\t\treturn NULL;\n"
	    "\ttmp->base = &@P_base__;\n\treturn tmp;\n}\n\n");

	for (i = 0; i < s->n_entries; i++) {
		o->e = &s->entries[i];
		if (o->e->array)
			source_add(o);
		source_assign(o);
		source_get(o);
	}

	put(o, "void\n@P_clear(struct @P *tmp)\n{\n");
	if (has_array_to_free(s))
		put(o, "\tint i;\n\n");
	for (i = 0; i < s->n_entries; i++) {
		o->e = &s->entries[i];
		source_clear_field(o);
	}
	put(o, "}\n\n");

	put(o,
	    "void\n@P_free(struct @P *tmp)\n{\n\tif (tmp == "
	    "NULL)\n\t\treturn;\n"
	    "\t@P_clear(tmp);\n\tfree(tmp);\n}\n\n");

	put(o,
	    "void\n@P_marshal(struct evbuffer *evbuf, const struct @P "
	    "*tmp)\n{\n");
	if (has_array(s, 0))
		put(o, "\tint i;\n\n");
	for (i = 0; i < s->n_entries; i++) {
		o->e = &s->entries[i];
		source_marshal_field(o);
	}
	put(o, "}\n\n");

	put(o,
	    "int\n@P_unmarshal(struct @P *tmp, struct evbuffer *evbuf)\n{\n"
	    "\tev_uint32_t tag;\n");
	if (varbytes)
		put(o, "\tev_uint32_t len;\n");
	for (i = 0; i < s->n_entries; i++) {
		o->e = &s->entries[i];
		if (o->e->array && o->e->kind == RPC_STRUCT)
			put(o, "\t@Ce_@F;\n");
	}
	put(o,
	    "\n\twhile (evbuffer_get_length(evbuf) > 0) {\n"
	    "\t\tif (evtag_peek(evbuf, &tag) < 0)\n\t\t\treturn -1;\n"
	    "\t\tswitch (tag) {\n");
	for (i = 0; i < s->n_entries; i++) {
		o->e = &s->entries[i];
		source_unmarshal_field(o);
	}
	put(o,
	    "\t\tdefault:\n\t\t\treturn -1;\n\t\t}\n\t}\n"
	    "\treturn @P_complete(tmp);\n}\n\n");

	put(o, "int\n@P_complete(struct @P *msg)\n{\n");
	if (has_array(s, 1))
		put(o, "\tint i;\n\n");
	for (i = 0; i < s->n_entries; i++) {
		o->e = &s->entries[i];
		if (!o->e->optional && !o->e->array)
			put(o, "\tif (!msg->@F_set)\n\t\treturn -1;\n");
		if (o->e->kind != RPC_STRUCT)
			continue;
		if (o->e->array)
			put(o,
			    "\tfor (i = 0; i < msg->@F_length; i++)\n"
			    "\t\tif (@R_complete(msg->@F_data[i]) < 0)\n"
			    "\t\t\treturn -1;\n");
		else
			put(o,
			    "\tif (msg->@F_set && @R_complete(msg->@F_data) < "
			    "0)\n"
			    "\t\treturn -1;\n");
	}
	put(o, "\treturn 0;\n}\n\n");

	put(o,
	    "int\nevtag_unmarshal_@P(\n"
	    "    struct evbuffer *evbuf, ev_uint32_t need_tag, struct @P "
	    "*msg)\n"
	    "{\n\tstruct evbuffer *tmp;\n\tev_uint32_t tag;\n\tint res = "
	    "-1;\n\n"
	    "\tif (evtag_peek(evbuf, &tag) < 0 || tag != need_tag ||\n"
	    "\t    evrpcgen_depth_ >= EVRPCGEN_MAX_DEPTH)\n\t\treturn -1;\n"
	    "\tif ((tmp = evbuffer_new()) == NULL)\n\t\treturn -1;\n"
	    "\tevrpcgen_depth_++;\n"
	    "\tif (evtag_unmarshal(evbuf, &tag, tmp) >= 0 &&\n"
	    "\t    @P_unmarshal(msg, tmp) == 0)\n\t\tres = 0;\n"
	    "\tevrpcgen_depth_--;\n"
	    "\tevbuffer_free(tmp);\n\treturn res;\n}\n\n");

	put(o,
	    "void\nevtag_marshal_@P(\n"
	    "    struct evbuffer *evbuf, ev_uint32_t tag, const struct @P "
	    "*msg)\n"
	    "{\n\tstruct evbuffer *tmp = evbuffer_new();\n\n"
	    "\tif (tmp == NULL)\n\t\treturn;\n"
	    "\t@P_marshal(tmp, msg);\n"
	    "\tevtag_marshal_buffer(evbuf, tag, tmp);\n"
	    "\tevbuffer_free(tmp);\n}\n\n");
}

/* One copy helper per struct that a field refers to: marshal, then
 * unmarshal into dst (which also makes assigning a struct to itself
 * work). */
static void
source_copy_helpers(struct out *o, const struct rpc_file *f)
{
	size_t i, j, k, l;

	for (i = 0; i < f->n_structs; i++) {
		for (j = 0; j < f->structs[i].n_entries; j++) {
			const struct rpc_entry *e = &f->structs[i].entries[j];
			int seen = 0;
			if (e->kind != RPC_STRUCT)
				continue;
			for (k = 0; k <= i && !seen; k++)
				for (l = 0; l < f->structs[k].n_entries &&
				     (k < i || l < j);
				     l++)
					if (f->structs[k].entries[l].kind ==
					        RPC_STRUCT &&
					    strcmp(f->structs[k].entries[l].ref,
					        e->ref) == 0)
						seen = 1;
			if (seen)
				continue;
			o->e = e;
			put(o,
			    "static int\nevrpcgen_copy_@R_(@Cdst, const "
			    "@Csrc)\n{\n"
			    "\tstruct evbuffer *tmp = evbuffer_new();\n"
			    "\tint res = -1;\n\n"
			    "\tif (tmp == NULL)\n\t\treturn -1;\n"
			    "\t@R_marshal(tmp, src);\n"
			    "\t@R_clear(dst);\n"
			    "\tif (@R_unmarshal(dst, tmp) == 0)\n\t\tres = 0;\n"
			    "\telse\n\t\t@R_clear(dst);\n"
			    "\tevbuffer_free(tmp);\n\treturn res;\n}\n\n");
		}
	}
}

static int
has_kind(const struct rpc_file *f, enum rpc_kind kind)
{
	size_t i, j;

	for (i = 0; i < f->n_structs; i++)
		for (j = 0; j < f->structs[i].n_entries; j++)
			if (f->structs[i].entries[j].kind == kind)
				return 1;
	return 0;
}

int
rpc_emit_source(FILE *fp, const struct rpc_file *f, const char *rpc_name,
    const char *header_name)
{
	struct out o = { fp, NULL, NULL, 0 };
	size_t i;

	fprintf(fp,
	    "/*\n * Generated by evrpcgen from %s.  Do not edit: edit the\n"
	    " * .rpc file and run evrpcgen again.\n */\n\n",
	    rpc_name);
	fputs("#include <limits.h>\n#include <stdint.h>\n#include <stdlib.h>\n"
	      "#include <string.h>\n\n"
	      "#include <event2/event-config.h>\n#include <event2/event.h>\n"
	      "#include <event2/buffer.h>\n#include <event2/tag.h>\n\n",
	    fp);
	for (i = 0; i < f->n_source_lines; i++)
		fprintf(fp, "%s\n", f->source_lines[i]);
	if (f->n_source_lines)
		fputs("\n", fp);
	fprintf(fp, "#include \"%s\"\n\n", header_name);
	if (f->n_structs) {
		fputs("/* How deep evtag_unmarshal_* calls are nested in this\n"
		      " * thread: hostile input must not exhaust the stack\n"
		      " * through a struct that contains itself. */\n"
		      "#ifndef EVRPCGEN_MAX_DEPTH\n#define EVRPCGEN_MAX_DEPTH "
		      "256\n"
		      "#endif\n"
		      "#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= "
		      "201112L && \\\n"
		      "    !defined(__STDC_NO_THREADS__)\n"
		      "static _Thread_local int evrpcgen_depth_;\n"
		      "#elif defined(__GNUC__)\n"
		      "static __thread int evrpcgen_depth_;\n"
		      "#else\nstatic int evrpcgen_depth_;\n#endif\n\n",
		    fp);
	}
	if (has_kind(f, RPC_STRING))
		fputs("/* strdup is not C99 */\n"
		      "static char *\nevrpcgen_strdup_(const char *s)\n{\n"
		      "\tsize_t n = strlen(s) + 1;\n"
		      "\tchar *d = malloc(n);\n\n"
		      "\tif (d != NULL)\n\t\tmemcpy(d, s, n);\n"
		      "\treturn d;\n}\n\n",
		    fp);
	source_copy_helpers(&o, f);
	for (i = 0; i < f->n_structs; i++) {
		o.s = &f->structs[i];
		source_struct(&o);
	}
	return ferror(fp) || o.truncated ? -1 : 0;
}
