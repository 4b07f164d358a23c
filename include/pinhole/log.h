/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/**
 * @file log.h
 * Log priorities and the log handler type. The handler is set per context
 * (see ph_context_set_log_handler()); there is no global logger.
 */

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ph_context;

/** Message priorities, most severe first. */
enum ph_log_priority {
	PH_LOG_ERROR = 10,
	PH_LOG_WARNING = 20,
	PH_LOG_INFO = 30,
	PH_LOG_DEBUG = 40,
};

/**
 * A log handler. @p format and @p args are printf-style; the message ends
 * with a newline. Called only from inside Pinhole calls made by the user,
 * on the calling thread.
 */
typedef void (*ph_log_handler)(struct ph_context *ctx, enum ph_log_priority priority,
			       void *user_data, const char *format, va_list args);

#ifdef __cplusplus
}
#endif
