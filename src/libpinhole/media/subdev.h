/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A V4L2 sub-device node (/dev/v4l-subdevN): a sensor, bridge, debayer or
 * scaler inside a media graph. Pad formats are media-bus formats (code and
 * size), @which is V4L2_SUBDEV_FORMAT_ACTIVE (what streaming validates) or
 * V4L2_SUBDEV_FORMAT_TRY (this file handle's scratch state, for trying).
 * Controls go through the control calls of media/v4l2.h on ->fd.
 */

#include <stdint.h>

#include <linux/v4l2-subdev.h>

struct ph_context;

struct ph_v4l2_subdev {
	struct ph_context *ctx;
	int fd;
	char *path;
};

/* Open @path through the context's open_restricted. NULL on failure, errno set. */
struct ph_v4l2_subdev *ph_v4l2_subdev_open(struct ph_context *ctx, const char *path);
void ph_v4l2_subdev_close(struct ph_v4l2_subdev *sd);

/* The format of @pad. */
int ph_v4l2_subdev_get_format(struct ph_v4l2_subdev *sd, uint32_t pad, uint32_t which,
			      struct v4l2_mbus_framefmt *fmt);
/* Set the format of @pad: @fmt in, what the driver made of it out. */
int ph_v4l2_subdev_set_format(struct ph_v4l2_subdev *sd, uint32_t pad, uint32_t which,
			      struct v4l2_mbus_framefmt *fmt);
/* The media-bus codes @pad offers (ENUM_MBUS_CODE), in the driver's order; free *codes. */
int ph_v4l2_subdev_enum_codes(struct ph_v4l2_subdev *sd, uint32_t pad, uint32_t **codes,
			      unsigned *count);
