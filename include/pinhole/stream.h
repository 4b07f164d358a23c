/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/**
 * @file stream.h
 * Streams of a configured camera and their frame buffers. Every plane of a
 * buffer is a file descriptor: a dma-buf where the pipeline has one, a
 * memfd otherwise. Buffers belong to their stream and are freed when the
 * camera is reconfigured or released, or by ph_stream_free_buffers().
 */

#include <stddef.h>
#include <stdint.h>

#include <pinhole/config.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ph_stream;
struct ph_buffer;

/** One plane of a buffer. Planes may share one fd at different offsets. */
struct ph_plane {
	int fd;		 /**< borrowed from the buffer: do not close */
	uint32_t offset; /**< bytes from the start of the fd */
	uint32_t length; /**< bytes of the plane */
	uint32_t stride; /**< bytes per line */
};

/** @return the configuration the stream was created with (owned by the stream). */
const struct ph_stream_config *ph_stream_get_config(const struct ph_stream *stream);

/**
 * Allocate @p count buffers for the stream (in addition to those it has).
 * @return the number allocated (>= 1) or a negative errno; -EBUSY while
 * the camera is running.
 */
int ph_stream_allocate_buffers(struct ph_stream *stream, unsigned count);

/**
 * Wrap buffers the user allocated. The fds are duplicated: the caller keeps
 * its own. Each plane must fit the stream's format (offset + length within
 * the fd's size, length and stride large enough).
 * @return the new buffer, owned by the stream, or NULL (-EINVAL logged).
 */
struct ph_buffer *ph_stream_import_buffer(struct ph_stream *stream, const struct ph_plane *planes,
					  unsigned plane_count);

/** @return the number of buffers the stream holds. */
unsigned ph_stream_buffer_count(const struct ph_stream *stream);
/** @return the @p index-th buffer, owned by the stream, or NULL. */
struct ph_buffer *ph_stream_buffer_at(const struct ph_stream *stream, unsigned index);

/** Free every buffer of the stream. @return 0, or -EBUSY while any is queued. */
int ph_stream_free_buffers(struct ph_stream *stream);

/** Outcome of the last capture into a buffer. */
enum ph_buffer_status {
	PH_BUFFER_IDLE = 0,	/**< never completed */
	PH_BUFFER_SUCCESS = 1,	/**< holds a complete frame */
	PH_BUFFER_ERROR = 2,	/**< the frame is corrupt or missing */
	PH_BUFFER_CANCELLED = 3 /**< the capture was cancelled */
};

/** @return the stream the buffer belongs to. */
struct ph_stream *ph_buffer_get_stream(const struct ph_buffer *buffer);
/** @return the number of planes. */
unsigned ph_buffer_plane_count(const struct ph_buffer *buffer);
/** @return plane @p index (owned by the buffer), or NULL. */
const struct ph_plane *ph_buffer_plane_at(const struct ph_buffer *buffer, unsigned index);
/** @return the status of the last capture. */
enum ph_buffer_status ph_buffer_get_status(const struct ph_buffer *buffer);
/** @return the sensor sequence number of the last frame captured into it. */
uint32_t ph_buffer_get_sequence(const struct ph_buffer *buffer);
/** @return the sensor timestamp (ns, CLOCK_MONOTONIC) of that frame. */
uint64_t ph_buffer_get_timestamp(const struct ph_buffer *buffer);
/** @return the bytes of plane @p index that hold data. */
uint32_t ph_buffer_get_bytes_used(const struct ph_buffer *buffer, unsigned index);

/**
 * Map plane @p index for reading. The mapping is kept by the buffer and
 * unmapped when the buffer is freed; calling again returns the same one.
 * @return the plane's first byte (already offset), or NULL on failure.
 */
const void *ph_buffer_map(struct ph_buffer *buffer, unsigned index);

#ifdef __cplusplus
}
#endif
