/* trigger_conf — event triggers and open/close hooks as read from the
 * config (config_trigger.c): the [trigger NAME] sections, and each user's
 * triggers, on_open, on_close and one_shot keys. Part of struct config and
 * struct config_user. The daemon runs them with trigger.c. */
#ifndef POSTERN_TRIGGER_CONF_H
#define POSTERN_TRIGGER_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRIGGER_NAME_MAX 64 /* as CONFIG_NAME_MAX */
#define TRIGGER_MAX 64 /* [trigger] sections per config */
#define TRIGGER_ID_MAX 255 /* a knock carries the id in one byte */
#define TRIGGER_COMMAND_MAX 1024
#define TRIGGER_PATTERN_MAX 256
#define TRIGGER_RUN_AS_MAX 33
#define TRIGGER_PER_USER_MAX 16
#define TRIGGER_DEFAULT_RUN_AS "nobody"
#define TRIGGER_DEFAULT_TIMEOUT 10 /* seconds, then SIGTERM; SIGKILL 2 s later */
#define TRIGGER_TIMEOUT_MAX 3600
#define TRIGGER_DEFAULT_MAX_RUNNING 1
#define TRIGGER_MAX_RUNNING_MAX 8
#define TRIGGER_NO_HOOK (-1)

struct trigger_conf {
	char name[TRIGGER_NAME_MAX];
	unsigned id; /* 1..255; 0: no id, usable only as an open/close hook */
	char command[TRIGGER_COMMAND_MAX]; /* split by cmdline.h at each run */
	char pattern[TRIGGER_PATTERN_MAX]; /* "" = a knock may carry no argument */
	char run_as[TRIGGER_RUN_AS_MAX];
	uint32_t timeout; /* seconds */
	uint32_t max_running; /* concurrent runs; more are refused, not queued */
	unsigned line; /* of the [trigger NAME] header */
	unsigned id_line, command_line, pattern_line;
};

struct trigger_user {
	/* triggers = NAME, ...: names as written, resolved to indexes into
	 * config->triggers by the whole-config check. */
	char names[TRIGGER_PER_USER_MAX][TRIGGER_NAME_MAX];
	uint16_t idx[TRIGGER_PER_USER_MAX];
	size_t n;
	char on_open[TRIGGER_NAME_MAX]; /* "" = none */
	char on_close[TRIGGER_NAME_MAX];
	int open_idx, close_idx; /* TRIGGER_NO_HOOK or an index */
	bool one_shot; /* a grant admits one new connection, then closes */
	unsigned triggers_line, on_open_line, on_close_line, one_shot_line;
};

#endif
