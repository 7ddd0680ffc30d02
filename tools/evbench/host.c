/*
 * evbench host record: the kernel, the CPU model, the online cores and the
 * load average when the runs start, so that a saved run says where its
 * figures come from.  Linux files; "unknown" or -1 where they are missing.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "evbench.h"

/* The value of the first "key<blanks>: value" line of /proc/cpuinfo. */
static int
cpuinfo(const char *key, char *buf, size_t len)
{
	char line[512], *p, *v;
	size_t klen = strlen(key);
	FILE *fp = fopen("/proc/cpuinfo", "r");
	int found = 0;

	if (fp == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, key, klen) != 0)
			continue;
		for (p = line + klen; *p == ' ' || *p == '\t'; p++)
			continue;
		if (*p != ':')
			continue;
		for (v = p + 1; *v == ' ' || *v == '\t'; v++)
			continue;
		v[strcspn(v, "\n")] = '\0';
		if (*v != '\0') {
			snprintf(buf, len, "%s", v);
			found = 1;
		}
	}
	fclose(fp);
	return found;
}

/*
 * Only printable ASCII goes into the record: a CPU name with control bytes
 * or broken UTF-8 would otherwise spoil the SVG and the JSON (which our
 * own strict reader refuses).
 */
static void
printable(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

void
evb_host_read(struct evb_host *h)
{
	struct utsname u;
	FILE *fp;
	int i;

	memset(h, 0, sizeof(*h));
	snprintf(h->kernel, sizeof(h->kernel), "unknown");
	if (uname(&u) == 0)
		snprintf(h->kernel, sizeof(h->kernel), "%s", u.release);
	/* x86 names the model; many ARM kernels only the processor. */
	if (!cpuinfo("model name", h->cpu, sizeof(h->cpu)) &&
	    !cpuinfo("Processor", h->cpu, sizeof(h->cpu)) &&
	    !cpuinfo("cpu model", h->cpu, sizeof(h->cpu)))
		snprintf(h->cpu, sizeof(h->cpu), "%s",
		    uname(&u) == 0 ? u.machine : "unknown");
	printable(h->kernel);
	printable(h->cpu);
	h->cores = sysconf(_SC_NPROCESSORS_ONLN);
	for (i = 0; i < 3; i++)
		h->load[i] = -1;
	if ((fp = fopen("/proc/loadavg", "r")) != NULL) {
		if (fscanf(fp, "%lf %lf %lf", &h->load[0], &h->load[1],
		        &h->load[2]) != 3)
			h->load[0] = h->load[1] = h->load[2] = -1;
		fclose(fp);
	}
}
