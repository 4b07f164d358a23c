/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared declarations of the pinhole command-line tool. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pinhole/pinhole.h>

/* Exit codes. */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_RUNTIME = 1, /* the command failed */
	CLI_EXIT_USAGE = 2,   /* the command line is wrong */
};

/* Options that apply to every command. */
struct cli_global {
	bool verbose; /* log at PH_LOG_DEBUG */
};

/* Commands: argv[0] is the command name; return a CLI_EXIT_* code. */
int cmd_list(const struct cli_global *global, int argc, char **argv);
int cmd_info(const struct cli_global *global, int argc, char **argv);
int cmd_capture(const struct cli_global *global, int argc, char **argv);
int cmd_develop(const struct cli_global *global, int argc, char **argv);

/* Print the help of @p command (NULL: the general help) to @p out. */
void cli_usage(FILE *out, const char *command);

/* "pinhole: ..." on stderr, newline appended. */
void cli_error(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* "pinhole: warning: ..." on stderr, newline appended. */
void cli_warning(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* Report a usage error and point at the command's help. @return CLI_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/* Create the context (logging to stderr); NULL on failure (reported). */
struct ph_context *cli_context_new(const struct cli_global *global);

/* Free every queued event. */
void cli_drain_events(struct ph_context *ctx);

/* Find a camera by id, id prefix or index; reports an error if there is none. */
struct ph_camera *cli_find_camera(struct ph_context *ctx, const char *name);

/* "int32", "float[2]", ... */
const char *cli_control_type_name(enum ph_control_type type, uint32_t count, char *buf,
				  size_t size);

/*
 * Format the value of @p id in @p list, strings included, into @p buf.
 * @return 0, or a negative errno if the list has no such value.
 */
int cli_format_list_value(const struct ph_control_list *list, uint32_t id, char *buf, size_t size);

/* Strictly parse an unsigned decimal number. @return 0 or -EINVAL. */
int cli_parse_uint(const char *text, uint32_t max, uint32_t *out);

/*
 * Parse the --jpeg-quality value of @p command (1 to 100) into @p quality.
 * @return -1 on success, else the exit code of the reported usage error.
 */
int cli_parse_jpeg_quality(const char *command, const char *text, int *quality);

/* Parse "WxH", each 1 to 16384. @return 0 or -EINVAL. */
int cli_parse_size(const char *text, uint32_t *width, uint32_t *height);
