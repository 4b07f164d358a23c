/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The core's objects, shared by the core and the pipeline handlers. Users
 * see them only as opaque types through include/pinhole.
 */

#include <pinhole/pinhole.h>

#include "base/list.h"
#include "base/log.h"
#include "base/loop.h"

#define PH_MAX_PLANES  3
#define PH_MAX_STREAMS 4

struct ph_pipeline_ops;

struct ph_context {
	int refcount;
	ph_log_handler log_handler;
	void *log_data;
	enum ph_log_priority log_priority;
	struct ph_context_interface iface;
	void *iface_data;
	char *virtual_config;
	uint32_t flags;
	struct ph_loop *loop;
	struct ph_list cameras; /* struct ph_camera.link, present cameras */
	struct ph_list removed; /* struct ph_camera.link, removed ones the user still holds */
	struct ph_list events;	/* struct ph_event.link, oldest first */
	struct ph_media_monitor *media_monitor; /* V4L2 hotplug, NULL without */
};

enum ph_camera_state {
	PH_CAMERA_AVAILABLE,
	PH_CAMERA_ACQUIRED,
	PH_CAMERA_CONFIGURED,
	PH_CAMERA_RUNNING,
};

struct ph_camera {
	int refcount;
	struct ph_context *ctx; /* NULL once the context is gone */
	struct ph_list link;	/* in ctx->cameras while present, then in ctx->removed */
	char *id;
	const struct ph_pipeline_ops *ops;
	void *priv; /* the pipeline handler's data */
	struct ph_control_list *properties;
	struct ph_control_info *controls;
	unsigned control_count;
	enum ph_camera_state state;
	bool removed;
	struct ph_event *removed_event; /* allocated up front so removal cannot fail */
	unsigned generation;		/* bumped by configure and release */
	struct ph_stream *streams[PH_MAX_STREAMS];
	unsigned stream_count;
	struct ph_list pending; /* struct ph_request.link, queued and not completed */
};

struct ph_plane_layout {
	uint32_t offset, length, stride;
};

struct ph_stream {
	struct ph_camera *camera;
	unsigned index;
	struct ph_stream_config config;
	struct ph_plane_layout layout[PH_MAX_PLANES];
	unsigned plane_count;
	struct ph_buffer **buffers;
	unsigned buffer_count;
	void *priv; /* the pipeline handler's data */
};

struct ph_buffer {
	struct ph_stream *stream;
	struct ph_plane planes[PH_MAX_PLANES];
	unsigned plane_count;
	void *maps[PH_MAX_PLANES];	    /* mapping of each plane's fd from its start */
	size_t map_lengths[PH_MAX_PLANES];  /* 0 where the mapping is another plane's */
	uint32_t map_deltas[PH_MAX_PLANES]; /* plane offset within its mapping */
	enum ph_buffer_status status;
	uint32_t sequence;
	uint64_t timestamp;
	uint32_t bytes_used[PH_MAX_PLANES];
	struct ph_request *request; /* the queued request holding it, or NULL */
};

struct ph_request_buffer {
	struct ph_stream *stream;
	struct ph_buffer *buffer;
};

struct ph_request {
	struct ph_camera *camera; /* a reference */
	uint64_t cookie;
	unsigned generation; /* camera generation at creation */
	enum ph_request_status status;
	struct ph_control_list *controls;
	struct ph_control_list *metadata;
	struct ph_request_buffer buffers[PH_MAX_STREAMS];
	unsigned buffer_count;
	uint32_t sequence;
	struct ph_event *event; /* completion event, allocated when queued */
	struct ph_list link;	/* in camera->pending while queued */
	void *priv;		/* for the pipeline handler while queued */
};

struct ph_event {
	enum ph_event_type type;
	struct ph_camera *camera; /* a reference */
	struct ph_request *request;
	int error;
	char *message;
	struct ph_list link;
};

/* What a pipeline handler implements. The core checks state and arguments first. */
struct ph_pipeline_ops {
	const char *name;
	/* Free the pipeline data of @camera (camera->priv). */
	void (*destroy)(struct ph_camera *camera);
	/* Fill one stream per role with the preferred settings, and the formats offered. */
	int (*generate_config)(struct ph_camera *camera, struct ph_config *config,
			       const enum ph_stream_role *roles, unsigned count);
	/* Adjust @config to what the camera supports; fill stride and frame_size. */
	enum ph_config_status (*validate)(struct ph_camera *camera, struct ph_config *config);
	/* Set up for the streams the core created from a valid config (camera->streams). */
	int (*configure)(struct ph_camera *camera);
	/* Start streaming; apply @controls (may be NULL) before the first frame. */
	int (*start)(struct ph_camera *camera, const struct ph_control_list *controls);
	/* Stop streaming; the core cancels whatever is still pending afterwards. */
	void (*stop)(struct ph_camera *camera);
	/* Take a validated request; complete it later with ph_camera_complete_request(). */
	int (*queue_request)(struct ph_camera *camera, struct ph_request *request);
	/* Optional: take the device for ph_camera_acquire() (open it), give it back. */
	int (*acquire)(struct ph_camera *camera);
	void (*release)(struct ph_camera *camera);
	/*
	 * Optional: allocate @count buffers for @stream (NULL: the core's memfds),
	 * each added with ph_stream_add_buffer(). @return how many, or a negative errno.
	 */
	int (*allocate_buffers)(struct ph_stream *stream, unsigned count);
	/* Optional: accept an imported buffer, or refuse it with a negative errno. */
	int (*import_buffer)(struct ph_stream *stream, struct ph_buffer *buffer);
	/* Optional: every buffer of @stream is about to be freed. */
	void (*free_buffers)(struct ph_stream *stream);
};

/* context.c */
/* Open a device node through the user's interface. */
int ph_context_open_restricted(struct ph_context *ctx, const char *path, int flags);
void ph_context_close_restricted(struct ph_context *ctx, int fd);
void ph_context_queue_event(struct ph_context *ctx, struct ph_event *event);
struct ph_loop *ph_context_get_loop(struct ph_context *ctx);

/* event.c */
struct ph_event *ph_event_new(enum ph_event_type type, struct ph_camera *camera,
			      struct ph_request *request);
int ph_event_set_message(struct ph_event *event, const char *format, ...) PH_PRINTF(2, 3);

/* camera.c: for pipeline handlers */
/* Create a camera owned by the pipeline; @priv is freed by ops->destroy. */
struct ph_camera *ph_camera_new(struct ph_context *ctx, const struct ph_pipeline_ops *ops,
				const char *id, void *priv);
/* Declare a supported control; call before ph_camera_add(). */
int ph_camera_add_control(struct ph_camera *camera, uint32_t id, const struct ph_control_value *min,
			  const struct ph_control_value *max, const struct ph_control_value *def);
/* Make the camera visible and queue PH_EVENT_CAMERA_ADDED; the context takes the reference. */
int ph_camera_add(struct ph_camera *camera);
/* Unplug: cancel pending requests, queue PH_EVENT_CAMERA_REMOVED, drop the context's reference. */
void ph_camera_remove(struct ph_camera *camera);
/* Complete a queued request: set buffer statuses and queue its event. */
void ph_camera_complete_request(struct ph_camera *camera, struct ph_request *request,
				enum ph_request_status status);
/* Report an unrecoverable error: stops the camera and queues PH_EVENT_CAMERA_ERROR. */
void ph_camera_fail(struct ph_camera *camera, int error, const char *message);

/* controls.c */
extern const struct ph_control_desc ph_control_descs[];
extern const unsigned ph_control_desc_count;
/* Clamp @value into the range of @info; @return true if it changed. */
bool ph_control_clamp(const struct ph_control_info *info, struct ph_control_value *value);
/* Scalar helpers for building control infos. */
struct ph_control_value ph_control_value_bool(bool v);
struct ph_control_value ph_control_value_int32(int32_t v);
struct ph_control_value ph_control_value_int64(int64_t v);
struct ph_control_value ph_control_value_float(float v);

/* config.c: for pipeline handlers */
struct ph_config *ph_config_new(struct ph_camera *camera);
/* Append a stream; @return its index or a negative errno. */
int ph_config_add_stream(struct ph_config *config, const struct ph_stream_config *stream);
/* Offer @format in @range for stream @index. */
int ph_config_add_format(struct ph_config *config, unsigned index, uint32_t format,
			 const struct ph_size_range *range);
/* Add a line to the validation message. */
void ph_config_message(struct ph_config *config, const char *format, ...) PH_PRINTF(2, 3);
void ph_config_clear_message(struct ph_config *config);
struct ph_camera *ph_config_get_camera(const struct ph_config *config);

/* format.c */
/* Smallest stride of a line of @width pixels; 0 for an unknown format or bad width. */
uint32_t ph_format_min_stride(uint32_t fourcc, uint32_t width);
/*
 * Plane layout of @fourcc at @width x @height with @stride bytes per line
 * (every plane). @return 0 or -EINVAL for an unknown format, a bad size or
 * a stride below the minimum.
 */
int ph_format_layout(uint32_t fourcc, uint32_t width, uint32_t height, uint32_t stride,
		     struct ph_plane_layout *planes, unsigned *plane_count, uint32_t *frame_size);

/* buffer.c */
/* Allocate a memfd-backed buffer laid out as the stream's format. */
struct ph_buffer *ph_buffer_new_memfd(struct ph_stream *stream);
/* A buffer whose planes lie in @fd as the stream's layout says; takes @fd. */
struct ph_buffer *ph_buffer_new_fd(struct ph_stream *stream, int fd);
/* Append @buffer to @stream's buffers (for pipelines' allocate_buffers). */
int ph_stream_add_buffer(struct ph_stream *stream, struct ph_buffer *buffer);
/* Allocate @count memfd buffers and add them. @return how many, or -ENOMEM for none. */
int ph_stream_add_memfds(struct ph_stream *stream, unsigned count);
void ph_buffer_free(struct ph_buffer *buffer);
/* Writable mapping of plane @index for the pipeline; NULL on failure. */
void *ph_buffer_map_write(struct ph_buffer *buffer, unsigned index);
void ph_stream_free(struct ph_stream *stream);

/* Pipeline handlers: find cameras and add them to @ctx. */
int ph_pipeline_virtual_match(struct ph_context *ctx);
/* V4L2 cameras (pipeline/v4l2.c): enumerate at creation, hotplug, unplug. */
int ph_pipeline_v4l2_init(struct ph_context *ctx);
void ph_pipeline_v4l2_fini(struct ph_context *ctx);
