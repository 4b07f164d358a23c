/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Emulated V4L2 capture devices on Pinhole cameras: open files, the
 * capture ioctls, buffers (Pinhole's memfds), read() I/O and poll.
 * Everything here runs with st->lock held unless its comment says not.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "v4l2-compat.h"

#define PAGE_ALIGN(x) (((x) + 4095u) & ~(size_t)4095u)

/* Frame intervals offered, when the camera's FrameDurationLimits allow them. */
static const struct v4l2_fract candidate_intervals[] = {
	{1, 60}, {1, 30}, {1, 25}, {1, 20}, {1, 15}, {1, 10}, {1, 5}, {1, 2}, {1, 1},
};

static int64_t interval_us(struct v4l2_fract f)
{
	return f.denominator ? (int64_t)f.numerator * 1000000 / f.denominator : 0;
}

/* ---- set-up ---- */

static uint32_t running_kernel_version(void)
{
	struct utsname u;
	unsigned a = 0, b = 0, c = 0;

	if (uname(&u) == 0)
		sscanf(u.release, "%u.%u.%u", &a, &b, &c);
	return (a << 16) | (b << 8) | (c > 255 ? 255 : c);
}

/* A char device number no real V4L2 device has, so tools find no sysfs entry for it. */
static dev_t free_video_rdev(const struct v4l2c_sys *sys, unsigned index)
{
	char path[64];

	/* Through the real libc: the interposer is not ready while this runs. */
	for (unsigned minor = 200 + index; minor < 1024; minor += V4L2C_MAX_DEVICES) {
		int fd;

		snprintf(path, sizeof(path), "/sys/dev/char/81:%u", minor);
		fd = sys->open(path, O_PATH | O_CLOEXEC);
		if (fd < 0)
			return makedev(81, minor);
		sys->close(fd);
	}
	return makedev(81, 200 + index);
}

int v4l2c_state_init(struct v4l2c_state *st, const struct v4l2c_sys *sys, const char *spec)
{
	memset(st, 0, sizeof(*st));
	st->sys = *sys;
	st->wake_fd = -1;
	st->kernel_version = running_kernel_version();
	pthread_mutex_init(&st->lock, NULL);
	pthread_mutex_init(&st->map_lock, NULL);
	pthread_cond_init(&st->cond, NULL);

	while (spec && *spec) {
		const char *end = strchr(spec, ',');
		size_t len = end ? (size_t)(end - spec) : strlen(spec);
		const char *eq = memchr(spec, '=', len);
		struct v4l2c_device *dev;
		size_t plen;

		if (!eq || eq == spec || eq + 1 == spec + len ||
		    st->device_count == V4L2C_MAX_DEVICES)
			return -EINVAL;
		plen = (size_t)(eq - spec);
		dev = &st->devices[st->device_count];
		if (plen >= sizeof(dev->path) || len - plen - 1 >= sizeof(dev->camera_id))
			return -EINVAL;
		memcpy(dev->path, spec, plen);
		memcpy(dev->camera_id, eq + 1, len - plen - 1);
		dev->index = st->device_count++;
		dev->rdev = free_video_rdev(sys, dev->index);
		spec = end ? end + 1 : NULL;
	}
	return 0;
}

int v4l2c_find_path(const struct v4l2c_state *st, const char *path)
{
	if (!path)
		return -1;
	for (unsigned i = 0; i < st->device_count; i++)
		if (strcmp(st->devices[i].path, path) == 0)
			return (int)i;
	return -1;
}

void v4l2c_fill_stat(const struct v4l2c_state *st, unsigned index, struct stat *sb)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	memset(sb, 0, sizeof(*sb));
	sb->st_dev = makedev(0, 5); /* devtmpfs-like */
	sb->st_ino = 0x70680000u + index;
	sb->st_mode = S_IFCHR | 0660;
	sb->st_nlink = 1;
	sb->st_uid = getuid();
	sb->st_gid = getgid();
	sb->st_rdev = st->devices[index].rdev;
	sb->st_blksize = 4096;
	sb->st_atim = sb->st_mtim = sb->st_ctim = now;
}

/* ---- the fd table (lock-free readers) ---- */

bool v4l2c_is_ours(struct v4l2c_state *st, int fd)
{
	return fd >= 0 && fd < V4L2C_MAX_FDS &&
	       atomic_load_explicit(&st->fds[fd], memory_order_acquire) != NULL;
}

static struct v4l2c_file *file_of(struct v4l2c_state *st, int fd)
{
	if (fd < 0 || fd >= V4L2C_MAX_FDS)
		return NULL;
	return atomic_load_explicit(&st->fds[fd], memory_order_acquire);
}

int v4l2c_fd_device(struct v4l2c_state *st, int fd)
{
	struct v4l2c_file *file = file_of(st, fd);

	return file ? (int)file->dev->index : -1;
}

/* ---- signalling: the file's eventfd is readable while poll has news ---- */

static bool file_ready(const struct v4l2c_file *file)
{
	const struct v4l2c_device *dev = file->dev;

	if (file->event_count)
		return true;
	if (dev->owner != file)
		return false;
	return !dev->streaming || dev->error || dev->done_count;
}

static void update_signal(struct v4l2c_state *st, struct v4l2c_file *file)
{
	bool ready = file_ready(file);
	uint64_t v = 1;

	if (ready == file->signalled)
		return;
	if (ready) {
		if (write(file->signal_fd, &v, sizeof(v)) != sizeof(v))
			return;
	} else if (st->sys.read(file->signal_fd, &v, sizeof(v)) != sizeof(v)) {
		return;
	}
	file->signalled = ready;
}

static void update_device_signals(struct v4l2c_state *st, struct v4l2c_device *dev)
{
	for (struct v4l2c_file *f = dev->files; f; f = f->next)
		update_signal(st, f);
	pthread_cond_broadcast(&st->cond);
}

/* ---- controls ---- */

static bool ctrl_inactive(const struct v4l2c_device *dev, const struct v4l2c_ctrl_map *map)
{
	int i;

	switch (map->inactive_when) {
	case V4L2C_AUTO_AE:
		i = v4l2c_ctrl_index(V4L2_CID_EXPOSURE_AUTO);
		return i >= 0 && dev->ctrl_present[i] && dev->ctrl_values[i] == V4L2_EXPOSURE_AUTO;
	case V4L2C_AUTO_AWB:
		i = v4l2c_ctrl_index(V4L2_CID_AUTO_WHITE_BALANCE);
		return i >= 0 && dev->ctrl_present[i] && dev->ctrl_values[i];
	default:
		return false;
	}
}

static uint32_t ctrl_flags(const struct v4l2c_device *dev, unsigned idx)
{
	const struct v4l2c_ctrl_map *map = v4l2c_ctrl_at(idx);
	uint32_t flags = 0;

	if (map->kind == V4L2C_KIND_CLASS)
		return V4L2_CTRL_FLAG_READ_ONLY | V4L2_CTRL_FLAG_WRITE_ONLY;
	if (ctrl_inactive(dev, map))
		flags |= V4L2_CTRL_FLAG_INACTIVE;
	if (map->cid == V4L2_CID_EXPOSURE_AUTO || map->cid == V4L2_CID_AUTO_WHITE_BALANCE)
		flags |= V4L2_CTRL_FLAG_UPDATE;
	return flags;
}

static void probe_controls(struct v4l2c_device *dev)
{
	uint32_t class_seen = 0;

	for (unsigned i = 0; i < v4l2c_ctrl_count(); i++) {
		const struct v4l2c_ctrl_map *map = v4l2c_ctrl_at(i);
		const struct ph_control_info *info =
			map->ph_id ? ph_camera_find_control(dev->camera, map->ph_id) : NULL;

		if (map->kind == V4L2C_KIND_CLASS)
			continue;
		if (v4l2c_ctrl_range(map, info, &dev->ctrl_ranges[i]) == 0) {
			dev->ctrl_present[i] = true;
			dev->ctrl_values[i] = dev->ctrl_ranges[i].def;
			class_seen |= 1u << (V4L2_CTRL_ID2CLASS(map->cid) >> 16 & 31);
		}
	}
	/* A class is listed when one of its controls is. */
	for (unsigned i = 0; i < v4l2c_ctrl_count(); i++) {
		const struct v4l2c_ctrl_map *map = v4l2c_ctrl_at(i);

		if (map->kind == V4L2C_KIND_CLASS &&
		    (class_seen & (1u << (V4L2_CTRL_ID2CLASS(map->cid) >> 16 & 31))))
			dev->ctrl_present[i] = true;
	}
}

/* Add the Pinhole values of the controls in @p mask to @p list. */
static int controls_to_list(struct v4l2c_device *dev, uint64_t mask, struct ph_control_list *list)
{
	for (unsigned i = 0; i < v4l2c_ctrl_count(); i++) {
		const struct v4l2c_ctrl_map *map = v4l2c_ctrl_at(i);
		int ret;

		if (!(mask & (1ull << i)) || !dev->ctrl_present[i] || map->kind == V4L2C_KIND_CLASS)
			continue;
		/* Inactive controls wait until their automatic mode is off. */
		if (ctrl_inactive(dev, map))
			continue;
		ret = v4l2c_ctrl_to_pinhole(map, dev->ctrl_values[i], list);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* The controls to send for the pending changes; manual values follow their auto switch. */
static uint64_t pending_mask(struct v4l2c_device *dev)
{
	uint64_t mask = dev->ctrl_pending;
	int red = v4l2c_ctrl_index(V4L2_CID_RED_BALANCE);
	int blue = v4l2c_ctrl_index(V4L2_CID_BLUE_BALANCE);

	/* ColourGains is one control: send both halves together. */
	if (mask & ((1ull << red) | (1ull << blue)))
		mask |= (1ull << red) | (1ull << blue);
	return mask;
}

static int frame_duration_to_list(struct v4l2c_device *dev, struct ph_control_list *list)
{
	int64_t d[2];

	if (!ph_camera_find_control(dev->camera, PH_CONTROL_FRAME_DURATION_LIMITS))
		return 0;
	d[0] = d[1] = interval_us(dev->interval);
	return ph_control_list_set_int64_array(list, PH_CONTROL_FRAME_DURATION_LIMITS, d, 2);
}

/* ---- control events ---- */

static void queue_ctrl_event(struct v4l2c_file *file, struct v4l2c_device *dev, unsigned idx,
			     uint32_t changes)
{
	const struct v4l2c_ctrl_map *map = v4l2c_ctrl_at(idx);
	struct v4l2_event *ev;
	struct timespec now;

	if (file->event_count == V4L2C_MAX_EVENTS) { /* drop the oldest, as the kernel does */
		file->event_head = (file->event_head + 1) % V4L2C_MAX_EVENTS;
		file->event_count--;
	}
	ev = &file->events[(file->event_head + file->event_count) % V4L2C_MAX_EVENTS];
	file->event_count++;
	memset(ev, 0, sizeof(*ev));
	clock_gettime(CLOCK_MONOTONIC, &now);
	ev->type = V4L2_EVENT_CTRL;
	ev->id = map->cid;
	ev->sequence = file->event_sequence++;
	ev->timestamp = now;
	ev->u.ctrl.changes = changes;
	ev->u.ctrl.type = map->type;
	ev->u.ctrl.flags = ctrl_flags(dev, idx);
	if (map->kind != V4L2C_KIND_CLASS) {
		ev->u.ctrl.value = dev->ctrl_values[idx];
		ev->u.ctrl.minimum = dev->ctrl_ranges[idx].min;
		ev->u.ctrl.maximum = dev->ctrl_ranges[idx].max;
		ev->u.ctrl.step = dev->ctrl_ranges[idx].step;
		ev->u.ctrl.default_value = dev->ctrl_ranges[idx].def;
	}
}

/* Tell the subscribers of control @p idx; @p from made the change. */
static void notify_ctrl(struct v4l2c_state *st, struct v4l2c_device *dev, unsigned idx,
			uint32_t changes, struct v4l2c_file *from)
{
	for (struct v4l2c_file *f = dev->files; f; f = f->next) {
		uint32_t sub = f->event_subs[idx];

		if (!sub)
			continue;
		if (f == from && (changes & V4L2_EVENT_CTRL_CH_VALUE) &&
		    !((sub - 1) & V4L2_EVENT_SUB_FL_ALLOW_FEEDBACK))
			continue;
		queue_ctrl_event(f, dev, idx, changes);
		update_signal(st, f);
	}
}

/* Set control @p idx to an already validated value. */
static void set_ctrl(struct v4l2c_state *st, struct v4l2c_device *dev, unsigned idx, int32_t value,
		     struct v4l2c_file *from)
{
	const struct v4l2c_ctrl_map *map = v4l2c_ctrl_at(idx);
	uint32_t before[64];

	if (dev->ctrl_values[idx] == value)
		return;
	for (unsigned i = 0; i < v4l2c_ctrl_count(); i++)
		before[i] = ctrl_flags(dev, i);
	dev->ctrl_values[idx] = value;
	dev->ctrl_pending |= 1ull << idx;
	/* Turning an automatic mode off freezes its last values: send them along. */
	if ((map->cid == V4L2_CID_EXPOSURE_AUTO && value == V4L2_EXPOSURE_MANUAL) ||
	    (map->cid == V4L2_CID_AUTO_WHITE_BALANCE && !value)) {
		for (unsigned i = 0; i < v4l2c_ctrl_count(); i++)
			if (v4l2c_ctrl_at(i)->inactive_when ==
			    (map->cid == V4L2_CID_EXPOSURE_AUTO ? V4L2C_AUTO_AE : V4L2C_AUTO_AWB))
				dev->ctrl_pending |= 1ull << i;
	}
	notify_ctrl(st, dev, idx, V4L2_EVENT_CTRL_CH_VALUE, from);
	for (unsigned i = 0; i < v4l2c_ctrl_count(); i++)
		if (dev->ctrl_present[i] && ctrl_flags(dev, i) != before[i])
			notify_ctrl(st, dev, i, V4L2_EVENT_CTRL_CH_FLAGS, NULL);
}

/* ---- probing a camera ---- */

static void add_formats(struct v4l2c_device *dev, enum ph_stream_role role)
{
	struct ph_config *cfg = ph_camera_generate_config(dev->camera, &role, 1);

	if (!cfg)
		return;
	for (unsigned i = 0; i < ph_config_format_count(cfg, 0); i++) {
		uint32_t fourcc = ph_config_format_at(cfg, 0, i);
		struct v4l2c_format_entry *e = &dev->formats[dev->format_count];
		bool dup = false;

		for (unsigned j = 0; j < dev->format_count; j++)
			dup |= dev->formats[j].fourcc == fourcc;
		if (dup || !v4l2c_format_find(fourcc) || dev->format_count == V4L2C_MAX_FORMATS)
			continue;
		if (ph_config_size_range(cfg, 0, fourcc, &e->sizes) < 0)
			continue;
		if (!e->sizes.hstep)
			e->sizes.hstep = 1;
		if (!e->sizes.vstep)
			e->sizes.vstep = 1;
		e->fourcc = fourcc;
		e->role = role;
		dev->format_count++;
	}
	ph_config_free(cfg);
}

static const struct v4l2c_format_entry *find_format(const struct v4l2c_device *dev, uint32_t fourcc)
{
	for (unsigned i = 0; i < dev->format_count; i++)
		if (dev->formats[i].fourcc == fourcc)
			return &dev->formats[i];
	return NULL;
}

static uint32_t clamp_step(uint32_t v, uint32_t lo, uint32_t hi, uint32_t step)
{
	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	return lo + (v - lo) / step * step;
}

/* Adjust @p pix to what the camera can do, as TRY_FMT does. */
static int try_format(struct v4l2c_device *dev, struct v4l2_pix_format *pix)
{
	const struct v4l2c_format_entry *e = find_format(dev, pix->pixelformat);
	struct ph_stream_config *sc;
	enum ph_stream_role role;
	struct ph_config *cfg;
	enum ph_config_status status;

	if (!e)
		e = &dev->formats[0];
	role = e->role;
	cfg = ph_camera_generate_config(dev->camera, &role, 1);
	sc = cfg ? ph_config_stream_at(cfg, 0) : NULL;
	if (!sc) {
		ph_config_free(cfg);
		return -ENOMEM;
	}
	sc->pixel_format = e->fourcc;
	sc->width = clamp_step(pix->width, e->sizes.min_width, e->sizes.max_width, e->sizes.hstep);
	sc->height =
		clamp_step(pix->height, e->sizes.min_height, e->sizes.max_height, e->sizes.vstep);
	sc->stride = 0;
	sc->colorspace = PH_COLORSPACE_DEFAULT;
	status = ph_config_validate(cfg);
	if (status == PH_CONFIG_INVALID) {
		ph_config_free(cfg);
		return -EINVAL;
	}
	memset(pix, 0, sizeof(*pix));
	pix->pixelformat = sc->pixel_format;
	pix->width = sc->width;
	pix->height = sc->height;
	pix->field = V4L2_FIELD_NONE;
	pix->bytesperline = sc->stride;
	pix->sizeimage = sc->frame_size;
	pix->priv = V4L2_PIX_FMT_PRIV_MAGIC;
	v4l2c_colorspace_to_v4l2(sc->colorspace, pix);
	ph_config_free(cfg);
	return 0;
}

static int probe_device(struct v4l2c_state *st, struct v4l2c_device *dev)
{
	enum ph_stream_role role = PH_ROLE_VIEWFINDER;
	const struct ph_control_info *fdl;
	const char *model;
	struct ph_config *cfg;
	struct ph_camera *camera = ph_context_get_camera(st->ctx, dev->camera_id);

	if (!camera) {
		fprintf(stderr, "pinhole-v4l2: no camera '%s' for %s\n", dev->camera_id, dev->path);
		return -ENODEV;
	}
	dev->camera = ph_camera_ref(camera);
	add_formats(dev, PH_ROLE_VIEWFINDER);
	/* Raw Bayer streams too, from cameras whose sensor has a colour filter. */
	if (ph_control_list_contains(ph_camera_get_properties(dev->camera),
				     PH_PROPERTY_COLOR_FILTER_ARRANGEMENT))
		add_formats(dev, PH_ROLE_RAW);
	if (!dev->format_count) {
		fprintf(stderr, "pinhole-v4l2: camera '%s' offers no V4L2 format\n",
			dev->camera_id);
		return -ENODEV;
	}

	/* The default format: the camera's viewfinder choice, as a webcam's preview. */
	cfg = ph_camera_generate_config(dev->camera, &role, 1);
	if (cfg && ph_config_stream_at(cfg, 0)) {
		const struct ph_stream_config *sc = ph_config_stream_at(cfg, 0);

		dev->fmt.pixelformat = sc->pixel_format;
		dev->fmt.width = sc->width;
		dev->fmt.height = sc->height;
	} else {
		dev->fmt.pixelformat = dev->formats[0].fourcc;
		dev->fmt.width = dev->formats[0].sizes.max_width;
		dev->fmt.height = dev->formats[0].sizes.max_height;
	}
	ph_config_free(cfg);
	if (try_format(dev, &dev->fmt) < 0)
		return -ENODEV;

	/* Frame intervals: the usual rates within FrameDurationLimits. */
	fdl = ph_camera_find_control(dev->camera, PH_CONTROL_FRAME_DURATION_LIMITS);
	for (size_t i = 0; i < sizeof(candidate_intervals) / sizeof(candidate_intervals[0]); i++) {
		int64_t us = interval_us(candidate_intervals[i]);

		if (fdl && fdl->min.type == PH_CONTROL_TYPE_INT64 &&
		    (us < fdl->min.i64[0] || us > fdl->max.i64[0]))
			continue;
		dev->intervals[dev->interval_count++] = candidate_intervals[i];
		if (!fdl)
			break;
	}
	if (!dev->interval_count)
		dev->intervals[dev->interval_count++] = (struct v4l2_fract){1, 30};
	dev->interval = dev->intervals[0];
	for (unsigned i = 0; i < dev->interval_count; i++) {
		int64_t def = fdl ? fdl->def.i64[0] : 33333;

		if (llabs(interval_us(dev->intervals[i]) - def) <
		    llabs(interval_us(dev->interval) - def))
			dev->interval = dev->intervals[i];
	}

	model = ph_control_list_get_string(ph_camera_get_properties(dev->camera),
					   PH_PROPERTY_MODEL);
	snprintf(dev->card, sizeof(dev->card), "%.31s", model ? model : dev->camera_id);
	probe_controls(dev);
	dev->probed = true;
	return 0;
}

static int open_device_node(const char *path, int flags, void *data)
{
	struct v4l2c_state *st = data;
	int fd = st->sys.open(path, flags | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static void close_device_node(int fd, void *data)
{
	struct v4l2c_state *st = data;

	st->sys.close(fd);
}

static void handle_events(struct v4l2c_state *st);

/* Create the context and probe the devices, once. */
static int ensure_context(struct v4l2c_state *st)
{
	struct ph_context_interface iface = {
		.size = sizeof(iface),
		.open_restricted = open_device_node,
		.close_restricted = close_device_node,
	};
	struct ph_context_params params = {
		.size = sizeof(params),
		.interface = &iface,
		.interface_data = st,
	};

	if (st->ctx)
		return 0;
	if (st->ctx_error)
		return st->ctx_error;
	st->ctx = ph_context_new(&params);
	if (!st->ctx) {
		st->ctx_error = -ENODEV;
		return st->ctx_error;
	}
	handle_events(st);
	for (unsigned i = 0; i < st->device_count; i++)
		probe_device(st, &st->devices[i]);
	return 0;
}

/* ---- buffers ---- */

static void free_buffers(struct v4l2c_state *st, struct v4l2c_device *dev)
{
	for (unsigned i = 0; i < dev->buf_count; i++) {
		struct v4l2c_buffer *b = &dev->bufs[i];

		if (b->read_map)
			st->sys.munmap((void *)b->read_map, b->length);
		if (ph_request_free(b->request) < 0)
			fprintf(stderr, "pinhole-v4l2: a request is still queued; leaking it\n");
		memset(b, 0, sizeof(*b));
	}
	if (dev->stream)
		ph_stream_free_buffers(dev->stream);
	dev->stream = NULL;
	dev->buf_count = 0;
	dev->done_count = dev->done_head = 0;
}

static void release_camera(struct v4l2c_device *dev)
{
	if (dev->acquired)
		ph_camera_release(dev->camera);
	dev->acquired = false;
}

/* Configure the camera for the current format and make @p count buffers. */
static int setup_buffers(struct v4l2c_state *st, struct v4l2c_device *dev, unsigned count)
{
	const struct v4l2c_format_entry *e = find_format(dev, dev->fmt.pixelformat);
	enum ph_stream_role role = e ? e->role : PH_ROLE_VIEWFINDER;
	struct ph_stream_config *sc;
	struct ph_config *cfg;
	int ret;

	if (!dev->acquired) {
		ret = ph_camera_acquire(dev->camera);
		if (ret < 0)
			return ret;
		dev->acquired = true;
	}
	cfg = ph_camera_generate_config(dev->camera, &role, 1);
	sc = cfg ? ph_config_stream_at(cfg, 0) : NULL;
	if (!sc) {
		ph_config_free(cfg);
		return -ENOMEM;
	}
	sc->pixel_format = dev->fmt.pixelformat;
	sc->width = dev->fmt.width;
	sc->height = dev->fmt.height;
	sc->stride = 0;
	sc->colorspace = PH_COLORSPACE_DEFAULT;
	sc->buffer_count = count;
	if (ph_config_validate(cfg) == PH_CONFIG_INVALID || sc->width != dev->fmt.width ||
	    sc->height != dev->fmt.height || sc->pixel_format != dev->fmt.pixelformat) {
		ph_config_free(cfg);
		return -EINVAL;
	}
	ret = ph_camera_configure(dev->camera, cfg);
	ph_config_free(cfg);
	if (ret < 0)
		return ret;
	dev->stream = ph_camera_stream_at(dev->camera, 0);
	if (!dev->stream)
		return -EIO;
	ret = ph_stream_allocate_buffers(dev->stream, count);
	if (ret < 0)
		return ret;

	for (unsigned i = 0; i < ph_stream_buffer_count(dev->stream) && i < count; i++) {
		struct ph_buffer *pb = ph_stream_buffer_at(dev->stream, i);
		const struct ph_plane *p0 = ph_buffer_plane_at(pb, 0);
		struct v4l2c_buffer *b = &dev->bufs[i];

		/* V4L2's single-planar API wants the planes back to back in one fd. */
		if (!p0 || p0->offset != 0)
			return -EIO;
		for (unsigned p = 1; p < ph_buffer_plane_count(pb); p++)
			if (ph_buffer_plane_at(pb, p)->fd != p0->fd)
				return -EIO;
		b->buffer = pb;
		b->request =
			ph_camera_create_request(dev->camera, ((uint64_t)dev->index << 32) | i);
		if (!b->request)
			return -ENOMEM;
		dev->buf_count = i + 1;
		ret = ph_request_add_buffer(b->request, dev->stream, pb);
		if (ret < 0)
			return ret;
		b->fd = p0->fd;
		b->length = dev->fmt.sizeimage;
		b->serial = ++st->next_serial;
		b->state = V4L2C_BUF_DEQUEUED;
	}
	return dev->buf_count ? 0 : -ENOMEM;
}

static size_t buffer_offset(const struct v4l2c_device *dev, unsigned index)
{
	return index * PAGE_ALIGN(dev->fmt.sizeimage);
}

static unsigned mapping_count(struct v4l2c_state *st, uint64_t serial)
{
	unsigned n = 0;

	pthread_mutex_lock(&st->map_lock);
	for (unsigned i = 0; i < st->map_count; i++)
		n += st->maps[i].serial == serial;
	pthread_mutex_unlock(&st->map_lock);
	return n;
}

static void fill_buffer(struct v4l2c_state *st, struct v4l2c_device *dev, unsigned index,
			struct v4l2_buffer *vb)
{
	struct v4l2c_buffer *b = &dev->bufs[index];

	memset(vb, 0, sizeof(*vb));
	vb->index = index;
	vb->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	vb->memory = V4L2_MEMORY_MMAP;
	vb->m.offset = (uint32_t)buffer_offset(dev, index);
	vb->length = b->length;
	vb->field = V4L2_FIELD_NONE;
	vb->flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC | V4L2_BUF_FLAG_TSTAMP_SRC_SOE | b->flags;
	if (b->state == V4L2C_BUF_QUEUED)
		vb->flags |= V4L2_BUF_FLAG_QUEUED;
	if (b->state == V4L2C_BUF_DONE)
		vb->flags |= V4L2_BUF_FLAG_DONE;
	if (mapping_count(st, b->serial))
		vb->flags |= V4L2_BUF_FLAG_MAPPED;
	if (b->state != V4L2C_BUF_QUEUED) {
		vb->bytesused = b->bytesused;
		vb->timestamp = b->timestamp;
		vb->sequence = b->sequence;
	}
}

/* Hand buffer @p index's request to the camera, with the controls changed since. */
static int queue_to_camera(struct v4l2c_device *dev, unsigned index)
{
	struct v4l2c_buffer *b = &dev->bufs[index];
	struct ph_control_list *list;
	int ret;

	ret = ph_request_reuse(b->request, PH_REQUEST_REUSE_BUFFERS);
	if (ret < 0)
		return ret;
	list = ph_request_get_controls(b->request);
	ret = controls_to_list(dev, pending_mask(dev), list);
	if (!ret && dev->interval_pending)
		ret = frame_duration_to_list(dev, list);
	if (ret < 0)
		return ret;
	ret = ph_camera_queue_request(dev->camera, b->request);
	if (ret < 0)
		return ret;
	b->in_camera = true;
	dev->ctrl_pending = 0;
	dev->interval_pending = false;
	return 0;
}

/* ---- the dispatch thread ---- */

static struct v4l2c_device *device_of_camera(struct v4l2c_state *st, struct ph_camera *camera)
{
	for (unsigned i = 0; i < st->device_count; i++)
		if (st->devices[i].camera == camera)
			return &st->devices[i];
	return NULL;
}

static void complete_request(struct v4l2c_state *st, struct ph_request *req)
{
	uint64_t cookie = ph_request_get_cookie(req);
	unsigned di = (unsigned)(cookie >> 32), bi = (unsigned)(cookie & 0xffffffffu);
	struct v4l2c_device *dev;
	struct v4l2c_buffer *b;
	uint64_t ts;

	if (di >= st->device_count)
		return;
	dev = &st->devices[di];
	if (bi >= dev->buf_count || dev->bufs[bi].request != req)
		return;
	b = &dev->bufs[bi];
	b->in_camera = false;
	if (ph_request_get_status(req) != PH_REQUEST_COMPLETE || !dev->streaming ||
	    b->state != V4L2C_BUF_QUEUED)
		return; /* cancelled by STREAMOFF, which returns every buffer itself */

	b->flags = ph_buffer_get_status(b->buffer) == PH_BUFFER_SUCCESS ? 0 : V4L2_BUF_FLAG_ERROR;
	if (!dev->have_first_sequence) {
		dev->first_sequence = ph_buffer_get_sequence(b->buffer);
		dev->have_first_sequence = true;
	}
	b->sequence = ph_buffer_get_sequence(b->buffer) - dev->first_sequence;
	ts = ph_buffer_get_timestamp(b->buffer);
	b->timestamp.tv_sec = (time_t)(ts / 1000000000u);
	b->timestamp.tv_usec = (suseconds_t)(ts % 1000000000u / 1000u);
	b->bytesused = b->length;
	b->read_pos = 0;
	b->state = V4L2C_BUF_DONE;
	dev->done[(dev->done_head + dev->done_count++) % V4L2C_MAX_BUFFERS] = bi;

	/* Controls an automatic mode drives read back what the frame was taken with. */
	for (unsigned i = 0; i < v4l2c_ctrl_count(); i++) {
		const struct v4l2c_ctrl_map *map = v4l2c_ctrl_at(i);
		int32_t v;

		if (dev->ctrl_present[i] && ctrl_inactive(dev, map) &&
		    v4l2c_ctrl_from_pinhole(map, ph_request_get_metadata(req), &v) == 0) {
			const struct v4l2c_ctrl_range *r = &dev->ctrl_ranges[i];

			dev->ctrl_values[i] = v < r->min ? r->min : v > r->max ? r->max : v;
		}
	}
	update_device_signals(st, dev);
}

static void handle_events(struct v4l2c_state *st)
{
	struct ph_event *ev;

	while ((ev = ph_context_next_event(st->ctx))) {
		struct v4l2c_device *dev;

		switch (ph_event_get_type(ev)) {
		case PH_EVENT_REQUEST_COMPLETED:
			complete_request(st, ph_event_get_request(ev));
			break;
		case PH_EVENT_CAMERA_REMOVED:
		case PH_EVENT_CAMERA_ERROR:
			dev = device_of_camera(st, ph_event_get_camera(ev));
			if (dev) {
				dev->error = ph_event_get_type(ev) == PH_EVENT_CAMERA_REMOVED
						     ? -ENODEV
						     : -EIO;
				update_device_signals(st, dev);
			}
			break;
		default:
			break;
		}
		ph_event_free(ev);
	}
}

static void *worker_main(void *data)
{
	struct v4l2c_state *st = data;

	for (;;) {
		struct pollfd fds[2] = {
			{.fd = ph_context_get_fd(st->ctx), .events = POLLIN},
			{.fd = st->wake_fd, .events = POLLIN},
		};
		uint64_t v;

		if (st->sys.ppoll(fds, 2, NULL, NULL) < 0 && errno != EINTR)
			break;
		pthread_mutex_lock(&st->lock);
		if (st->worker_stop) {
			pthread_mutex_unlock(&st->lock);
			break;
		}
		if (fds[1].revents)
			st->sys.read(st->wake_fd, &v, sizeof(v));
		if (fds[0].revents)
			ph_context_dispatch(st->ctx);
		handle_events(st);
		pthread_mutex_unlock(&st->lock);
	}
	return NULL;
}

static int ensure_worker(struct v4l2c_state *st)
{
	sigset_t all, old;
	int ret;

	if (st->worker_running)
		return 0;
	if (st->wake_fd < 0) {
		st->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (st->wake_fd < 0)
			return -errno;
	}
	/* Signals belong to the application's threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&st->worker, NULL, worker_main, st);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		return -ret;
	st->worker_running = true;
	return 0;
}

/* ---- streaming ---- */

static int stream_on(struct v4l2c_state *st, struct v4l2c_device *dev)
{
	struct ph_control_list *controls;
	uint64_t all = 0;
	int ret;

	if (dev->streaming)
		return 0;
	if (!dev->buf_count)
		return -EINVAL;
	ret = ensure_worker(st);
	if (ret < 0)
		return ret;
	controls = ph_control_list_new();
	if (!controls)
		return -ENOMEM;
	/* The whole control state: the camera may have run with other values before. */
	for (unsigned i = 0; i < v4l2c_ctrl_count(); i++)
		all |= 1ull << i;
	ret = controls_to_list(dev, all, controls);
	if (!ret)
		ret = frame_duration_to_list(dev, controls);
	if (!ret)
		ret = ph_camera_start(dev->camera, controls);
	ph_control_list_free(controls);
	if (ret < 0)
		return ret;
	dev->ctrl_pending = 0;
	dev->interval_pending = false;
	dev->streaming = true;
	dev->error = 0;
	dev->have_first_sequence = false;
	for (unsigned i = 0; i < dev->buf_count; i++) {
		if (dev->bufs[i].state != V4L2C_BUF_QUEUED)
			continue;
		ret = queue_to_camera(dev, i);
		if (ret < 0) {
			fprintf(stderr, "pinhole-v4l2: cannot queue a buffer: %s\n",
				strerror(-ret));
			dev->error = ret;
		}
	}
	update_device_signals(st, dev);
	return 0;
}

static void stream_off(struct v4l2c_state *st, struct v4l2c_device *dev)
{
	if (dev->streaming) {
		ph_camera_stop(dev->camera);
		dev->streaming = false;
		handle_events(st); /* the cancelled requests come back */
	}
	for (unsigned i = 0; i < dev->buf_count; i++) {
		dev->bufs[i].state = V4L2C_BUF_DEQUEUED;
		dev->bufs[i].in_camera = false;
		dev->bufs[i].bytesused = 0;
	}
	dev->done_count = dev->done_head = 0;
	dev->waiting_for_buffers = true;
	dev->error = 0;
	update_device_signals(st, dev);
}

/* Give up the buffers: the owner's REQBUFS(0) or last close. */
static void drop_owner(struct v4l2c_state *st, struct v4l2c_device *dev)
{
	stream_off(st, dev);
	free_buffers(st, dev);
	release_camera(dev);
	dev->owner = NULL;
	dev->io = V4L2C_IO_NONE;
	update_device_signals(st, dev);
}

/* Wait for a filled buffer. @return its index, or a negative errno. */
static int wait_done(struct v4l2c_state *st, struct v4l2c_file *file)
{
	struct v4l2c_device *dev = file->dev;

	for (;;) {
		if (dev->owner != file)
			return -EINVAL;
		if (dev->done_count)
			return (int)dev->done[dev->done_head];
		if (!dev->streaming)
			return -EINVAL;
		if (dev->error)
			return -EIO;
		if (file->nonblock)
			return -EAGAIN;
		pthread_cond_wait(&st->cond, &st->lock);
	}
}

static void pop_done(struct v4l2c_state *st, struct v4l2c_file *file)
{
	struct v4l2c_device *dev = file->dev;
	unsigned index = dev->done[dev->done_head];

	dev->done_head = (dev->done_head + 1) % V4L2C_MAX_BUFFERS;
	dev->done_count--;
	dev->bufs[index].state = V4L2C_BUF_DEQUEUED;
	update_signal(st, file);
}

/* read() I/O starts streaming on its own, as vb2's file I/O emulation does. */
static int start_read_io(struct v4l2c_state *st, struct v4l2c_file *file)
{
	struct v4l2c_device *dev = file->dev;
	int ret;

	if (dev->owner && dev->owner != file)
		return -EBUSY;
	if (dev->io == V4L2C_IO_READ)
		return 0;
	if (dev->io != V4L2C_IO_NONE)
		return -EBUSY;
	ret = setup_buffers(st, dev, V4L2C_READ_BUFFERS);
	if (ret < 0) {
		free_buffers(st, dev);
		release_camera(dev);
		return ret;
	}
	dev->owner = file;
	dev->io = V4L2C_IO_READ;
	for (unsigned i = 0; i < dev->buf_count; i++)
		dev->bufs[i].state = V4L2C_BUF_QUEUED;
	dev->waiting_for_buffers = false;
	ret = stream_on(st, dev);
	if (ret < 0)
		drop_owner(st, dev);
	return ret;
}

/* ---- files ---- */

static int register_fd(struct v4l2c_state *st, int fd, struct v4l2c_file *file)
{
	if (fd < 0 || fd >= V4L2C_MAX_FDS)
		return -EMFILE;
	atomic_store_explicit(&st->fds[fd], file, memory_order_release);
	file->fd_refs++;
	return 0;
}

int v4l2c_open(struct v4l2c_state *st, unsigned index, int flags)
{
	struct v4l2c_device *dev;
	struct v4l2c_file *file;
	int fd, ret;

	if (index >= st->device_count)
		return -ENODEV;
	dev = &st->devices[index];
	pthread_mutex_lock(&st->lock);
	ret = ensure_context(st);
	if (!ret && !dev->probed)
		ret = -ENODEV;
	if (ret < 0) {
		pthread_mutex_unlock(&st->lock);
		return ret;
	}
	file = calloc(1, sizeof(*file));
	if (!file) {
		pthread_mutex_unlock(&st->lock);
		return -ENOMEM;
	}
	file->dev = dev;
	file->nonblock = flags & O_NONBLOCK;
	file->prio = V4L2_PRIORITY_DEFAULT;
	file->signal_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	fd = file->signal_fd < 0
		     ? -1
		     : st->sys.fcntl(file->signal_fd,
				     (flags & O_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
	if (fd < 0 || register_fd(st, fd, file) < 0) {
		ret = fd < 0 ? -errno : -EMFILE;
		if (fd >= 0)
			st->sys.close(fd);
		if (file->signal_fd >= 0)
			st->sys.close(file->signal_fd);
		free(file);
		pthread_mutex_unlock(&st->lock);
		return ret;
	}
	dev->prio_count[file->prio]++;
	file->next = dev->files;
	dev->files = file;
	pthread_mutex_unlock(&st->lock);
	return fd;
}

static void file_free(struct v4l2c_state *st, struct v4l2c_file *file)
{
	struct v4l2c_device *dev = file->dev;

	if (dev->owner == file)
		drop_owner(st, dev);
	dev->prio_count[file->prio]--;
	for (struct v4l2c_file **p = &dev->files; *p; p = &(*p)->next) {
		if (*p == file) {
			*p = file->next;
			break;
		}
	}
	st->sys.close(file->signal_fd);
	free(file);
}

int v4l2c_close(struct v4l2c_state *st, int fd)
{
	struct v4l2c_file *file;
	int ret;

	pthread_mutex_lock(&st->lock);
	file = file_of(st, fd);
	if (!file) {
		pthread_mutex_unlock(&st->lock);
		return -EBADF;
	}
	atomic_store_explicit(&st->fds[fd], NULL, memory_order_release);
	ret = st->sys.close(fd) < 0 ? -errno : 0;
	if (--file->fd_refs == 0)
		file_free(st, file);
	pthread_mutex_unlock(&st->lock);
	return ret;
}

int v4l2c_dup_register(struct v4l2c_state *st, int oldfd, int newfd)
{
	struct v4l2c_file *file, *old;
	int ret;

	pthread_mutex_lock(&st->lock);
	file = file_of(st, oldfd);
	old = file_of(st, newfd);
	if (old && old != file) { /* dup2 onto another emulated fd closed that one */
		atomic_store_explicit(&st->fds[newfd], NULL, memory_order_release);
		if (--old->fd_refs == 0)
			file_free(st, old);
	} else if (old == file && file) {
		file->fd_refs--; /* dup2(fd, fd) or re-registration */
	}
	ret = file ? register_fd(st, newfd, file) : -EBADF;
	pthread_mutex_unlock(&st->lock);
	return ret;
}

int v4l2c_fcntl_flags(struct v4l2c_state *st, int fd, int cmd, int flags)
{
	struct v4l2c_file *file;
	int ret = 0;

	pthread_mutex_lock(&st->lock);
	file = file_of(st, fd);
	if (!file)
		ret = -EBADF;
	else if (cmd == F_GETFL)
		ret = O_RDWR | (file->nonblock ? O_NONBLOCK : 0);
	else if (cmd == F_SETFL)
		file->nonblock = flags & O_NONBLOCK;
	else
		ret = -EINVAL;
	pthread_mutex_unlock(&st->lock);
	return ret;
}

void v4l2c_state_fini(struct v4l2c_state *st)
{
	uint64_t one = 1;

	pthread_mutex_lock(&st->lock);
	st->worker_stop = true;
	if (st->wake_fd >= 0 && write(st->wake_fd, &one, sizeof(one)) < 0)
		fprintf(stderr, "pinhole-v4l2: cannot wake the dispatch thread\n");
	pthread_mutex_unlock(&st->lock);
	if (st->worker_running)
		pthread_join(st->worker, NULL);
	st->worker_running = false;

	pthread_mutex_lock(&st->lock);
	for (int fd = 0; fd < V4L2C_MAX_FDS; fd++) {
		struct v4l2c_file *file = file_of(st, fd);

		if (!file)
			continue;
		atomic_store_explicit(&st->fds[fd], NULL, memory_order_release);
		st->sys.close(fd);
		if (--file->fd_refs == 0)
			file_free(st, file);
	}
	for (unsigned i = 0; i < st->device_count; i++)
		if (st->devices[i].camera)
			ph_camera_unref(st->devices[i].camera);
	if (st->ctx) {
		handle_events(st);
		ph_context_unref(st->ctx);
	}
	st->ctx = NULL;
	if (st->wake_fd >= 0)
		st->sys.close(st->wake_fd);
	st->wake_fd = -1;
	pthread_mutex_unlock(&st->lock);
	free(st->maps);
	st->maps = NULL;
	st->map_count = st->map_capacity = 0;
	pthread_cond_destroy(&st->cond);
	pthread_mutex_destroy(&st->map_lock);
	pthread_mutex_destroy(&st->lock);
}

/* ---- ioctls ---- */

static enum v4l2_priority max_priority(const struct v4l2c_device *dev)
{
	for (int p = V4L2_PRIORITY_RECORD; p > V4L2_PRIORITY_UNSET; p--)
		if (dev->prio_count[p])
			return (enum v4l2_priority)p;
	return V4L2_PRIORITY_UNSET;
}

static int check_priority(const struct v4l2c_file *file)
{
	return file->prio < max_priority(file->dev) ? -EBUSY : 0;
}

static int querycap(struct v4l2c_state *st, struct v4l2c_device *dev, struct v4l2_capability *cap)
{
	memset(cap, 0, sizeof(*cap));
	snprintf((char *)cap->driver, sizeof(cap->driver), "pinhole");
	snprintf((char *)cap->card, sizeof(cap->card), "%s", dev->card);
	snprintf((char *)cap->bus_info, sizeof(cap->bus_info), "platform:pinhole-%u", dev->index);
	cap->version = st->kernel_version;
	cap->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING | V4L2_CAP_READWRITE |
			   V4L2_CAP_EXT_PIX_FORMAT;
	cap->capabilities = cap->device_caps | V4L2_CAP_DEVICE_CAPS;
	return 0;
}

static int enum_fmt(struct v4l2c_device *dev, struct v4l2_fmtdesc *f)
{
	const struct v4l2c_format *desc;
	uint32_t index = f->index;

	if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || index >= dev->format_count)
		return -EINVAL;
	desc = v4l2c_format_find(dev->formats[index].fourcc);
	memset(f, 0, sizeof(*f));
	f->index = index;
	f->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	f->pixelformat = desc->fourcc;
	snprintf((char *)f->description, sizeof(f->description), "%s", desc->description);
	return 0;
}

static int enum_framesizes(struct v4l2c_device *dev, struct v4l2_frmsizeenum *fs)
{
	const struct v4l2c_format_entry *e = find_format(dev, fs->pixel_format);
	uint32_t fourcc = fs->pixel_format;

	if (!e || fs->index != 0)
		return -EINVAL;
	memset(fs, 0, sizeof(*fs));
	fs->pixel_format = fourcc;
	fs->type = V4L2_FRMSIZE_TYPE_STEPWISE;
	fs->stepwise.min_width = e->sizes.min_width;
	fs->stepwise.max_width = e->sizes.max_width;
	fs->stepwise.step_width = e->sizes.hstep;
	fs->stepwise.min_height = e->sizes.min_height;
	fs->stepwise.max_height = e->sizes.max_height;
	fs->stepwise.step_height = e->sizes.vstep;
	return 0;
}

static int enum_frameintervals(struct v4l2c_device *dev, struct v4l2_frmivalenum *fi)
{
	const struct v4l2c_format_entry *e = find_format(dev, fi->pixel_format);
	struct v4l2_frmivalenum in = *fi;

	if (!e || fi->index >= dev->interval_count || fi->width < e->sizes.min_width ||
	    fi->width > e->sizes.max_width || fi->height < e->sizes.min_height ||
	    fi->height > e->sizes.max_height || (fi->width - e->sizes.min_width) % e->sizes.hstep ||
	    (fi->height - e->sizes.min_height) % e->sizes.vstep)
		return -EINVAL;
	memset(fi, 0, sizeof(*fi));
	fi->index = in.index;
	fi->pixel_format = in.pixel_format;
	fi->width = in.width;
	fi->height = in.height;
	fi->type = V4L2_FRMIVAL_TYPE_DISCRETE;
	fi->discrete = dev->intervals[in.index];
	return 0;
}

static int fmt_ioctl(struct v4l2c_device *dev, struct v4l2c_file *file, unsigned long request,
		     struct v4l2_format *f)
{
	struct v4l2_pix_format pix;
	int ret;

	if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return -EINVAL;
	if (request == VIDIOC_G_FMT) {
		memset(&f->fmt, 0, sizeof(f->fmt));
		f->fmt.pix = dev->fmt;
		return 0;
	}
	if (request == VIDIOC_S_FMT) {
		ret = check_priority(file);
		if (ret < 0)
			return ret;
	}
	pix = f->fmt.pix;
	ret = try_format(dev, &pix);
	if (ret < 0)
		return ret;
	if (request == VIDIOC_S_FMT) {
		/* Changing the format frees nothing: the buffers must be gone first. */
		if (dev->buf_count && memcmp(&pix, &dev->fmt, sizeof(pix)) != 0)
			return -EBUSY;
		if (dev->buf_count && dev->owner != file)
			return -EBUSY;
		dev->fmt = pix;
	}
	memset(&f->fmt, 0, sizeof(f->fmt));
	f->fmt.pix = pix;
	return 0;
}

static int parm_ioctl(struct v4l2c_device *dev, struct v4l2c_file *file, unsigned long request,
		      struct v4l2_streamparm *p)
{
	struct v4l2_captureparm *c = &p->parm.capture;

	if (p->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return -EINVAL;
	if (request == VIDIOC_S_PARM) {
		int64_t want = interval_us(c->timeperframe);
		int ret = check_priority(file);

		if (ret < 0)
			return ret;
		/* The nearest interval offered; 0/0 asks for the default. */
		if (want > 0) {
			struct v4l2_fract best = dev->intervals[0];

			for (unsigned i = 0; i < dev->interval_count; i++)
				if (llabs(interval_us(dev->intervals[i]) - want) <
				    llabs(interval_us(best) - want))
					best = dev->intervals[i];
			if (best.numerator != dev->interval.numerator ||
			    best.denominator != dev->interval.denominator)
				dev->interval_pending = dev->streaming;
			dev->interval = best;
		}
	}
	memset(&p->parm, 0, sizeof(p->parm));
	c->capability = V4L2_CAP_TIMEPERFRAME;
	c->timeperframe = dev->interval;
	c->readbuffers = V4L2C_READ_BUFFERS;
	return 0;
}

/* The next listed control after @p id, or the control @p id itself. */
static int find_ctrl(const struct v4l2c_device *dev, uint32_t id, bool *next)
{
	uint32_t base = id & ~(V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND);

	*next = id & (V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND);
	if (*next) {
		/* Every control here is a plain one: asking only for compound ones finds none. */
		if (!(id & V4L2_CTRL_FLAG_NEXT_CTRL))
			return -1;
		for (unsigned i = 0; i < v4l2c_ctrl_count(); i++)
			if (dev->ctrl_present[i] && v4l2c_ctrl_at(i)->cid > base)
				return (int)i;
		return -1;
	}
	for (unsigned i = 0; i < v4l2c_ctrl_count(); i++)
		if (dev->ctrl_present[i] && v4l2c_ctrl_at(i)->cid == base)
			return (int)i;
	return -1;
}

static int query_ext_ctrl(struct v4l2c_device *dev, struct v4l2_query_ext_ctrl *q)
{
	bool next;
	int i = find_ctrl(dev, q->id, &next);
	const struct v4l2c_ctrl_map *map;

	if (i < 0)
		return -EINVAL;
	map = v4l2c_ctrl_at((unsigned)i);
	memset(q, 0, sizeof(*q));
	q->id = map->cid;
	q->type = map->type;
	snprintf(q->name, sizeof(q->name), "%s", map->name);
	q->flags = ctrl_flags(dev, (unsigned)i);
	if (map->kind != V4L2C_KIND_CLASS) {
		q->minimum = dev->ctrl_ranges[i].min;
		q->maximum = dev->ctrl_ranges[i].max;
		q->step = (uint64_t)dev->ctrl_ranges[i].step;
		q->default_value = dev->ctrl_ranges[i].def;
		q->elem_size = sizeof(int32_t);
		q->elems = 1;
	}
	return 0;
}

static int queryctrl(struct v4l2c_device *dev, struct v4l2_queryctrl *q)
{
	struct v4l2_query_ext_ctrl ext = {.id = q->id};
	int ret = query_ext_ctrl(dev, &ext);

	if (ret < 0)
		return ret;
	memset(q, 0, sizeof(*q));
	q->id = ext.id;
	q->type = ext.type;
	snprintf((char *)q->name, sizeof(q->name), "%s", ext.name);
	q->minimum = (int32_t)ext.minimum;
	q->maximum = (int32_t)ext.maximum;
	q->step = (int32_t)ext.step;
	q->default_value = (int32_t)ext.default_value;
	q->flags = ext.flags;
	return 0;
}

static bool menu_index_valid(const struct v4l2c_device *dev, unsigned idx, int64_t index)
{
	const struct v4l2c_ctrl_range *r = &dev->ctrl_ranges[idx];

	return index >= r->min && index <= r->max &&
	       !(index < 64 && (r->menu_skip_mask & (1ull << index)));
}

static int querymenu(struct v4l2c_device *dev, struct v4l2_querymenu *m)
{
	int idx = v4l2c_ctrl_index(m->id);
	const struct v4l2c_ctrl_map *map;
	uint32_t id = m->id, index = m->index;

	if (idx < 0 || !dev->ctrl_present[idx])
		return -EINVAL;
	map = v4l2c_ctrl_at((unsigned)idx);
	if ((map->type != V4L2_CTRL_TYPE_MENU && map->type != V4L2_CTRL_TYPE_INTEGER_MENU) ||
	    !menu_index_valid(dev, (unsigned)idx, index))
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->id = id;
	m->index = index;
	if (map->int_menu)
		m->value = map->int_menu[index];
	else
		snprintf((char *)m->name, sizeof(m->name), "%s", map->menu[index]);
	return 0;
}

/* Check @p value for control @p idx and bring integers into range. @return 0 or -errno. */
static int validate_ctrl(const struct v4l2c_device *dev, unsigned idx, int32_t *value)
{
	const struct v4l2c_ctrl_map *map = v4l2c_ctrl_at(idx);
	const struct v4l2c_ctrl_range *r = &dev->ctrl_ranges[idx];

	if (map->kind == V4L2C_KIND_CLASS)
		return -EACCES;
	/* As the kernel: a menu index out of range is -ERANGE, a hole in it -EINVAL. */
	if (map->type == V4L2_CTRL_TYPE_MENU || map->type == V4L2_CTRL_TYPE_INTEGER_MENU) {
		if (*value < r->min || *value > r->max)
			return -ERANGE;
		return menu_index_valid(dev, idx, *value) ? 0 : -EINVAL;
	}
	if (map->type == V4L2_CTRL_TYPE_BOOLEAN) {
		*value = *value != 0;
		return 0;
	}
	if (*value < r->min)
		*value = r->min;
	if (*value > r->max)
		*value = r->max;
	*value = r->min + (*value - r->min) / r->step * r->step;
	return 0;
}

static int ctrl_ioctl(struct v4l2c_state *st, struct v4l2c_file *file, unsigned long request,
		      struct v4l2_control *c)
{
	struct v4l2c_device *dev = file->dev;
	int idx = v4l2c_ctrl_index(c->id);
	int32_t value = c->value;
	int ret;

	if (idx < 0 || !dev->ctrl_present[idx])
		return -EINVAL;
	if (request == VIDIOC_G_CTRL) {
		if (v4l2c_ctrl_at((unsigned)idx)->kind == V4L2C_KIND_CLASS)
			return -EACCES;
		c->value = dev->ctrl_values[idx];
		return 0;
	}
	ret = check_priority(file);
	if (!ret)
		ret = validate_ctrl(dev, (unsigned)idx, &value);
	if (ret < 0)
		return ret;
	set_ctrl(st, dev, (unsigned)idx, value, file);
	c->value = value;
	return 0;
}

static int ext_ctrls_ioctl(struct v4l2c_state *st, struct v4l2c_file *file, unsigned long request,
			   struct v4l2_ext_controls *cs)
{
	struct v4l2c_device *dev = file->dev;
	bool set = request == VIDIOC_S_EXT_CTRLS, get = request == VIDIOC_G_EXT_CTRLS;
	uint32_t which = cs->which;
	int idxs[64];
	int ret;

	cs->error_idx = cs->count;
	if (which == V4L2_CTRL_WHICH_REQUEST_VAL)
		return -EINVAL;
	if (which == V4L2_CTRL_WHICH_DEF_VAL && !get)
		return -EINVAL;
	if (which != V4L2_CTRL_WHICH_CUR_VAL && which != V4L2_CTRL_WHICH_DEF_VAL) {
		bool known = false;

		for (unsigned i = 0; i < v4l2c_ctrl_count(); i++)
			known |= dev->ctrl_present[i] &&
				 V4L2_CTRL_ID2WHICH(v4l2c_ctrl_at(i)->cid) == which;
		if (!known)
			return -EINVAL;
	}
	if (!cs->count)
		return 0;
	if (cs->count > 64 || !cs->controls)
		return -EINVAL;
	if (set) {
		ret = check_priority(file);
		if (ret < 0)
			return ret;
	}

	/* Validate everything before changing anything. */
	for (uint32_t i = 0; i < cs->count; i++) {
		struct v4l2_ext_control *c = &cs->controls[i];
		int idx = v4l2c_ctrl_index(c->id);

		ret = 0;
		if (idx < 0 || !dev->ctrl_present[idx] ||
		    (which != V4L2_CTRL_WHICH_CUR_VAL && which != V4L2_CTRL_WHICH_DEF_VAL &&
		     V4L2_CTRL_ID2WHICH(c->id) != which))
			ret = -EINVAL;
		else if (v4l2c_ctrl_at((unsigned)idx)->kind == V4L2C_KIND_CLASS)
			ret = -EACCES;
		else if (!get) {
			int32_t value = c->value;

			ret = validate_ctrl(dev, (unsigned)idx, &value);
			c->value = value;
		}
		if (ret < 0) {
			/* TRY names the culprit; G and S say count: nothing was touched. */
			cs->error_idx = request == VIDIOC_TRY_EXT_CTRLS ? i : cs->count;
			return ret;
		}
		idxs[i] = idx;
	}
	for (uint32_t i = 0; i < cs->count; i++) {
		struct v4l2_ext_control *c = &cs->controls[i];

		if (get)
			c->value = which == V4L2_CTRL_WHICH_DEF_VAL ? dev->ctrl_ranges[idxs[i]].def
								    : dev->ctrl_values[idxs[i]];
		else if (set)
			set_ctrl(st, dev, (unsigned)idxs[i], c->value, file);
	}
	return 0;
}

static int subscribe_event(struct v4l2c_state *st, struct v4l2c_file *file, unsigned long request,
			   struct v4l2_event_subscription *sub)
{
	struct v4l2c_device *dev = file->dev;
	int idx;

	if (request == VIDIOC_UNSUBSCRIBE_EVENT && sub->type == V4L2_EVENT_ALL) {
		memset(file->event_subs, 0, sizeof(file->event_subs));
		return 0;
	}
	if (sub->type != V4L2_EVENT_CTRL)
		return -EINVAL;
	idx = v4l2c_ctrl_index(sub->id);
	if (idx < 0 || !dev->ctrl_present[idx])
		return -EINVAL;
	if (request == VIDIOC_UNSUBSCRIBE_EVENT) {
		file->event_subs[idx] = 0;
		return 0;
	}
	if (file->event_subs[idx])
		return 0;
	file->event_subs[idx] = sub->flags + 1;
	if (sub->flags & V4L2_EVENT_SUB_FL_SEND_INITIAL &&
	    v4l2c_ctrl_at((unsigned)idx)->kind != V4L2C_KIND_CLASS) {
		queue_ctrl_event(file, dev, (unsigned)idx,
				 V4L2_EVENT_CTRL_CH_VALUE | V4L2_EVENT_CTRL_CH_FLAGS);
		update_signal(st, file);
	}
	return 0;
}

static int dqevent(struct v4l2c_state *st, struct v4l2c_file *file, struct v4l2_event *ev)
{
	if (!file->event_count)
		return -ENOENT;
	*ev = file->events[file->event_head];
	file->event_head = (file->event_head + 1) % V4L2C_MAX_EVENTS;
	file->event_count--;
	ev->pending = file->event_count;
	update_signal(st, file);
	return 0;
}

static int reqbufs(struct v4l2c_state *st, struct v4l2c_file *file, struct v4l2_requestbuffers *r)
{
	struct v4l2c_device *dev = file->dev;
	uint32_t count = r->count;
	int ret;

	if (r->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return -EINVAL;
	r->capabilities = V4L2_BUF_CAP_SUPPORTS_MMAP | V4L2_BUF_CAP_SUPPORTS_ORPHANED_BUFS;
	r->flags = 0;
	memset(r->reserved, 0, sizeof(r->reserved));
	if (r->memory != V4L2_MEMORY_MMAP)
		return -EINVAL;
	ret = check_priority(file);
	if (ret < 0)
		return ret;
	if (dev->owner && dev->owner != file)
		return -EBUSY;
	if (dev->io == V4L2C_IO_READ || dev->streaming)
		return -EBUSY;
	if (dev->buf_count)
		drop_owner(st, dev);
	if (!count)
		return 0;
	if (count < V4L2C_MIN_BUFFERS)
		count = V4L2C_MIN_BUFFERS;
	if (count > V4L2C_MAX_BUFFERS)
		count = V4L2C_MAX_BUFFERS;
	ret = setup_buffers(st, dev, count);
	if (ret < 0) {
		free_buffers(st, dev);
		release_camera(dev);
		return ret;
	}
	dev->owner = file;
	dev->io = V4L2C_IO_MMAP;
	dev->waiting_for_buffers = true;
	r->count = dev->buf_count;
	return 0;
}

static int check_buffer(struct v4l2c_file *file, const struct v4l2_buffer *vb, bool need_owner)
{
	struct v4l2c_device *dev = file->dev;

	if (vb->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return -EINVAL;
	if (need_owner && dev->owner && dev->owner != file)
		return -EBUSY;
	if (dev->io != V4L2C_IO_MMAP || vb->index >= dev->buf_count)
		return -EINVAL;
	if (need_owner && vb->memory != V4L2_MEMORY_MMAP)
		return -EINVAL;
	return 0;
}

static int qbuf(struct v4l2c_state *st, struct v4l2c_file *file, struct v4l2_buffer *vb)
{
	struct v4l2c_device *dev = file->dev;
	int ret = check_buffer(file, vb, true);

	if (ret < 0)
		return ret;
	if (dev->bufs[vb->index].state != V4L2C_BUF_DEQUEUED)
		return -EINVAL;
	dev->bufs[vb->index].state = V4L2C_BUF_QUEUED;
	dev->waiting_for_buffers = false;
	if (dev->streaming) {
		ret = queue_to_camera(dev, vb->index);
		if (ret < 0) {
			dev->bufs[vb->index].state = V4L2C_BUF_DEQUEUED;
			return ret;
		}
	}
	fill_buffer(st, dev, vb->index, vb);
	update_device_signals(st, dev);
	return 0;
}

static int dqbuf(struct v4l2c_state *st, struct v4l2c_file *file, struct v4l2_buffer *vb)
{
	struct v4l2c_device *dev = file->dev;
	int index;

	if (vb->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || vb->memory != V4L2_MEMORY_MMAP)
		return -EINVAL;
	if (dev->owner && dev->owner != file)
		return -EBUSY;
	if (dev->io != V4L2C_IO_MMAP)
		return -EINVAL;
	index = wait_done(st, file);
	if (index < 0)
		return index;
	pop_done(st, file);
	fill_buffer(st, dev, (unsigned)index, vb);
	return 0;
}

static int expbuf(struct v4l2c_state *st, struct v4l2c_file *file, struct v4l2_exportbuffer *e)
{
	struct v4l2c_device *dev = file->dev;
	char path[64];
	int fd;

	if (e->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || e->plane != 0 ||
	    (e->flags & ~(uint32_t)(O_ACCMODE | O_CLOEXEC)))
		return -EINVAL;
	if (dev->owner && dev->owner != file)
		return -EBUSY;
	if (dev->io != V4L2C_IO_MMAP || e->index >= dev->buf_count)
		return -EINVAL;
	/* A new open file description of the memfd, with the access mode asked for. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", dev->bufs[e->index].fd);
	fd = st->sys.open(path, (int)(e->flags & (O_ACCMODE | O_CLOEXEC)));
	if (fd < 0)
		return -errno;
	e->fd = fd;
	return 0;
}

static int stream_ioctl(struct v4l2c_state *st, struct v4l2c_file *file, unsigned long request,
			const int *type)
{
	struct v4l2c_device *dev = file->dev;
	int ret;

	if (*type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return -EINVAL;
	ret = check_priority(file);
	if (ret < 0)
		return ret;
	if (dev->owner && dev->owner != file)
		return -EBUSY;
	if (request == VIDIOC_STREAMON)
		return dev->io == V4L2C_IO_MMAP ? stream_on(st, dev) : -EINVAL;
	if (dev->io == V4L2C_IO_READ)
		return -EBUSY;
	stream_off(st, dev);
	return 0;
}

static int priority_ioctl(struct v4l2c_file *file, unsigned long request, uint32_t *prio)
{
	struct v4l2c_device *dev = file->dev;

	if (request == VIDIOC_G_PRIORITY) {
		*prio = max_priority(dev);
		return 0;
	}
	if (check_priority(file) < 0)
		return -EBUSY;
	if (*prio < V4L2_PRIORITY_BACKGROUND || *prio > V4L2_PRIORITY_RECORD)
		return -EINVAL;
	if (*prio == V4L2_PRIORITY_RECORD && file->prio != V4L2_PRIORITY_RECORD &&
	    dev->prio_count[V4L2_PRIORITY_RECORD])
		return -EBUSY;
	dev->prio_count[file->prio]--;
	file->prio = (enum v4l2_priority) * prio;
	dev->prio_count[file->prio]++;
	return 0;
}

static int input_ioctl(struct v4l2c_file *file, unsigned long request, void *arg)
{
	if (request == VIDIOC_ENUMINPUT) {
		struct v4l2_input *in = arg;
		uint32_t index = in->index;

		if (index != 0)
			return -EINVAL;
		memset(in, 0, sizeof(*in));
		snprintf((char *)in->name, sizeof(in->name), "Camera");
		in->type = V4L2_INPUT_TYPE_CAMERA;
		return 0;
	}
	if (request == VIDIOC_G_INPUT) {
		*(int *)arg = 0;
		return 0;
	}
	if (check_priority(file) < 0)
		return -EBUSY;
	return *(int *)arg == 0 ? 0 : -EINVAL;
}

static bool handled_ioctl(unsigned long request)
{
	static const unsigned long handled[] = {
		VIDIOC_QUERYCAP,	VIDIOC_ENUM_FMT,
		VIDIOC_ENUM_FRAMESIZES, VIDIOC_ENUM_FRAMEINTERVALS,
		VIDIOC_G_FMT,		VIDIOC_S_FMT,
		VIDIOC_TRY_FMT,		VIDIOC_G_PARM,
		VIDIOC_S_PARM,		VIDIOC_REQBUFS,
		VIDIOC_QUERYBUF,	VIDIOC_QBUF,
		VIDIOC_DQBUF,		VIDIOC_EXPBUF,
		VIDIOC_STREAMON,	VIDIOC_STREAMOFF,
		VIDIOC_QUERYCTRL,	VIDIOC_QUERY_EXT_CTRL,
		VIDIOC_QUERYMENU,	VIDIOC_G_CTRL,
		VIDIOC_S_CTRL,		VIDIOC_G_EXT_CTRLS,
		VIDIOC_S_EXT_CTRLS,	VIDIOC_TRY_EXT_CTRLS,
		VIDIOC_SUBSCRIBE_EVENT, VIDIOC_UNSUBSCRIBE_EVENT,
		VIDIOC_DQEVENT,		VIDIOC_ENUMINPUT,
		VIDIOC_G_INPUT,		VIDIOC_S_INPUT,
		VIDIOC_G_PRIORITY,	VIDIOC_S_PRIORITY,
	};

	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		if (handled[i] == request)
			return true;
	return false;
}

int v4l2c_ioctl(struct v4l2c_state *st, int fd, unsigned long request, void *arg)
{
	struct v4l2c_file *file;
	struct v4l2c_device *dev;
	int ret;

	if (!arg && request != VIDIOC_LOG_STATUS)
		return handled_ioctl(request) ? -EFAULT : -ENOTTY;
	pthread_mutex_lock(&st->lock);
	file = file_of(st, fd);
	if (!file) {
		pthread_mutex_unlock(&st->lock);
		return -EBADF;
	}
	dev = file->dev;
	switch (request) {
	case VIDIOC_QUERYCAP:
		ret = querycap(st, dev, arg);
		break;
	case VIDIOC_ENUM_FMT:
		ret = enum_fmt(dev, arg);
		break;
	case VIDIOC_ENUM_FRAMESIZES:
		ret = enum_framesizes(dev, arg);
		break;
	case VIDIOC_ENUM_FRAMEINTERVALS:
		ret = enum_frameintervals(dev, arg);
		break;
	case VIDIOC_G_FMT:
	case VIDIOC_S_FMT:
	case VIDIOC_TRY_FMT:
		ret = fmt_ioctl(dev, file, request, arg);
		break;
	case VIDIOC_G_PARM:
	case VIDIOC_S_PARM:
		ret = parm_ioctl(dev, file, request, arg);
		break;
	case VIDIOC_REQBUFS:
		ret = reqbufs(st, file, arg);
		break;
	case VIDIOC_QUERYBUF:
		ret = check_buffer(file, arg, false);
		if (!ret)
			fill_buffer(st, dev, ((struct v4l2_buffer *)arg)->index, arg);
		break;
	case VIDIOC_QBUF:
		ret = qbuf(st, file, arg);
		break;
	case VIDIOC_DQBUF:
		ret = dqbuf(st, file, arg);
		break;
	case VIDIOC_EXPBUF:
		ret = expbuf(st, file, arg);
		break;
	case VIDIOC_STREAMON:
	case VIDIOC_STREAMOFF:
		ret = stream_ioctl(st, file, request, arg);
		break;
	case VIDIOC_QUERYCTRL:
		ret = queryctrl(dev, arg);
		break;
	case VIDIOC_QUERY_EXT_CTRL:
		ret = query_ext_ctrl(dev, arg);
		break;
	case VIDIOC_QUERYMENU:
		ret = querymenu(dev, arg);
		break;
	case VIDIOC_G_CTRL:
	case VIDIOC_S_CTRL:
		ret = ctrl_ioctl(st, file, request, arg);
		break;
	case VIDIOC_G_EXT_CTRLS:
	case VIDIOC_S_EXT_CTRLS:
	case VIDIOC_TRY_EXT_CTRLS:
		ret = ext_ctrls_ioctl(st, file, request, arg);
		break;
	case VIDIOC_SUBSCRIBE_EVENT:
	case VIDIOC_UNSUBSCRIBE_EVENT:
		ret = subscribe_event(st, file, request, arg);
		break;
	case VIDIOC_DQEVENT:
		ret = dqevent(st, file, arg);
		break;
	case VIDIOC_ENUMINPUT:
	case VIDIOC_G_INPUT:
	case VIDIOC_S_INPUT:
		ret = input_ioctl(file, request, arg);
		break;
	case VIDIOC_G_PRIORITY:
	case VIDIOC_S_PRIORITY:
		ret = priority_ioctl(file, request, arg);
		break;
	case VIDIOC_LOG_STATUS:
		fprintf(stderr, "pinhole-v4l2: %s: camera %s, %s, %u buffers\n", dev->path,
			dev->camera_id, dev->streaming ? "streaming" : "idle", dev->buf_count);
		ret = 0;
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	pthread_mutex_unlock(&st->lock);
	return ret;
}

/* ---- read, mmap, poll ---- */

ssize_t v4l2c_read(struct v4l2c_state *st, int fd, void *buf, size_t count)
{
	struct v4l2c_file *file;
	struct v4l2c_device *dev;
	struct v4l2c_buffer *b;
	ssize_t ret;
	size_t n;
	int index;

	pthread_mutex_lock(&st->lock);
	file = file_of(st, fd);
	if (!file) {
		pthread_mutex_unlock(&st->lock);
		return -EBADF;
	}
	dev = file->dev;
	ret = start_read_io(st, file);
	index = ret < 0 ? (int)ret : wait_done(st, file);
	if (index < 0) {
		pthread_mutex_unlock(&st->lock);
		return index;
	}
	b = &dev->bufs[index];
	if (!b->read_map) {
		void *map = st->sys.mmap(NULL, b->length, PROT_READ, MAP_SHARED, b->fd, 0);

		if (map == MAP_FAILED) {
			ret = -errno;
			pthread_mutex_unlock(&st->lock);
			return ret;
		}
		b->read_map = map;
	}
	n = b->bytesused - b->read_pos;
	if (n > count)
		n = count;
	memcpy(buf, b->read_map + b->read_pos, n);
	b->read_pos += n;
	if (b->read_pos >= b->bytesused) {
		pop_done(st, file);
		b->state = V4L2C_BUF_QUEUED;
		ret = queue_to_camera(dev, (unsigned)index);
		if (ret < 0) {
			b->state = V4L2C_BUF_DEQUEUED;
			dev->error = (int)ret;
		}
	}
	pthread_mutex_unlock(&st->lock);
	return (ssize_t)n;
}

void *v4l2c_mmap(struct v4l2c_state *st, void *addr, size_t length, int prot, int flags, int fd,
		 off_t offset, int *err)
{
	struct v4l2c_file *file;
	struct v4l2c_device *dev;
	struct v4l2c_buffer *b = NULL;
	void *map;

	pthread_mutex_lock(&st->lock);
	file = file_of(st, fd);
	dev = file ? file->dev : NULL;
	*err = EINVAL;
	if (dev && dev->io == V4L2C_IO_MMAP && (flags & MAP_SHARED) && length) {
		for (unsigned i = 0; i < dev->buf_count; i++)
			if ((size_t)offset == buffer_offset(dev, i))
				b = &dev->bufs[i];
	}
	if (!b || length > PAGE_ALIGN(b->length)) {
		pthread_mutex_unlock(&st->lock);
		return MAP_FAILED;
	}
	map = st->sys.mmap(addr, length, prot, flags, b->fd, 0);
	if (map == MAP_FAILED) {
		*err = errno;
		pthread_mutex_unlock(&st->lock);
		return MAP_FAILED;
	}
	pthread_mutex_lock(&st->map_lock);
	if (st->map_count == st->map_capacity) {
		unsigned cap = st->map_capacity ? st->map_capacity * 2 : 16;
		struct v4l2c_mapping *maps = realloc(st->maps, cap * sizeof(*maps));

		if (!maps) {
			pthread_mutex_unlock(&st->map_lock);
			st->sys.munmap(map, length);
			pthread_mutex_unlock(&st->lock);
			*err = ENOMEM;
			return MAP_FAILED;
		}
		st->maps = maps;
		st->map_capacity = cap;
	}
	st->maps[st->map_count++] = (struct v4l2c_mapping){map, length, b->serial};
	pthread_mutex_unlock(&st->map_lock);
	pthread_mutex_unlock(&st->lock);
	return map;
}

/* Called for every munmap in the process, also under st->lock: take only map_lock. */
void v4l2c_munmap(struct v4l2c_state *st, void *addr)
{
	pthread_mutex_lock(&st->map_lock);
	for (unsigned i = 0; i < st->map_count; i++) {
		if (st->maps[i].addr == addr) {
			st->maps[i] = st->maps[--st->map_count];
			break;
		}
	}
	pthread_mutex_unlock(&st->map_lock);
}

static short file_revents(struct v4l2c_state *st, struct v4l2c_file *file, short events)
{
	struct v4l2c_device *dev = file->dev;
	short r = 0;

	if ((events & POLLPRI) && file->event_count)
		r |= POLLPRI;
	if (!(events & (POLLIN | POLLRDNORM)))
		return r;
	/* Polling for input with no buffers starts read() I/O, as vb2 does. */
	if (!dev->owner && !dev->buf_count && start_read_io(st, file) < 0)
		return r | POLLERR;
	if (dev->owner != file || !dev->streaming || dev->error)
		return r | POLLERR;
	if (dev->done_count)
		return r | POLLIN | POLLRDNORM;
	if (dev->waiting_for_buffers)
		return r | POLLERR;
	return r;
}

int v4l2c_poll(struct v4l2c_state *st, struct pollfd *fds, nfds_t nfds,
	       const struct timespec *timeout, const sigset_t *sigmask)
{
	struct pollfd stack[16], *copy = nfds <= 16 ? stack : calloc(nfds, sizeof(*copy));
	struct timespec deadline, now, left;
	int total;

	if (!copy)
		return -ENOMEM;
	if (timeout) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += timeout->tv_sec;
		deadline.tv_nsec += timeout->tv_nsec;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
	}
	for (;;) {
		int ready = 0, r;

		pthread_mutex_lock(&st->lock);
		for (nfds_t i = 0; i < nfds; i++) {
			struct v4l2c_file *file = file_of(st, fds[i].fd);

			copy[i] = fds[i];
			copy[i].revents = 0;
			if (!file)
				continue;
			fds[i].revents = file_revents(st, file, fds[i].events);
			ready += fds[i].revents != 0;
			copy[i].events = POLLIN; /* the eventfd: wakes us when something changes */
		}
		pthread_mutex_unlock(&st->lock);

		left = (struct timespec){0, 0};
		if (!ready && timeout) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left.tv_sec = deadline.tv_sec - now.tv_sec;
			left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
			if (left.tv_nsec < 0) {
				left.tv_sec--;
				left.tv_nsec += 1000000000;
			}
			if (left.tv_sec < 0)
				left = (struct timespec){0, 0};
		}
		r = st->sys.ppoll(copy, nfds, (ready || timeout) ? &left : NULL, sigmask);
		if (r < 0) {
			r = -errno;
			if (copy != stack)
				free(copy);
			return r;
		}
		total = 0;
		for (nfds_t i = 0; i < nfds; i++) {
			if (!v4l2c_is_ours(st, fds[i].fd))
				fds[i].revents = copy[i].revents;
			total += fds[i].revents != 0;
		}
		if (total || ready || (timeout && left.tv_sec == 0 && left.tv_nsec == 0))
			break;
		/* An emulated fd's eventfd fired: look at its state again. */
	}
	if (copy != stack)
		free(copy);
	return total;
}
