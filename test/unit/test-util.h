/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Helpers of the cmocka tests that drive a camera: a log handler that
 * keeps the messages for assertions, and waiting for events with a
 * deadline. Include after <cmocka.h> and the Pinhole headers; each test
 * program gets its own copy of the captured log.
 */

#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define TIMEOUT_MS 10000 /* generous: the suites also run under sanitizers */

/* ---- log capture ---- */

static char log_text[32768];
static size_t log_len;
static unsigned log_errors;

static void log_handler(struct ph_context *ctx, enum ph_log_priority priority, void *data,
			const char *format, va_list args)
{
	int n;

	if (priority == PH_LOG_ERROR)
		log_errors++;
	if (log_len >= sizeof(log_text) - 256)
		log_len = 0; /* keep the latest messages */
	n = vsnprintf(log_text + log_len, sizeof(log_text) - log_len, format, args);
	if (n > 0)
		log_len += (size_t)n < sizeof(log_text) - log_len ? (size_t)n
								  : sizeof(log_text) - log_len - 1;
}

static void log_reset(void)
{
	log_len = 0;
	log_text[0] = '\0';
	log_errors = 0;
}

/* Assert that an error containing @needle was logged since the last reset. */
#define expect_log(needle)                                                                         \
	do {                                                                                       \
		if (!strstr(log_text, (needle)))                                                   \
			fail_msg("expected a log message containing '%s', got:\n%s", (needle),     \
				 log_text);                                                        \
		assert_true(log_errors > 0);                                                       \
	} while (0)

/* The same, then forget the log: the next check sees only newer messages. */
#define expect_log_consume(needle)                                                                 \
	do {                                                                                       \
		expect_log(needle);                                                                \
		log_reset();                                                                       \
	} while (0)

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait for the next event, dispatching as needed. NULL on timeout. */
static struct ph_event *wait_event(struct ph_context *ctx, int timeout_ms)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	struct ph_event *ev;

	while (!(ev = ph_context_next_event(ctx))) {
		struct pollfd pfd = {ph_context_get_fd(ctx), POLLIN, 0};
		int64_t left = (int64_t)(deadline - now_ms());

		if (left <= 0)
			return NULL;
		poll(&pfd, 1, (int)left);
		assert_int_equal(ph_context_dispatch(ctx), 0);
	}
	return ev;
}

/* Wait for a REQUEST_COMPLETED event; @return its request. */
static struct ph_request *wait_request(struct ph_context *ctx)
{
	struct ph_event *ev = wait_event(ctx, TIMEOUT_MS);
	struct ph_request *req;

	assert_non_null(ev);
	assert_int_equal(ph_event_get_type(ev), PH_EVENT_REQUEST_COMPLETED);
	req = ph_event_get_request(ev);
	assert_non_null(req);
	ph_event_free(ev);
	return req;
}
