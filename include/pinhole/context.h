/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/**
 * @file context.h
 * The context is Pinhole's camera manager: it finds cameras, watches for
 * hotplug and drives everything through one pollable file descriptor.
 *
 * Main loop integration: poll ph_context_get_fd() for POLLIN; when it is
 * readable call ph_context_dispatch(), then drain ph_context_next_event().
 * Events are also queued by some calls (ph_camera_stop() cancels requests),
 * so drain the queue after those too.
 */

#include <stdint.h>

#include <pinhole/log.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ph_context;
struct ph_camera;
struct ph_event;

/**
 * How the context opens device nodes. A sandboxed or privilege-separated
 * application supplies its own; the default calls open(2) and close(2).
 */
struct ph_context_interface {
	uint32_t size; /**< sizeof(struct ph_context_interface) */
	/** Open @p path with @p flags; return an fd or a negative errno. */
	int (*open_restricted)(const char *path, int flags, void *user_data);
	/** Close an fd obtained from open_restricted. */
	void (*close_restricted)(int fd, void *user_data);
};

/** Context creation parameters. Zero-initialise, then set size. */
struct ph_context_params {
	uint32_t size; /**< sizeof(struct ph_context_params) */
	/** Device open interface, or NULL for open(2). Copied. */
	const struct ph_context_interface *interface;
	/** Passed to the interface's callbacks. */
	void *interface_data;
	/** Log handler, or NULL to log to stderr. */
	ph_log_handler log_handler;
	void *log_data;
	/** Messages above this priority are dropped; 0 means PH_LOG_WARNING
	 *  (or $PINHOLE_LOG_LEVEL: error, warning, info, debug). */
	enum ph_log_priority log_priority;
	/**
	 * Configuration of the simulated camera: a file path, or NULL for
	 * $PINHOLE_VIRTUAL_CONFIG (see doc/virtual-camera.md).
	 */
	const char *virtual_config;
	/** PH_CONTEXT_* flags. */
	uint32_t flags;
};

/** Do not create the simulated camera. */
#define PH_CONTEXT_NO_VIRTUAL (1u << 0)

/**
 * Create a context and enumerate cameras. A PH_EVENT_CAMERA_ADDED event is
 * queued for every camera found.
 * @param params may be NULL for defaults.
 * @return a context with one reference, or NULL on failure (logged).
 */
struct ph_context *ph_context_new(const struct ph_context_params *params);

/** Take a reference. @return @p ctx. */
struct ph_context *ph_context_ref(struct ph_context *ctx);

/**
 * Drop a reference. The last one stops every camera, releases it, and
 * frees everything the context allocated: every fd, mapping and buffer.
 * Requests, configurations and events still held by the user must be freed
 * before. @return NULL.
 */
struct ph_context *ph_context_unref(struct ph_context *ctx);

/** Replace the log handler (NULL restores the stderr one). */
void ph_context_set_log_handler(struct ph_context *ctx, ph_log_handler handler, void *user_data);
/** Set the most verbose priority that is still logged. */
void ph_context_set_log_priority(struct ph_context *ctx, enum ph_log_priority priority);
/** @return the current log priority. */
enum ph_log_priority ph_context_get_log_priority(const struct ph_context *ctx);

/**
 * @return a file descriptor that polls readable when ph_context_dispatch()
 * has work to do. Owned by the context: do not close it.
 */
int ph_context_get_fd(const struct ph_context *ctx);

/**
 * Do the pending work (frame completions, hotplug) without blocking and
 * queue the resulting events. @return 0 or a negative errno.
 */
int ph_context_dispatch(struct ph_context *ctx);

/**
 * Take the next queued event. @return an event the caller frees with
 * ph_event_free(), or NULL if the queue is empty.
 */
struct ph_event *ph_context_next_event(struct ph_context *ctx);

/** @return the number of cameras currently present. */
unsigned ph_context_camera_count(const struct ph_context *ctx);

/**
 * @return the @p index-th camera, borrowed: valid until its
 * PH_EVENT_CAMERA_REMOVED event is freed; take a reference to keep it
 * longer. NULL if @p index is out of range.
 */
struct ph_camera *ph_context_camera_at(const struct ph_context *ctx, unsigned index);

/**
 * Find a camera by id ("virtual:0"), by a unique prefix of an id
 * ("virtual"), or by its index in decimal ("0").
 * @return a borrowed camera as for ph_context_camera_at(), or NULL.
 */
struct ph_camera *ph_context_get_camera(const struct ph_context *ctx, const char *id);

/** @return the library version as "MAJOR.MINOR.PATCH". */
const char *ph_version(void);

#ifdef __cplusplus
}
#endif
