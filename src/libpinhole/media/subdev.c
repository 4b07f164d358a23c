/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/internal.h"
#include "media/subdev.h"
#include "media/v4l2.h"

#define MAX_CODES 256 /* a bound against a driver that never ends its list */

struct ph_v4l2_subdev *ph_v4l2_subdev_open(struct ph_context *ctx, const char *path)
{
	struct ph_v4l2_subdev *sd = calloc(1, sizeof(*sd));
	int ret;

	if (!sd) {
		errno = ENOMEM;
		return NULL;
	}
	sd->ctx = ctx;
	sd->path = strdup(path);
	sd->fd = ph_context_open_restricted(ctx, path, O_RDWR | O_CLOEXEC);
	if (!sd->path || sd->fd < 0) {
		ret = sd->fd < 0 ? sd->fd : -ENOMEM;
		ph_v4l2_subdev_close(sd);
		errno = -ret;
		return NULL;
	}
	return sd;
}

void ph_v4l2_subdev_close(struct ph_v4l2_subdev *sd)
{
	if (!sd)
		return;
	if (sd->fd >= 0)
		ph_context_close_restricted(sd->ctx, sd->fd);
	free(sd->path);
	free(sd);
}

int ph_v4l2_subdev_get_format(struct ph_v4l2_subdev *sd, uint32_t pad, uint32_t which,
			      struct v4l2_mbus_framefmt *fmt)
{
	struct v4l2_subdev_format f = {.which = which, .pad = pad};
	int ret = ph_v4l2_ioctl(sd->fd, VIDIOC_SUBDEV_G_FMT, &f);

	if (ret == 0)
		*fmt = f.format;
	return ret;
}

int ph_v4l2_subdev_set_format(struct ph_v4l2_subdev *sd, uint32_t pad, uint32_t which,
			      struct v4l2_mbus_framefmt *fmt)
{
	struct v4l2_subdev_format f = {.which = which, .pad = pad, .format = *fmt};
	int ret = ph_v4l2_ioctl(sd->fd, VIDIOC_SUBDEV_S_FMT, &f);

	if (ret == 0)
		*fmt = f.format;
	return ret;
}

int ph_v4l2_subdev_enum_codes(struct ph_v4l2_subdev *sd, uint32_t pad, uint32_t **codes,
			      unsigned *count)
{
	*codes = NULL;
	*count = 0;
	for (uint32_t index = 0; index < MAX_CODES; index++) {
		struct v4l2_subdev_mbus_code_enum e = {
			.pad = pad, .index = index, .which = V4L2_SUBDEV_FORMAT_ACTIVE};

		if (ph_v4l2_ioctl(sd->fd, VIDIOC_SUBDEV_ENUM_MBUS_CODE, &e) < 0)
			break;
		if (ph_v4l2_append_u32(codes, count, e.code) < 0) {
			free(*codes);
			return -ENOMEM;
		}
	}
	return 0;
}
