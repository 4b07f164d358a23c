/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Pinhole frame buffers as GstMemory, without a copy.
 *
 * Each Pinhole buffer's fds are duplicated once and wrapped in a parent
 * fd (or dma-buf) memory kept mapped. Every frame hands downstream a
 * shared (read-only) child of it; when the last child is freed, in any
 * thread, the buffer's index is put on a released list and an eventfd is
 * signalled, so the streaming thread queues its request again. The pool
 * is reference counted: children outliving the element (or the camera)
 * keep their memory valid.
 */

#include <gst/gst.h>
#include <gst/video/video.h>
#include <pinhole/pinhole.h>

G_BEGIN_DECLS

struct ph_gst_pool;

/* Wrap every buffer of @stream. NULL on failure (@error set). */
struct ph_gst_pool *ph_gst_pool_new(struct ph_stream *stream, GError **error);

/* Drop the element's reference; outstanding frames keep the pool alive. */
void ph_gst_pool_unref(struct ph_gst_pool *pool);

/* An eventfd that polls readable when a frame was released. Owned by the pool. */
int ph_gst_pool_get_fd(const struct ph_gst_pool *pool);

/* The index of a released buffer (clearing the eventfd when none is left), or -1. */
int ph_gst_pool_pop_released(struct ph_gst_pool *pool);

/* Frames handed out and not yet released. */
guint ph_gst_pool_outstanding(struct ph_gst_pool *pool);

/*
 * A GstBuffer holding buffer @index's planes, with a GstVideoMeta of the
 * camera's strides and offsets for @format (GST_VIDEO_FORMAT_UNKNOWN for
 * Bayer: no meta). A single memory is cut to @frame_size. NULL on failure.
 */
GstBuffer *ph_gst_pool_wrap(struct ph_gst_pool *pool, guint index, GstVideoFormat format,
			    guint width, guint height, gsize frame_size);

G_END_DECLS
