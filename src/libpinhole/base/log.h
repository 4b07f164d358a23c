/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pinhole/log.h>

struct ph_context;

/* Marks a definition as part of the public ABI (see pinhole.map). */
#define PH_EXPORT __attribute__((visibility("default")))

#define PH_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Log through the context's handler; @ctx may be NULL (logs to stderr). */
void ph_log(const struct ph_context *ctx, enum ph_log_priority priority, const char *format, ...)
	PH_PRINTF(3, 4);

#define ph_err(ctx, ...)  ph_log((ctx), PH_LOG_ERROR, __VA_ARGS__)
#define ph_warn(ctx, ...) ph_log((ctx), PH_LOG_WARNING, __VA_ARGS__)
#define ph_info(ctx, ...) ph_log((ctx), PH_LOG_INFO, __VA_ARGS__)
#define ph_dbg(ctx, ...)  ph_log((ctx), PH_LOG_DEBUG, __VA_ARGS__)
