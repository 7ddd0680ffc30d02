/*
 * event_config.c: the settings a program gives event_base_new_with_config.
 */
#include "config.h"

#include <limits.h>

#include <event2/event.h>

#include "event-internal.h"
#include "mm-internal.h"

struct event_config *
event_config_new(void)
{
	struct event_config *cfg = mm_calloc(1, sizeof(*cfg));

	if (cfg == NULL)
		return NULL;
	cfg->max_dispatch_interval.tv_sec = -1;
	cfg->max_dispatch_callbacks = INT_MAX;
	cfg->limit_callbacks_after_prio = 1;
	return cfg;
}

void
event_config_free(struct event_config *cfg)
{
	struct event_config_entry *entry, *next;

	if (cfg == NULL)
		return;
	for (entry = cfg->entries; entry; entry = next) {
		next = entry->next;
		mm_free(entry->avoid_method);
		mm_free(entry);
	}
	mm_free(cfg);
}

int
event_config_avoid_method(struct event_config *cfg, const char *method)
{
	struct event_config_entry *entry;

	if (cfg == NULL || method == NULL)
		return -1;
	entry = mm_malloc(sizeof(*entry));
	if (entry == NULL)
		return -1;
	entry->avoid_method = mm_strdup(method);
	if (entry->avoid_method == NULL) {
		mm_free(entry);
		return -1;
	}
	entry->next = cfg->entries;
	cfg->entries = entry;
	return 0;
}

int
event_config_require_features(struct event_config *cfg, int features)
{
	if (cfg == NULL)
		return -1;
	cfg->require_features = (enum event_method_feature)features;
	return 0;
}

int
event_config_set_flag(struct event_config *cfg, int flag)
{
	if (cfg == NULL)
		return -1;
	cfg->flags |= (enum event_base_config_flag)flag;
	return 0;
}

int
event_config_set_num_cpus_hint(struct event_config *cfg, int cpus)
{
	if (cfg == NULL)
		return -1;
	cfg->n_cpus_hint = cpus;
	return 0;
}

int
event_config_set_max_dispatch_interval(struct event_config *cfg,
    const struct timeval *max_interval, int max_callbacks, int min_priority)
{
	if (cfg == NULL)
		return -1;
	if (max_interval)
		cfg->max_dispatch_interval = *max_interval;
	else
		cfg->max_dispatch_interval.tv_sec = -1;
	cfg->max_dispatch_callbacks =
	    max_callbacks >= 0 ? max_callbacks : INT_MAX;
	cfg->limit_callbacks_after_prio = min_priority < 0 ? 0 : min_priority;
	return 0;
}
