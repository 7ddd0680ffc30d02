/*
 * mime.c: Content-Type from the file name's extension: /etc/mime.types
 * when it is there, over a built-in table of the common web types.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "evhttpd.h"

#define DEFAULT_TYPE "application/octet-stream"

static const char *const builtin[][2] = {
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "css", "text/css" },
	{ "js", "text/javascript" },
	{ "mjs", "text/javascript" },
	{ "json", "application/json" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "md", "text/markdown" },
	{ "xml", "application/xml" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "avif", "image/avif" },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "pdf", "application/pdf" },
	{ "wasm", "application/wasm" },
	{ "mp4", "video/mp4" },
	{ "webm", "video/webm" },
	{ "mp3", "audio/mpeg" },
	{ "ogg", "audio/ogg" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "ttf", "font/ttf" },
	{ "zip", "application/zip" },
	{ "gz", "application/gzip" },
	{ "tar", "application/x-tar" },
};

struct mime_entry {
	char *ext;
	char *type;
};

static struct mime_entry *table; /* sorted by ext, from mime.types */
static size_t ntable;

static int
cmp_entry(const void *a, const void *b)
{
	return strcasecmp(((const struct mime_entry *)a)->ext,
	    ((const struct mime_entry *)b)->ext);
}

void
evhttpd_mime_load(const char *path)
{
	char line[1024], *save, *type, *ext;
	size_t cap = 0;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#')
			continue;
		type = strtok_r(line, " \t\r\n", &save);
		if (type == NULL || strchr(type, '/') == NULL)
			continue;
		while ((ext = strtok_r(NULL, " \t\r\n", &save)) != NULL) {
			if (ntable == cap) {
				cap = cap != 0 ? cap * 2 : 512;
				table =
				    cli_xrealloc(table, cap, sizeof(*table));
			}
			table[ntable].ext = cli_xstrdup(ext);
			table[ntable].type = cli_xstrdup(type);
			ntable++;
		}
	}
	fclose(fp);
	if (ntable > 0)
		qsort(table, ntable, sizeof(*table), cmp_entry);
}

void
evhttpd_mime_free(void)
{
	size_t i;

	for (i = 0; i < ntable; i++) {
		free(table[i].ext);
		free(table[i].type);
	}
	free(table);
	table = NULL;
	ntable = 0;
}

const char *
evhttpd_mime_type(const char *name)
{
	const char *slash = strrchr(name, '/');
	const char *dot = strrchr(slash != NULL ? slash + 1 : name, '.');
	struct mime_entry key, *hit;
	size_t i;

	if (dot == NULL || dot[1] == '\0')
		return DEFAULT_TYPE;
	dot++;
	key.ext = (char *)dot;
	hit = ntable > 0
	    ? bsearch(&key, table, ntable, sizeof(*table), cmp_entry)
	    : NULL;
	if (hit != NULL) {
		/* Our text pages are UTF-8; say so for the two common ones. */
		if (strcmp(hit->type, "text/html") == 0)
			return "text/html; charset=utf-8";
		if (strcmp(hit->type, "text/plain") == 0)
			return "text/plain; charset=utf-8";
		return hit->type;
	}
	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (strcasecmp(builtin[i][0], dot) == 0)
			return builtin[i][1];
	return DEFAULT_TYPE;
}
