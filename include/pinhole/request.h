/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/**
 * @file request.h
 * A request carries one buffer per stream it wants filled and the controls
 * to apply to that frame. After it completes, its metadata says exactly
 * what the frame was taken with. Reuse a request with ph_request_reuse().
 */

#include <stdint.h>

#include <pinhole/controls.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ph_request;
struct ph_stream;
struct ph_buffer;

enum ph_request_status {
	PH_REQUEST_IDLE = 0,	  /**< created or reused, not queued */
	PH_REQUEST_PENDING = 1,	  /**< queued to the camera */
	PH_REQUEST_COMPLETE = 2,  /**< done; buffers hold the frame */
	PH_REQUEST_CANCELLED = 3, /**< stopped before it ran; buffers hold nothing */
};

/** Free a request. @return 0, or -EBUSY if queued (nothing is freed). NULL is allowed. */
int ph_request_free(struct ph_request *request);

/**
 * Attach @p buffer to be filled for @p stream. The buffer must belong to the
 * stream. @return 0, -EINVAL (foreign buffer, stream already attached), -EBUSY if queued.
 */
int ph_request_add_buffer(struct ph_request *request, struct ph_stream *stream,
			  struct ph_buffer *buffer);

/** @return the buffer attached for @p stream, or NULL. */
struct ph_buffer *ph_request_find_buffer(const struct ph_request *request,
					 const struct ph_stream *stream);

/**
 * @return the request's controls, to set before queueing (owned by the
 * request). They are applied to the frame that completes the request, as
 * far as the sensor's delays allow; the metadata says what was applied.
 */
struct ph_control_list *ph_request_get_controls(struct ph_request *request);

/** @return the metadata of the completed request (owned by the request). */
const struct ph_control_list *ph_request_get_metadata(const struct ph_request *request);

/** @return the request's status. */
enum ph_request_status ph_request_get_status(const struct ph_request *request);

/** @return the cookie given to ph_camera_create_request(). */
uint64_t ph_request_get_cookie(const struct ph_request *request);

/** @return the sensor sequence number of the frame it captured (valid when complete). */
uint32_t ph_request_get_sequence(const struct ph_request *request);

/** Keep the attached buffers on reuse (otherwise they are detached). */
#define PH_REQUEST_REUSE_BUFFERS (1u << 0)

/**
 * Make a completed or cancelled request idle again: clears controls and
 * metadata, and detaches buffers unless PH_REQUEST_REUSE_BUFFERS.
 * @return 0, or -EBUSY if queued.
 */
int ph_request_reuse(struct ph_request *request, unsigned flags);

#ifdef __cplusplus
}
#endif
