/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the commands: messages, context, camera lookup, values. */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void vmessage(const char *prefix, const char *format, va_list args)
{
	fputs("pinhole: ", stderr);
	fputs(prefix, stderr);
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
}

void cli_error(const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vmessage("", format, args);
	va_end(args);
}

void cli_warning(const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vmessage("warning: ", format, args);
	va_end(args);
}

int cli_usage_error(const char *command, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vmessage("", format, args);
	va_end(args);
	if (command)
		fprintf(stderr, "Run 'pinhole %s --help' for usage.\n", command);
	else
		fputs("Run 'pinhole --help' for usage.\n", stderr);
	return CLI_EXIT_USAGE;
}

struct ph_context *cli_context_new(const struct cli_global *global)
{
	struct ph_context_params params = {
		.size = sizeof(params),
		.log_priority = global->verbose ? PH_LOG_DEBUG : 0,
	};
	struct ph_context *ctx = ph_context_new(&params);

	if (!ctx) {
		cli_error("cannot create the camera context");
		return NULL;
	}
	if (global->verbose)
		ph_context_set_log_priority(ctx, PH_LOG_DEBUG);
	return ctx;
}

void cli_drain_events(struct ph_context *ctx)
{
	struct ph_event *event;

	while ((event = ph_context_next_event(ctx)))
		ph_event_free(event);
}

struct ph_camera *cli_find_camera(struct ph_context *ctx, const char *name)
{
	struct ph_camera *camera = ph_context_get_camera(ctx, name);

	if (!camera)
		cli_error("no camera '%s'; run 'pinhole list'", name);
	return camera;
}

const char *cli_control_type_name(enum ph_control_type type, uint32_t count, char *buf, size_t size)
{
	const char *name;

	switch (type) {
	case PH_CONTROL_TYPE_BOOL:
		name = "bool";
		break;
	case PH_CONTROL_TYPE_INT32:
		name = "int32";
		break;
	case PH_CONTROL_TYPE_INT64:
		name = "int64";
		break;
	case PH_CONTROL_TYPE_FLOAT:
		name = "float";
		break;
	case PH_CONTROL_TYPE_STRING:
		name = "string";
		break;
	default:
		name = "unknown";
		break;
	}
	if (count > 1 && type != PH_CONTROL_TYPE_STRING)
		snprintf(buf, size, "%s[%u]", name, count);
	else
		snprintf(buf, size, "%s", name);
	return buf;
}

int cli_format_list_value(const struct ph_control_list *list, uint32_t id, char *buf, size_t size)
{
	const struct ph_control_desc *desc = ph_control_desc_by_id(id);
	struct ph_control_value value;
	int ret;

	if (size)
		buf[0] = '\0';
	if (desc && desc->type == PH_CONTROL_TYPE_STRING) {
		const char *text = ph_control_list_get_string(list, id);

		if (!text)
			return -ENOENT;
		snprintf(buf, size, "%s", text);
		return 0;
	}
	ret = ph_control_list_get(list, id, &value);
	if (ret < 0)
		return ret;
	ph_control_value_format(&value, buf, size);
	return 0;
}

int cli_parse_uint(const char *text, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long value;

	if (!text || *text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno || *end || value > max)
		return -EINVAL;
	*out = (uint32_t)value;
	return 0;
}

int cli_parse_size(const char *text, uint32_t *width, uint32_t *height)
{
	const char *x = strchr(text, 'x');
	char buf[16];
	size_t n;

	if (!x)
		return -EINVAL;
	n = (size_t)(x - text);
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, n);
	buf[n] = '\0';
	if (cli_parse_uint(buf, 16384, width) || cli_parse_uint(x + 1, 16384, height) || !*width ||
	    !*height)
		return -EINVAL;
	return 0;
}

int cli_parse_jpeg_quality(const char *command, const char *text, int *quality)
{
	uint32_t value;

	if (cli_parse_uint(text, 100, &value) || !value)
		return cli_usage_error(command, "invalid JPEG quality '%s' (expected 1 to 100)",
				       text);
	*quality = (int)value;
	return -1;
}
