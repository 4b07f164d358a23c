/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the V4L2 pipelines ("uvc", "simple") share: the probe of a video
 * node, the mapping of formats and colour spaces, and the capture queue
 * (buffers exported as dma-bufs, imported dma-bufs, private mapped
 * buffers, poll-driven dequeue on the context's loop, unplug detection).
 */

#include <stdbool.h>
#include <stdint.h>

#include "core/internal.h"
#include "media/enumerator.h"
#include "media/media-device.h"
#include "media/v4l2.h"
#include "pipeline/v4l2/route.h"

#define PH_V4L2_MAX_SLOTS 32

/* A video node as the probe found it; shared by the cameras made from it. */
struct ph_v4l2_probe {
	const struct ph_media_node *node;
	struct ph_v4l2_device *dev; /* open during the probe only */
	struct ph_v4l2_format_desc *formats;
	unsigned format_count;
	struct ph_v4l2_control *controls;
	unsigned control_count;
	char driver[32], card[64], bus_info[64];
	/* A media-controller-centric node: the sub-device chain feeding it, what
	 * it can deliver through it (formats are filtered to these) and the
	 * sensor's name; controls are the sensor's. mode_count 0 otherwise. */
	struct ph_v4l2_route_mode modes[PH_V4L2_ROUTE_MAX_MODES];
	unsigned mode_count;
	char sensor[64];
};

/* Pipelines: create a camera for the probed node if it suits them. @return 1 if created. */
int ph_uvc_probe(struct ph_context *ctx, const struct ph_v4l2_probe *probe);
int ph_simple_probe(struct ph_context *ctx, const struct ph_v4l2_probe *probe);

/*
 * The camera id of a node: "<pipeline>:<bus info>", readable and stable
 * across boots. When a camera of @ctx already has that id (one device with
 * several capture nodes on the same bus, as vimc or a SoC's ISP), the
 * node's name is appended: "<pipeline>:<bus info>:<node name>", as it
 * always is for a node fed by sub-devices (one media device, many nodes).
 */
int ph_v4l2_camera_id(struct ph_context *ctx, const struct ph_v4l2_probe *probe,
		      const char *pipeline, char *id, size_t size);
/* Copy the probe's formats and controls (deep) for a camera to keep. */
int ph_v4l2_copy_probe(const struct ph_v4l2_probe *probe, struct ph_v4l2_format_desc **formats,
		       unsigned *format_count, struct ph_v4l2_control **controls,
		       unsigned *control_count);
const struct ph_v4l2_control *ph_v4l2_find_control(const struct ph_v4l2_control *controls,
						   unsigned count, uint32_t id);

/* ---- formats ---- */

/* The Pinhole format of V4L2 format @fourcc, or 0 if Pinhole has no such layout. */
uint32_t ph_v4l2_format_to_ph(uint32_t v4l2_fourcc);
/* The Pinhole colour space of what the device reports for @pix. */
enum ph_colorspace ph_v4l2_colorspace_to_ph(const struct ph_v4l2_pix *pix);
/* The size of @desc nearest to @w x @h (exact if offered); false if it has none. */
bool ph_v4l2_nearest_size(const struct ph_v4l2_format_desc *desc, uint32_t *w, uint32_t *h);
/* Size range covering @desc's sizes. */
void ph_v4l2_size_range(const struct ph_v4l2_format_desc *desc, struct ph_size_range *range);

/* ---- the capture queue ---- */

enum ph_v4l2_queue_mode {
	PH_V4L2_QUEUE_NONE,
	PH_V4L2_QUEUE_EXPORT,	/* MMAP buffers handed to the user as dma-bufs */
	PH_V4L2_QUEUE_DMABUF,	/* the user's dma-bufs (and exported ones) queued by fd */
	PH_V4L2_QUEUE_INTERNAL, /* MMAP buffers the pipeline reads itself */
};

struct ph_v4l2_slot {
	struct ph_buffer *buffer; /* EXPORT/DMABUF: the Pinhole buffer */
	void *map;		  /* INTERNAL: mapping */
	uint32_t map_length;
	int dmabuf_fd; /* INTERNAL: exported fd for dma-buf sync, or -1 */
	bool queued;
	void *owner;	/* the request it is queued for */
	int request_fd; /* its media request when requests are in use, or -1 */
};

struct ph_v4l2_queue;
/* A buffer came back: @slot with @buf's details (flags, sequence, timestamp). */
typedef void (*ph_v4l2_frame_func)(void *data, unsigned slot, const struct ph_v4l2_buffer *buf);
/* The device failed: -ENODEV when it is gone, other errors when streaming broke. */
typedef void (*ph_v4l2_error_func)(void *data, int error);

struct ph_v4l2_queue {
	struct ph_camera *camera;
	struct ph_v4l2_device *dev;
	enum ph_v4l2_queue_mode mode;
	struct ph_v4l2_slot slots[PH_V4L2_MAX_SLOTS];
	unsigned slot_count;
	bool streaming;
	bool orphaned; /* MMAP buffers were dropped for DMABUF: they can only be re-imported */
	struct ph_media_device *media; /* the node's media device, or NULL (not owned) */
	bool use_requests;	       /* every buffer goes through a media request */
	struct ph_source *source;
	ph_v4l2_frame_func on_frame;
	ph_v4l2_error_func on_error;
	void *data;
};

void ph_v4l2_queue_init(struct ph_v4l2_queue *q, struct ph_camera *camera,
			ph_v4l2_frame_func on_frame, ph_v4l2_error_func on_error, void *data);
/* Forget every buffer (REQBUFS 0); the Pinhole buffers keep their dma-buf fds. */
void ph_v4l2_queue_reset(struct ph_v4l2_queue *q);
/* allocate_buffers: MMAP buffers exported as dma-bufs, appended to @stream. */
int ph_v4l2_queue_export(struct ph_v4l2_queue *q, struct ph_stream *stream, unsigned count);
/* @count private mapped buffers. */
int ph_v4l2_queue_internal(struct ph_v4l2_queue *q, unsigned count);
/* Before streaming @stream's buffers: switch to DMABUF if any was imported. */
int ph_v4l2_queue_prepare(struct ph_v4l2_queue *q, struct ph_stream *stream);
struct ph_v4l2_ctrls;
/*
 * Queue @buffer (EXPORT/DMABUF) or a free private slot (@buffer NULL) for
 * @owner. With requests in use, @controls (may be NULL) are staged in the
 * buffer's media request through @ctrls and apply to that very frame.
 * @return the slot, or a negative errno (-ENOBUFS: no free private slot).
 */
int ph_v4l2_queue_buffer(struct ph_v4l2_queue *q, struct ph_buffer *buffer, void *owner,
			 struct ph_v4l2_ctrls *ctrls, const struct ph_control_list *controls);
/* Use media requests from the next start if the queue and @media support them. */
void ph_v4l2_queue_use_requests(struct ph_v4l2_queue *q, struct ph_media_device *media);
int ph_v4l2_queue_start(struct ph_v4l2_queue *q);
/* Stop streaming; every slot is free again. */
void ph_v4l2_queue_stop(struct ph_v4l2_queue *q);
/* Bracket CPU reads of a private slot (dma-buf cache sync). */
void ph_v4l2_queue_cpu_access(struct ph_v4l2_queue *q, unsigned slot, bool begin);
