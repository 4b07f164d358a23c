/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A V4L2 video device node (and the control ioctls shared with sub-device
 * nodes). Thin, errno-returning wrappers that hide the single-planar versus
 * multi-planar API: Pinhole formats keep every plane in one buffer, so only
 * formats with one memory plane are used. Nodes are opened through the
 * context's open_restricted interface.
 */

#include <stdbool.h>
#include <stdint.h>

#include <linux/videodev2.h>

struct ph_context;

/* One frame size of a format, with the frame intervals it offers. */
struct ph_v4l2_size {
	uint32_t width, height;
	/* Frame durations in microseconds, fastest first; stepwise ranges are
	 * given by their two ends. */
	uint32_t intervals_us[16];
	unsigned interval_count;
};

/* A single-buffer frame format, as S_FMT/TRY_FMT report it. */
struct ph_v4l2_pix {
	uint32_t fourcc, width, height;
	uint32_t bytesperline, sizeimage;
	uint32_t colorspace, ycbcr_enc, quantization, xfer_func;
};

struct ph_v4l2_format_desc {
	uint32_t fourcc; /* V4L2_PIX_FMT_* */
	uint32_t flags;	 /* V4L2_FMT_FLAG_* */
	char description[32];
	/* Discrete sizes, or for a stepwise/continuous range: min and max with steps. */
	bool stepwise;
	struct ph_v4l2_size *sizes;
	unsigned size_count;
	uint32_t step_width, step_height; /* stepwise only */
	struct ph_v4l2_pix tried;	  /* TRY_FMT at the first size (fourcc 0 if refused) */
};

struct ph_v4l2_device {
	struct ph_context *ctx;
	int fd;
	char *path;
	struct v4l2_capability caps;
	uint32_t device_caps;
	enum v4l2_buf_type type; /* VIDEO_CAPTURE or VIDEO_CAPTURE_MPLANE */
	uint32_t buf_caps;	 /* V4L2_BUF_CAP_* from the last REQBUFS/CREATE_BUFS */
};

/* Open @path (non-blocking) and query its capabilities. NULL on failure, errno set. */
struct ph_v4l2_device *ph_v4l2_open(struct ph_context *ctx, const char *path);
void ph_v4l2_close(struct ph_v4l2_device *dev);

/* True if the node captures video frames (not metadata, not memory-to-memory). */
bool ph_v4l2_caps_is_capture(uint32_t device_caps);

/* Every format of the capture queue with its sizes and intervals; free with ph_v4l2_free_formats.
 */
int ph_v4l2_enum_formats(struct ph_v4l2_device *dev, struct ph_v4l2_format_desc **formats,
			 unsigned *count);
void ph_v4l2_free_formats(struct ph_v4l2_format_desc *formats, unsigned count);

/*
 * The pixel formats a media-controller-centric node (V4L2_CAP_IO_MC) makes
 * from media-bus @code arriving at its input (ENUM_FMT with mbus_code); free *fourccs.
 */
int ph_v4l2_formats_of_code(struct ph_v4l2_device *dev, uint32_t code, uint32_t **fourccs,
			    unsigned *count);

/* TRY_FMT (@set false) or S_FMT: @pix in, adjusted by the driver out. */
int ph_v4l2_set_format(struct ph_v4l2_device *dev, struct ph_v4l2_pix *pix, bool set);
int ph_v4l2_get_format(struct ph_v4l2_device *dev, struct ph_v4l2_pix *pix);
/* Frame interval (S_PARM) in microseconds, as near @us as the driver allows; 0 on success. */
int ph_v4l2_set_frame_interval(struct ph_v4l2_device *dev, uint32_t *us);
/* Select the first camera input if the node has inputs and the current one is not a camera. */
int ph_v4l2_select_camera_input(struct ph_v4l2_device *dev);

/* ---- buffers ---- */

/* REQBUFS: @count in, granted out. @memory V4L2_MEMORY_MMAP or _DMABUF. */
int ph_v4l2_request_buffers(struct ph_v4l2_device *dev, unsigned *count, enum v4l2_memory memory);
/* CREATE_BUFS for the current format: @count in, granted out, @first index out. */
int ph_v4l2_create_buffers(struct ph_v4l2_device *dev, unsigned *count, uint32_t *first);
/* EXPBUF: a dma-buf fd (O_CLOEXEC, read-write) of MMAP buffer @index. */
int ph_v4l2_export_buffer(struct ph_v4l2_device *dev, uint32_t index);
/* QUERYBUF: mmap offset and length of MMAP buffer @index. */
int ph_v4l2_query_buffer(struct ph_v4l2_device *dev, uint32_t index, uint32_t *offset,
			 uint32_t *length);

struct ph_v4l2_buffer {
	uint32_t index;
	enum v4l2_memory memory;
	int dmabuf_fd;	 /* DMABUF only */
	uint32_t length; /* DMABUF only: the bytes of the fd the device may fill */
	int request_fd;	 /* a media request to queue it in, or -1 */
	/* out of dequeue */
	uint32_t bytesused, flags, sequence;
	uint64_t timestamp_ns;
};

int ph_v4l2_qbuf(struct ph_v4l2_device *dev, struct ph_v4l2_buffer *buf);
/* DQBUF, non-blocking: -EAGAIN when none is ready. */
int ph_v4l2_dqbuf(struct ph_v4l2_device *dev, struct ph_v4l2_buffer *buf, enum v4l2_memory memory);
int ph_v4l2_stream_on(struct ph_v4l2_device *dev);
int ph_v4l2_stream_off(struct ph_v4l2_device *dev);

/* ---- controls (video and sub-device nodes alike) ---- */

struct ph_v4l2_control {
	uint32_t id, type, flags;
	char name[32];
	int64_t min, max, step, def;
};

/* Every control of @fd (QUERY_EXT_CTRL, NEXT_CTRL); free *controls. */
int ph_v4l2_query_controls(int fd, struct ph_v4l2_control **controls, unsigned *count);
/* Set (or with @request_fd >= 0, stage in that request) @count controls. */
int ph_v4l2_set_controls(int fd, const uint32_t *ids, const int64_t *values, unsigned count,
			 int request_fd);
/* G_EXT_CTRLS of one control of type @type (V4L2_CTRL_TYPE_*). */
int ph_v4l2_get_control(int fd, uint32_t id, uint32_t type, int64_t *value);
/* Append @value to the array *@list of *@count (realloc); -ENOMEM leaves both as they were. */
int ph_v4l2_append_u32(uint32_t **list, unsigned *count, uint32_t value);
/* ioctl retried on EINTR: 0 or -errno. */
int ph_v4l2_ioctl(int fd, unsigned long request, void *arg);
