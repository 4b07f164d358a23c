/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/internal.h"
#include "media/v4l2.h"

#define MAX_SIZES 64

int ph_v4l2_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do
		ret = ioctl(fd, request, arg);
	while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

bool ph_v4l2_caps_is_capture(uint32_t caps)
{
	if (caps & (V4L2_CAP_VIDEO_M2M | V4L2_CAP_VIDEO_M2M_MPLANE))
		return false;
	return (caps & (V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_VIDEO_CAPTURE_MPLANE)) &&
	       (caps & V4L2_CAP_STREAMING);
}

struct ph_v4l2_device *ph_v4l2_open(struct ph_context *ctx, const char *path)
{
	struct ph_v4l2_device *dev = calloc(1, sizeof(*dev));
	int ret;

	if (!dev) {
		errno = ENOMEM;
		return NULL;
	}
	dev->ctx = ctx;
	dev->path = strdup(path);
	dev->fd = ph_context_open_restricted(ctx, path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (!dev->path || dev->fd < 0) {
		ret = dev->fd < 0 ? dev->fd : -ENOMEM;
		goto fail;
	}
	ret = ph_v4l2_ioctl(dev->fd, VIDIOC_QUERYCAP, &dev->caps);
	if (ret < 0)
		goto fail;
	dev->device_caps = dev->caps.capabilities & V4L2_CAP_DEVICE_CAPS ? dev->caps.device_caps
									 : dev->caps.capabilities;
	dev->type = dev->device_caps & V4L2_CAP_VIDEO_CAPTURE_MPLANE
			    ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE
			    : V4L2_BUF_TYPE_VIDEO_CAPTURE;
	return dev;
fail:
	ph_v4l2_close(dev);
	errno = -ret;
	return NULL;
}

void ph_v4l2_close(struct ph_v4l2_device *dev)
{
	if (!dev)
		return;
	if (dev->fd >= 0)
		ph_context_close_restricted(dev->ctx, dev->fd);
	free(dev->path);
	free(dev);
}

static bool mplane(const struct ph_v4l2_device *dev)
{
	return dev->type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
}

static void enum_intervals(struct ph_v4l2_device *dev, uint32_t fourcc, struct ph_v4l2_size *s)
{
	struct v4l2_frmivalenum iv = {
		.pixel_format = fourcc, .width = s->width, .height = s->height};

	for (iv.index = 0; s->interval_count < 16; iv.index++) {
		if (ph_v4l2_ioctl(dev->fd, VIDIOC_ENUM_FRAMEINTERVALS, &iv) < 0)
			break;
		if (iv.type == V4L2_FRMIVAL_TYPE_DISCRETE) {
			if (iv.discrete.denominator)
				s->intervals_us[s->interval_count++] =
					(uint32_t)((uint64_t)iv.discrete.numerator * 1000000 /
						   iv.discrete.denominator);
			continue;
		}
		if (iv.stepwise.min.denominator && iv.stepwise.max.denominator) {
			s->intervals_us[s->interval_count++] =
				(uint32_t)((uint64_t)iv.stepwise.min.numerator * 1000000 /
					   iv.stepwise.min.denominator);
			s->intervals_us[s->interval_count++] =
				(uint32_t)((uint64_t)iv.stepwise.max.numerator * 1000000 /
					   iv.stepwise.max.denominator);
		}
		break;
	}
	/* Fastest first: drivers list discrete intervals in any order. */
	for (unsigned i = 1; i < s->interval_count; i++)
		for (unsigned j = i; j > 0 && s->intervals_us[j] < s->intervals_us[j - 1]; j--) {
			uint32_t t = s->intervals_us[j];

			s->intervals_us[j] = s->intervals_us[j - 1];
			s->intervals_us[j - 1] = t;
		}
}

static int enum_sizes(struct ph_v4l2_device *dev, struct ph_v4l2_format_desc *f)
{
	struct v4l2_frmsizeenum fs = {.pixel_format = f->fourcc};

	f->sizes = calloc(MAX_SIZES, sizeof(*f->sizes));
	if (!f->sizes)
		return -ENOMEM;
	for (fs.index = 0; f->size_count < MAX_SIZES; fs.index++) {
		if (ph_v4l2_ioctl(dev->fd, VIDIOC_ENUM_FRAMESIZES, &fs) < 0)
			break;
		if (fs.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
			f->sizes[f->size_count++] = (struct ph_v4l2_size){
				.width = fs.discrete.width, .height = fs.discrete.height};
			continue;
		}
		f->stepwise = true;
		f->sizes[0] = (struct ph_v4l2_size){.width = fs.stepwise.min_width,
						    .height = fs.stepwise.min_height};
		f->sizes[1] = (struct ph_v4l2_size){.width = fs.stepwise.max_width,
						    .height = fs.stepwise.max_height};
		f->step_width = fs.stepwise.step_width ? fs.stepwise.step_width : 1;
		f->step_height = fs.stepwise.step_height ? fs.stepwise.step_height : 1;
		f->size_count = 2;
		break;
	}
	for (unsigned i = 0; i < f->size_count; i++)
		enum_intervals(dev, f->fourcc, &f->sizes[i]);
	return 0;
}

int ph_v4l2_enum_formats(struct ph_v4l2_device *dev, struct ph_v4l2_format_desc **formats,
			 unsigned *count)
{
	struct ph_v4l2_format_desc *list = NULL;
	struct v4l2_fmtdesc fd = {.type = dev->type};
	unsigned n = 0;
	int ret = 0;

	for (fd.index = 0;; fd.index++) {
		struct ph_v4l2_format_desc *grown;

		if (ph_v4l2_ioctl(dev->fd, VIDIOC_ENUM_FMT, &fd) < 0)
			break;
		grown = realloc(list, (n + 1) * sizeof(*list));
		if (!grown) {
			ret = -ENOMEM;
			break;
		}
		list = grown;
		list[n] = (struct ph_v4l2_format_desc){.fourcc = fd.pixelformat, .flags = fd.flags};
		memcpy(list[n].description, fd.description, sizeof(list[n].description));
		list[n].description[sizeof(list[n].description) - 1] = '\0';
		ret = enum_sizes(dev, &list[n++]);
		if (ret < 0)
			break;
	}
	if (ret < 0) {
		ph_v4l2_free_formats(list, n);
		return ret;
	}
	*formats = list;
	*count = n;
	return 0;
}

int ph_v4l2_append_u32(uint32_t **list, unsigned *count, uint32_t value)
{
	uint32_t *grown = realloc(*list, (*count + 1) * sizeof(**list));

	if (!grown)
		return -ENOMEM;
	grown[(*count)++] = value;
	*list = grown;
	return 0;
}

int ph_v4l2_formats_of_code(struct ph_v4l2_device *dev, uint32_t code, uint32_t **fourccs,
			    unsigned *count)
{
	struct v4l2_fmtdesc fd = {.type = dev->type, .mbus_code = code};

	*fourccs = NULL;
	*count = 0;
	for (fd.index = 0; fd.index < 256; fd.index++) {
		if (ph_v4l2_ioctl(dev->fd, VIDIOC_ENUM_FMT, &fd) < 0)
			break;
		if (ph_v4l2_append_u32(fourccs, count, fd.pixelformat) < 0) {
			free(*fourccs);
			return -ENOMEM;
		}
	}
	return 0;
}

void ph_v4l2_free_formats(struct ph_v4l2_format_desc *formats, unsigned count)
{
	for (unsigned i = 0; formats && i < count; i++)
		free(formats[i].sizes);
	free(formats);
}

static void pix_from_v4l2(const struct ph_v4l2_device *dev, const struct v4l2_format *f,
			  struct ph_v4l2_pix *pix)
{
	if (mplane(dev)) {
		const struct v4l2_pix_format_mplane *mp = &f->fmt.pix_mp;

		*pix = (struct ph_v4l2_pix){mp->pixelformat,
					    mp->width,
					    mp->height,
					    mp->plane_fmt[0].bytesperline,
					    mp->plane_fmt[0].sizeimage,
					    mp->colorspace,
					    mp->ycbcr_enc,
					    mp->quantization,
					    mp->xfer_func};
		return;
	}
	*pix = (struct ph_v4l2_pix){
		f->fmt.pix.pixelformat,	 f->fmt.pix.width,	  f->fmt.pix.height,
		f->fmt.pix.bytesperline, f->fmt.pix.sizeimage,	  f->fmt.pix.colorspace,
		f->fmt.pix.ycbcr_enc,	 f->fmt.pix.quantization, f->fmt.pix.xfer_func};
}

int ph_v4l2_set_format(struct ph_v4l2_device *dev, struct ph_v4l2_pix *pix, bool set)
{
	struct v4l2_format f = {.type = dev->type};
	int ret;

	if (mplane(dev)) {
		f.fmt.pix_mp.pixelformat = pix->fourcc;
		f.fmt.pix_mp.width = pix->width;
		f.fmt.pix_mp.height = pix->height;
		f.fmt.pix_mp.field = V4L2_FIELD_NONE;
		f.fmt.pix_mp.num_planes = 1;
		f.fmt.pix_mp.plane_fmt[0].bytesperline = pix->bytesperline;
	} else {
		f.fmt.pix.pixelformat = pix->fourcc;
		f.fmt.pix.width = pix->width;
		f.fmt.pix.height = pix->height;
		f.fmt.pix.field = V4L2_FIELD_NONE;
		f.fmt.pix.bytesperline = pix->bytesperline;
	}
	ret = ph_v4l2_ioctl(dev->fd, set ? VIDIOC_S_FMT : VIDIOC_TRY_FMT, &f);
	if (ret < 0)
		return ret;
	if (mplane(dev) && f.fmt.pix_mp.num_planes != 1)
		return -EINVAL; /* a format with several memory planes: not for Pinhole */
	pix_from_v4l2(dev, &f, pix);
	return 0;
}

int ph_v4l2_get_format(struct ph_v4l2_device *dev, struct ph_v4l2_pix *pix)
{
	struct v4l2_format f = {.type = dev->type};
	int ret = ph_v4l2_ioctl(dev->fd, VIDIOC_G_FMT, &f);

	if (ret < 0)
		return ret;
	pix_from_v4l2(dev, &f, pix);
	return 0;
}

int ph_v4l2_set_frame_interval(struct ph_v4l2_device *dev, uint32_t *us)
{
	struct v4l2_streamparm parm = {.type = dev->type};
	int ret;

	parm.parm.capture.timeperframe.numerator = *us;
	parm.parm.capture.timeperframe.denominator = 1000000;
	ret = ph_v4l2_ioctl(dev->fd, VIDIOC_S_PARM, &parm);
	if (ret < 0)
		return ret;
	if (!(parm.parm.capture.capability & V4L2_CAP_TIMEPERFRAME))
		return -ENOTTY;
	if (parm.parm.capture.timeperframe.denominator)
		*us = (uint32_t)((uint64_t)parm.parm.capture.timeperframe.numerator * 1000000 /
				 parm.parm.capture.timeperframe.denominator);
	return 0;
}

int ph_v4l2_select_camera_input(struct ph_v4l2_device *dev)
{
	struct v4l2_input in = {0};
	int current;

	if (ph_v4l2_ioctl(dev->fd, VIDIOC_G_INPUT, &current) < 0)
		return 0; /* no inputs to choose from */
	in.index = (uint32_t)current;
	if (ph_v4l2_ioctl(dev->fd, VIDIOC_ENUMINPUT, &in) == 0 && in.type == V4L2_INPUT_TYPE_CAMERA)
		return 0;
	for (in.index = 0; ph_v4l2_ioctl(dev->fd, VIDIOC_ENUMINPUT, &in) == 0; in.index++) {
		if (in.type == V4L2_INPUT_TYPE_CAMERA) {
			int index = (int)in.index;

			return ph_v4l2_ioctl(dev->fd, VIDIOC_S_INPUT, &index);
		}
	}
	return 0;
}

/* ---- buffers ---- */

int ph_v4l2_request_buffers(struct ph_v4l2_device *dev, unsigned *count, enum v4l2_memory memory)
{
	struct v4l2_requestbuffers rb = {.count = *count, .type = dev->type, .memory = memory};
	int ret = ph_v4l2_ioctl(dev->fd, VIDIOC_REQBUFS, &rb);

	if (ret < 0)
		return ret;
	*count = rb.count;
	dev->buf_caps = rb.capabilities;
	return 0;
}

int ph_v4l2_create_buffers(struct ph_v4l2_device *dev, unsigned *count, uint32_t *first)
{
	struct v4l2_create_buffers cb = {
		.count = *count, .memory = V4L2_MEMORY_MMAP, .format.type = dev->type};
	int ret = ph_v4l2_ioctl(dev->fd, VIDIOC_G_FMT, &cb.format);

	if (ret < 0)
		return ret;
	ret = ph_v4l2_ioctl(dev->fd, VIDIOC_CREATE_BUFS, &cb);
	if (ret < 0)
		return ret;
	*count = cb.count;
	*first = cb.index;
	dev->buf_caps = cb.capabilities;
	return 0;
}

int ph_v4l2_export_buffer(struct ph_v4l2_device *dev, uint32_t index)
{
	struct v4l2_exportbuffer eb = {
		.type = dev->type, .index = index, .flags = O_CLOEXEC | O_RDWR};
	int ret = ph_v4l2_ioctl(dev->fd, VIDIOC_EXPBUF, &eb);

	return ret < 0 ? ret : eb.fd;
}

int ph_v4l2_query_buffer(struct ph_v4l2_device *dev, uint32_t index, uint32_t *offset,
			 uint32_t *length)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES] = {{0}};
	struct v4l2_buffer b = {.type = dev->type, .index = index, .memory = V4L2_MEMORY_MMAP};
	int ret;

	if (mplane(dev)) {
		b.m.planes = planes;
		b.length = VIDEO_MAX_PLANES;
	}
	ret = ph_v4l2_ioctl(dev->fd, VIDIOC_QUERYBUF, &b);
	if (ret < 0)
		return ret;
	*offset = mplane(dev) ? planes[0].m.mem_offset : b.m.offset;
	*length = mplane(dev) ? planes[0].length : b.length;
	return 0;
}

int ph_v4l2_qbuf(struct ph_v4l2_device *dev, struct ph_v4l2_buffer *buf)
{
	struct v4l2_plane plane = {0};
	struct v4l2_buffer b = {.type = dev->type, .index = buf->index, .memory = buf->memory};

	if (buf->request_fd >= 0) {
		b.flags |= V4L2_BUF_FLAG_REQUEST_FD;
		b.request_fd = buf->request_fd;
	}
	if (mplane(dev)) {
		b.m.planes = &plane;
		b.length = 1;
		if (buf->memory == V4L2_MEMORY_DMABUF) {
			plane.m.fd = buf->dmabuf_fd;
			plane.length = buf->length;
		}
	} else if (buf->memory == V4L2_MEMORY_DMABUF) {
		b.m.fd = buf->dmabuf_fd;
		b.length = buf->length;
	}
	return ph_v4l2_ioctl(dev->fd, VIDIOC_QBUF, &b);
}

int ph_v4l2_dqbuf(struct ph_v4l2_device *dev, struct ph_v4l2_buffer *buf, enum v4l2_memory memory)
{
	struct v4l2_plane plane = {0};
	struct v4l2_buffer b = {.type = dev->type, .memory = memory};
	int ret;

	if (mplane(dev)) {
		b.m.planes = &plane;
		b.length = 1;
	}
	ret = ph_v4l2_ioctl(dev->fd, VIDIOC_DQBUF, &b);
	if (ret < 0)
		return ret;
	buf->index = b.index;
	buf->memory = memory;
	buf->bytesused = mplane(dev) ? plane.bytesused : b.bytesused;
	buf->flags = b.flags;
	buf->sequence = b.sequence;
	buf->timestamp_ns =
		(uint64_t)b.timestamp.tv_sec * 1000000000ull + (uint64_t)b.timestamp.tv_usec * 1000;
	return 0;
}

int ph_v4l2_stream_on(struct ph_v4l2_device *dev)
{
	int type = dev->type;

	return ph_v4l2_ioctl(dev->fd, VIDIOC_STREAMON, &type);
}

int ph_v4l2_stream_off(struct ph_v4l2_device *dev)
{
	int type = dev->type;

	return ph_v4l2_ioctl(dev->fd, VIDIOC_STREAMOFF, &type);
}

/* ---- controls ---- */

int ph_v4l2_query_controls(int fd, struct ph_v4l2_control **controls, unsigned *count)
{
	struct v4l2_query_ext_ctrl q = {.id = V4L2_CTRL_FLAG_NEXT_CTRL |
					      V4L2_CTRL_FLAG_NEXT_COMPOUND};
	struct ph_v4l2_control *list = NULL;
	unsigned n = 0;

	while (ph_v4l2_ioctl(fd, VIDIOC_QUERY_EXT_CTRL, &q) == 0) {
		struct ph_v4l2_control *grown;

		if (q.type != V4L2_CTRL_TYPE_CTRL_CLASS && !(q.flags & V4L2_CTRL_FLAG_DISABLED)) {
			grown = realloc(list, (n + 1) * sizeof(*list));
			if (!grown) {
				free(list);
				return -ENOMEM;
			}
			list = grown;
			list[n] = (struct ph_v4l2_control){
				q.id,	   q.type,    q.flags,	       {0},
				q.minimum, q.maximum, (int64_t)q.step, q.default_value};
			memcpy(list[n].name, q.name, sizeof(list[n].name));
			list[n].name[sizeof(list[n].name) - 1] = '\0';
			n++;
		}
		q.id |= V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
	}
	*controls = list;
	*count = n;
	return 0;
}

int ph_v4l2_set_controls(int fd, const uint32_t *ids, const int64_t *values, unsigned count,
			 int request_fd)
{
	struct v4l2_ext_control c[16] = {{0}};
	struct v4l2_ext_controls ec = {
		.which = V4L2_CTRL_WHICH_CUR_VAL, .count = count, .controls = c};

	if (count == 0)
		return 0;
	if (count > 16)
		return -E2BIG;
	for (unsigned i = 0; i < count; i++) {
		c[i].id = ids[i];
		/* value and value64 share storage; 64-bit controls read value64. */
		c[i].value64 = values[i];
		if (values[i] >= INT32_MIN && values[i] <= INT32_MAX)
			c[i].value = (int32_t)values[i];
	}
	if (request_fd >= 0) {
		ec.which = V4L2_CTRL_WHICH_REQUEST_VAL;
		ec.request_fd = request_fd;
	}
	return ph_v4l2_ioctl(fd, VIDIOC_S_EXT_CTRLS, &ec);
}

int ph_v4l2_get_control(int fd, uint32_t id, uint32_t type, int64_t *value)
{
	struct v4l2_ext_control c = {.id = id};
	struct v4l2_ext_controls ec = {
		.which = V4L2_CTRL_WHICH_CUR_VAL, .count = 1, .controls = &c};
	int ret = ph_v4l2_ioctl(fd, VIDIOC_G_EXT_CTRLS, &ec);

	if (ret < 0)
		return ret;
	*value = type == V4L2_CTRL_TYPE_INTEGER64 ? c.value64 : c.value;
	return 0;
}
