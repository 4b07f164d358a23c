/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>

#include "core/internal.h"

static const char *priority_name(enum ph_log_priority priority)
{
	switch (priority) {
	case PH_LOG_ERROR:
		return "error";
	case PH_LOG_WARNING:
		return "warning";
	case PH_LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

static void log_stderr(enum ph_log_priority priority, const char *format, va_list args)
{
	fprintf(stderr, "pinhole %s: ", priority_name(priority));
	vfprintf(stderr, format, args);
}

void ph_log(const struct ph_context *ctx, enum ph_log_priority priority, const char *format, ...)
{
	va_list args;

	if (ctx && priority > ctx->log_priority)
		return;
	if (!ctx && priority > PH_LOG_WARNING)
		return;

	va_start(args, format);
	if (ctx && ctx->log_handler)
		ctx->log_handler((struct ph_context *)ctx, priority, ctx->log_data, format, args);
	else
		log_stderr(priority, format, args);
	va_end(args);
}
