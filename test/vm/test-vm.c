/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pinhole's checks inside the test VM (the cases of test/vm/cases/ run it): each
 * subcommand drives vivid, and vgem for dma-bufs, through the public API
 * only, prints what it sees, and exits 0 when every check holds or 1 at the
 * first that does not.
 *
 *   test-vm list [--camera SEL] --expect N [--formats YUYV,NV12,...]
 *   test-vm id [--camera SEL] [--index I]
 *   test-vm capture [--camera SEL] --format F --size WxH [--frames N] [--fps N]
 *                   [--bars] [--tolerance N] [--counter] [--dmabuf] [--vgem]
 *   test-vm raw [--camera SEL] [--raw-format F] [--size WxH] [--frames N]
 *   test-vm inject [--camera SEL] --device /dev/videoN
 *                  --error buf-error|streamon|fatal|disconnect|unbind [--platform vivid.N]
 *                  --error unplug --unplug FILE
 *   test-vm hotplug [--camera SEL] --platform vivid.N [--hotplug-source udev|kernel]
 *   test-vm ids [--camera SEL] [--expect N] [--listing libudev|sysfs]
 *               [--hotplug-source udev|kernel]
 *   test-vm bars --format F --size WxH [--colorspace C] FILE
 *   test-vm cpu-time COMMAND [ARGS...]
 *
 * SEL is a camera id or a unique part of one ("uvc:", "simple:platform:vivid-001");
 * without it the context must hold exactly one camera (the simulated one is
 * left out). list, id, ids and hotplug take the cameras matching SEL.
 * --listing and --hotplug-source check how the context found the video
 * nodes and which events it watches (from the library's debug messages).
 *
 * --tolerance is the colour bars' tolerance per component (4 by default;
 * JPEG needs more). --counter reads the frame number test/vm/uvc-gadget.c
 * draws in the top strip of its frames and checks it grows on every frame.
 * inject --error unplug writes an empty line to FILE (a USB gadget's UDC
 * attribute in configfs), which unplugs the gadget mid-stream.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <linux/dma-buf.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include <pinhole/pinhole.h>

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);                                \
			printf(__VA_ARGS__);                                                       \
			printf("\n");                                                              \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

#define MAX_BUFFERS	 16
#define EVENT_TIMEOUT_MS 10000

/* vivid's error-injection controls (drivers/media/test-drivers/vivid/vivid-ctrls.c). */
#define VIVID_CID_DISCONNECT	      0x00f0f041
#define VIVID_CID_BUF_FLAG_ERROR      0x00f0f042
#define VIVID_CID_STREAMON_ERROR      0x00f0f045
#define VIVID_CID_FATAL_STREAMING_ERR 0x00f0f046
#define VIVID_PLATFORM_DRIVER	      "/sys/bus/platform/drivers/vivid"

struct options {
	const char *camera;
	const char *formats;
	const char *device;
	const char *error;
	const char *platform;
	const char *hotplug_source; /* "udev" or "kernel": the monitor's source to expect */
	const char *listing;	    /* "libudev" or "sysfs": who must list the nodes */
	const char *unplug;
	uint32_t format;
	uint32_t raw_format;
	unsigned width, height;
	unsigned frames;
	unsigned fps;
	unsigned expect;
	unsigned index;
	unsigned tolerance;
	enum ph_colorspace colorspace;
	bool bars, counter, dmabuf, vgem;
};

struct vgem_buffer {
	int fd; /* dma-buf */
	void *map;
	size_t size;
};

struct session {
	struct ph_context *ctx;
	struct ph_camera *cam;
	struct ph_config *cfg;
	struct ph_stream *stream;
	struct ph_stream_config sc;
	struct ph_request *reqs[MAX_BUFFERS];
	bool held[MAX_BUFFERS]; /* by the application: not queued, completion seen */
	unsigned nreqs;
	struct vgem_buffer vgem[MAX_BUFFERS];
	unsigned nvgem;
	/* what the events said */
	unsigned completed, cancelled, buffer_errors;
	int camera_error, queue_error;
	bool removed;
	bool have_seq;
	uint32_t last_seq;
	unsigned skipped, repeated;
	unsigned tolerance; /* of the colour bars */
	bool have_counter;
	unsigned last_counter;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static unsigned fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	CHECK(d, "opendir /proc/self/fd: %s", strerror(errno));
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own fd */
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	n = write(fd, text, strlen(text));
	CHECK(n == (ssize_t)strlen(text), "write '%s' to %s: %s", text, path, strerror(errno));
	close(fd);
	printf("wrote %s to %s\n", text, path);
}

static void vivid_control(const char *device, uint32_t id)
{
	struct v4l2_control ctrl = {.id = id, .value = 0};
	int fd = open(device, O_RDWR | O_CLOEXEC);

	CHECK(fd >= 0, "open %s: %s", device, strerror(errno));
	CHECK(ioctl(fd, VIDIOC_S_CTRL, &ctrl) == 0, "VIDIOC_S_CTRL 0x%08x on %s: %s", id, device,
	      strerror(errno));
	close(fd);
	printf("set vivid control 0x%08x on %s\n", id, device);
}

/* ---------------------------------------------------------------- context and camera */

static struct ph_context *context_new(void)
{
	struct ph_context_params params = {
		.size = sizeof(params),
		.flags = PH_CONTEXT_NO_VIRTUAL,
	};
	struct ph_context *ctx = ph_context_new(&params);

	CHECK(ctx, "ph_context_new failed");
	return ctx;
}

/* What the library's debug messages say about how it found and watches nodes. */
struct sources {
	char hotplug[16]; /* "udev", "kernel" */
	char listing[16]; /* "libudev", "sysfs" */
};

static void source_log(struct ph_context *ctx, enum ph_log_priority priority, void *user_data,
		       const char *format, va_list args)
{
	struct sources *src = user_data;
	char msg[512];
	const char *p;

	(void)ctx;
	vsnprintf(msg, sizeof(msg), format, args);
	if (sscanf(msg, "V4L2 hotplug from %15s events", src->hotplug) == 1)
		return;
	if ((p = strstr(msg, " video nodes listed by ")))
		snprintf(src->listing, sizeof(src->listing), "%.*s", (int)strcspn(p + 23, "\n"),
			 p + 23);
	else if ((p = strstr(msg, " video nodes listed from ")))
		snprintf(src->listing, sizeof(src->listing), "%.*s", (int)strcspn(p + 25, "\n"),
			 p + 25);
	else if (priority <= PH_LOG_WARNING)
		fprintf(stderr, "pinhole: %s", msg);
}

/*
 * A context whose enumeration and hotplug source are checked against
 * --listing and --hotplug-source (read from the library's debug messages).
 */
static struct ph_context *context_new_checked(const struct options *o)
{
	struct sources src = {"none", "none"};
	struct ph_context_params params = {
		.size = sizeof(params),
		.flags = PH_CONTEXT_NO_VIRTUAL,
		.log_handler = source_log,
		.log_data = &src,
		.log_priority = PH_LOG_DEBUG,
	};
	struct ph_context *ctx = ph_context_new(&params);

	CHECK(ctx, "ph_context_new failed");
	ph_context_set_log_handler(ctx, NULL, NULL);
	ph_context_set_log_priority(ctx, PH_LOG_WARNING);
	printf("video nodes listed by %s, hotplug from %s events\n", src.listing, src.hotplug);
	CHECK(!o->listing || !strcmp(src.listing, o->listing), "nodes listed by %s, not %s",
	      src.listing, o->listing);
	CHECK(!o->hotplug_source || !strcmp(src.hotplug, o->hotplug_source),
	      "hotplug from %s events, not %s", src.hotplug, o->hotplug_source);
	return ctx;
}

static struct ph_camera *find_camera(struct ph_context *ctx, const char *sel)
{
	unsigned count = ph_context_camera_count(ctx);
	struct ph_camera *found = NULL;

	if (!sel) {
		CHECK(count == 1, "expected exactly one camera, have %u", count);
		return ph_context_camera_at(ctx, 0);
	}
	for (unsigned i = 0; i < count; i++) {
		struct ph_camera *cam = ph_context_camera_at(ctx, i);

		if (strstr(ph_camera_get_id(cam), sel)) {
			CHECK(!found, "'%s' matches both %s and %s", sel, ph_camera_get_id(found),
			      ph_camera_get_id(cam));
			found = cam;
		}
	}
	CHECK(found, "no camera matches '%s' among %u", sel, count);
	return found;
}

/* Waits for the next event, dispatching; NULL after @timeout_ms. */
static struct ph_event *next_event(struct ph_context *ctx, int timeout_ms)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	struct ph_event *ev;

	while (!(ev = ph_context_next_event(ctx))) {
		struct pollfd pfd = {ph_context_get_fd(ctx), POLLIN, 0};
		int64_t left = (int64_t)(deadline - now_ms());
		int ret;

		if (left <= 0)
			return NULL;
		poll(&pfd, 1, (int)left);
		ret = ph_context_dispatch(ctx);
		CHECK(ret == 0, "ph_context_dispatch: %s", strerror(-ret));
	}
	return ev;
}

static void session_open(struct session *s, const char *sel)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->ctx = context_new();
	s->cam = ph_camera_ref(find_camera(s->ctx, sel));
	ret = ph_camera_acquire(s->cam);
	CHECK(ret == 0, "acquire %s: %s", ph_camera_get_id(s->cam), strerror(-ret));
	printf("camera %s\n", ph_camera_get_id(s->cam));
}

static void session_configure(struct session *s, const enum ph_stream_role *roles,
			      const uint32_t *formats, unsigned count, unsigned width,
			      unsigned height)
{
	enum ph_config_status status;
	int ret;

	ph_config_free(s->cfg);
	s->cfg = ph_camera_generate_config(s->cam, roles, count);
	CHECK(s->cfg, "generate_config failed");
	for (unsigned i = 0; i < count; i++) {
		struct ph_stream_config *sc = ph_config_stream_at(s->cfg, i);

		if (formats[i])
			sc->pixel_format = formats[i];
		if (width && i == 0) {
			sc->width = width;
			sc->height = height;
		}
	}
	status = ph_config_validate(s->cfg);
	CHECK(status != PH_CONFIG_INVALID, "configuration invalid: %s",
	      ph_config_get_message(s->cfg));
	for (unsigned i = 0; i < count; i++) {
		struct ph_stream_config *sc = ph_config_stream_at(s->cfg, i);

		CHECK(!formats[i] || sc->pixel_format == formats[i],
		      "stream %u: asked for %s, validation chose %s", i, ph_format_name(formats[i]),
		      ph_format_name(sc->pixel_format));
		CHECK(!width || i || (sc->width == width && sc->height == height),
		      "asked for %ux%u, validation chose %ux%u", width, height, sc->width,
		      sc->height);
		printf("stream %u: %s %s %ux%u stride %u, %u bytes, %u buffers, colour space %s\n",
		       i, ph_stream_role_name(sc->role), ph_format_name(sc->pixel_format),
		       sc->width, sc->height, sc->stride, sc->frame_size, sc->buffer_count,
		       ph_colorspace_name(sc->colorspace));
	}
	ret = ph_camera_configure(s->cam, s->cfg);
	CHECK(ret == 0, "configure: %s", strerror(-ret));
	s->stream = ph_camera_stream_at(s->cam, 0);
	CHECK(s->stream, "no stream after configure");
	s->sc = *ph_stream_get_config(s->stream);
}

/*
 * At least 8 buffers: the VM runs under TCG on a shared host, whose stalls
 * would otherwise starve vivid's queue and count as drops.
 */
static unsigned buffers_wanted(const struct session *s)
{
	unsigned n = s->sc.buffer_count < 8 ? 8 : s->sc.buffer_count;

	return n > MAX_BUFFERS ? MAX_BUFFERS : n;
}

/* One request per buffer of every stream (buffer i of each stream in request i). */
static void session_requests(struct session *s)
{
	unsigned nstreams = ph_camera_stream_count(s->cam);

	s->nreqs = ph_stream_buffer_count(s->stream);
	CHECK(s->nreqs > 0 && s->nreqs <= MAX_BUFFERS, "%u buffers", s->nreqs);
	for (unsigned i = 0; i < s->nreqs; i++) {
		s->reqs[i] = ph_camera_create_request(s->cam, i);
		CHECK(s->reqs[i], "create_request failed");
		s->held[i] = true;
		for (unsigned k = 0; k < nstreams; k++) {
			struct ph_stream *st = ph_camera_stream_at(s->cam, k);
			int ret = ph_request_add_buffer(s->reqs[i], st, ph_stream_buffer_at(st, i));

			CHECK(ret == 0, "add_buffer: %s", strerror(-ret));
		}
	}
}

static void session_allocate(struct session *s)
{
	unsigned want = buffers_wanted(s);

	for (unsigned k = 0; k < ph_camera_stream_count(s->cam); k++) {
		int ret = ph_stream_allocate_buffers(ph_camera_stream_at(s->cam, k), want);

		CHECK(ret == (int)want, "allocate %u buffers: %d", want, ret);
	}
	session_requests(s);
}

static void session_free_requests(struct session *s)
{
	for (unsigned i = 0; i < s->nreqs; i++) {
		int ret = ph_request_free(s->reqs[i]);

		CHECK(ret == 0, "request %u still queued after stop", i);
		s->reqs[i] = NULL;
	}
	s->nreqs = 0;
}

static void session_close(struct session *s)
{
	int ret;

	session_free_requests(s);
	ph_config_free(s->cfg);
	ret = ph_camera_release(s->cam);
	CHECK(ret == 0 || s->removed, "release: %s", strerror(-ret));
	ph_camera_unref(s->cam);
	CHECK(!ph_context_unref(s->ctx), "the context outlived its last reference");
	for (unsigned i = 0; i < s->nvgem; i++) {
		munmap(s->vgem[i].map, s->vgem[i].size);
		close(s->vgem[i].fd);
	}
	memset(s, 0, sizeof(*s));
}

static int queue(struct session *s, struct ph_request *req)
{
	int ret = ph_camera_queue_request(s->cam, req);

	if (!ret)
		s->held[ph_request_get_cookie(req)] = false;
	return ret;
}

/* The request of a completion event is the application's again. */
static struct ph_request *returned_request(struct session *s, struct ph_event *ev)
{
	struct ph_request *req = ph_event_get_request(ev);
	uint64_t cookie = ph_request_get_cookie(req);

	CHECK(cookie < s->nreqs && !s->held[cookie],
	      "completion event for request %llu, which was not queued",
	      (unsigned long long)cookie);
	s->held[cookie] = true;
	return req;
}

static int start(struct session *s, unsigned fps)
{
	struct ph_control_list *ctrls = ph_control_list_new();
	int ret;

	CHECK(ctrls, "out of memory");
	if (fps) {
		int64_t d[2] = {1000000 / fps, 1000000 / fps};

		CHECK(ph_camera_find_control(s->cam, PH_CONTROL_FRAME_DURATION_LIMITS),
		      "the camera has no FrameDurationLimits control");
		CHECK(ph_control_list_set_int64_array(ctrls, PH_CONTROL_FRAME_DURATION_LIMITS, d,
						      2) == 0,
		      "set FrameDurationLimits");
	}
	ret = ph_camera_start(s->cam, ctrls);
	ph_control_list_free(ctrls);
	return ret;
}

/* ---------------------------------------------------------------- dma-bufs */

/* The exporter's name of a dma-buf fd ("vb2_vmalloc", "vgem"...), or NULL if not a dma-buf. */
static const char *dmabuf_exporter(int fd, char *name, size_t size)
{
	char path[64], line[256];
	const char *found = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	CHECK(f, "open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "exp_name:", 9)) {
			snprintf(name, size, "%s", line + 9 + strspn(line + 9, " \t"));
			name[strcspn(name, "\n")] = '\0';
			found = name;
		}
	}
	fclose(f);
	return found;
}

static void check_dmabufs(struct session *s)
{
	for (unsigned k = 0; k < ph_camera_stream_count(s->cam); k++) {
		struct ph_stream *st = ph_camera_stream_at(s->cam, k);

		for (unsigned b = 0; b < ph_stream_buffer_count(st); b++) {
			struct ph_buffer *buf = ph_stream_buffer_at(st, b);

			for (unsigned p = 0; p < ph_buffer_plane_count(buf); p++) {
				const struct ph_plane *pl = ph_buffer_plane_at(buf, p);
				char name[128];

				CHECK(dmabuf_exporter(pl->fd, name, sizeof(name)),
				      "stream %u buffer %u plane %u: fd %d is not a dma-buf", k, b,
				      p, pl->fd);
				if (!b && !p)
					printf("stream %u: buffers are dma-bufs exported by %s\n",
					       k, name);
			}
		}
	}
}

static int vgem_open(void)
{
	for (unsigned i = 0; i < 8; i++) {
		char path[32];
		drmVersionPtr v;
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%u", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		if (v && !strcmp(v->name, "vgem")) {
			drmFreeVersion(v);
			printf("vgem is %s\n", path);
			return fd;
		}
		drmFreeVersion(v);
		close(fd);
	}
	CHECK(0, "no vgem device in /dev/dri");
	return -1;
}

/* Dumb buffers from vgem, exported as dma-bufs, filled with 0x5a, imported into the stream. */
static void session_import_vgem(struct session *s)
{
	const struct ph_format_info *info = ph_format_get_info(s->sc.pixel_format);
	unsigned want = buffers_wanted(s);
	int card = vgem_open();

	CHECK(info && info->planes == 1, "vgem import is tested with one-plane formats");
	for (unsigned i = 0; i < want; i++) {
		struct drm_mode_create_dumb create = {
			.width = 1024, .bpp = 32, .height = (s->sc.frame_size + 4095) / 4096};
		struct drm_gem_close gem_close = {0};
		struct vgem_buffer *vb = &s->vgem[s->nvgem];
		struct ph_plane plane;
		int ret;

		ret = drmIoctl(card, DRM_IOCTL_MODE_CREATE_DUMB, &create);
		CHECK(ret == 0, "vgem DRM_IOCTL_MODE_CREATE_DUMB: %s", strerror(errno));
		ret = drmPrimeHandleToFD(card, create.handle, DRM_CLOEXEC | DRM_RDWR, &vb->fd);
		CHECK(ret == 0, "vgem PRIME export: %s", strerror(errno));
		gem_close.handle = create.handle; /* the dma-buf keeps the object */
		drmIoctl(card, DRM_IOCTL_GEM_CLOSE, &gem_close);
		vb->size = create.size;
		vb->map = mmap(NULL, vb->size, PROT_READ | PROT_WRITE, MAP_SHARED, vb->fd, 0);
		CHECK(vb->map != MAP_FAILED, "mmap vgem dma-buf: %s", strerror(errno));
		memset(vb->map, 0x5a, vb->size);
		s->nvgem++;

		plane = (struct ph_plane){.fd = vb->fd,
					  .offset = 0,
					  .length = s->sc.frame_size,
					  .stride = s->sc.stride};
		CHECK(ph_stream_import_buffer(s->stream, &plane, 1), "import vgem buffer %u", i);
	}
	close(card);
	printf("imported %u vgem buffers of %zu bytes\n", want, s->vgem[0].size);
	session_requests(s);
}

/* ---------------------------------------------------------------- vivid's colour bars */

/*
 * vivid's default pattern is 75% colour bars, eight vertical bars of equal
 * width: white, yellow, cyan, green, magenta, red, blue, black, in R'G'B'
 * 191 (75% of 255) or 0. On-screen text covers the top-left corner, so
 * rows are sampled in the lower part of the frame.
 */
static const unsigned char bar_rgb[8][3] = {
	{1, 1, 1}, {1, 1, 0}, {0, 1, 1}, {0, 1, 0}, {1, 0, 1}, {1, 0, 0}, {0, 0, 1}, {0, 0, 0},
};
#define BAR_LEVEL 191
#define TOLERANCE 4 /* the generator rounds through its own tables */

/* Y'CbCr of bar @i in the stream's colour space (BT.601 or BT.709, full or limited range). */
static void bar_ycbcr(enum ph_colorspace cs, unsigned i, int out[3])
{
	double kr = cs == PH_COLORSPACE_REC709 ? 0.2126 : 0.299;
	double kb = cs == PH_COLORSPACE_REC709 ? 0.0722 : 0.114;
	double r = bar_rgb[i][0] * BAR_LEVEL / 255.0, g = bar_rgb[i][1] * BAR_LEVEL / 255.0;
	double b = bar_rgb[i][2] * BAR_LEVEL / 255.0;
	double y = kr * r + (1 - kr - kb) * g + kb * b;
	double cb = (b - y) / (2 * (1 - kb)), cr = (r - y) / (2 * (1 - kr));
	bool full = cs == PH_COLORSPACE_JPEG;

	out[0] = (int)((full ? 255 * y : 16 + 219 * y) + 0.5);
	out[1] = (int)(128 + (full ? 255 : 224) * cb + 0.5);
	out[2] = (int)(128 + (full ? 255 : 224) * cr + 0.5);
}

/* Reads the pixel at (x, y) as R'G'B' (RGB formats) or Y'CbCr. */
static void read_pixel(const struct ph_stream_config *sc, const uint8_t *p0, const uint8_t *p1,
		       unsigned stride, unsigned x, unsigned y, int out[3])
{
	const uint8_t *line = p0 + (size_t)y * stride;

	switch (sc->pixel_format) {
	case PH_FORMAT_RGB888:
		out[0] = line[3 * x], out[1] = line[3 * x + 1], out[2] = line[3 * x + 2];
		break;
	case PH_FORMAT_BGR888:
		out[0] = line[3 * x + 2], out[1] = line[3 * x + 1], out[2] = line[3 * x];
		break;
	case PH_FORMAT_YUYV:
		out[0] = line[2 * x];
		out[1] = line[4 * (x / 2) + 1];
		out[2] = line[4 * (x / 2) + 3];
		break;
	case PH_FORMAT_NV12: {
		const uint8_t *uv = p1 + (size_t)(y / 2) * stride;

		out[0] = line[x];
		out[1] = uv[x & ~1u];
		out[2] = uv[(x & ~1u) + 1];
		break;
	}
	default:
		CHECK(0, "no colour-bar reader for %s", ph_format_name(sc->pixel_format));
	}
}

static bool is_rgb(uint32_t format)
{
	return format == PH_FORMAT_RGB888 || format == PH_FORMAT_BGR888;
}

/* Checks the bars of a frame at @p0 (and the chroma plane at @p1); @return mismatches. */
static unsigned check_bars_at(const struct ph_stream_config *sc, const uint8_t *p0,
			      const uint8_t *p1, unsigned stride, uint32_t seq, unsigned tolerance)
{
	unsigned bad = 0;

	for (unsigned row = 0; row < 7; row++) {
		unsigned y = sc->height * 6 / 10 + row * sc->height / 20;

		for (unsigned i = 0; i < 8; i++) {
			int want[3], got[3];

			if (is_rgb(sc->pixel_format))
				for (unsigned c = 0; c < 3; c++)
					want[c] = bar_rgb[i][c] * BAR_LEVEL;
			else
				bar_ycbcr(sc->colorspace, i, want);
			for (int dx = -1; dx <= 1; dx++) {
				unsigned x = (2 * i + 1) * sc->width / 16 + dx * (sc->width / 64);

				read_pixel(sc, p0, p1, stride, x, y, got);
				for (unsigned c = 0; c < 3; c++) {
					if (abs(got[c] - want[c]) <= (int)tolerance)
						continue;
					if (bad++ < 5)
						printf("frame %u bar %u (%u,%u) component %u: %d, "
						       "expected %d\n",
						       seq, i, x, y, c, got[c], want[c]);
				}
			}
		}
	}
	return bad;
}

static void check_bars(struct session *s, struct ph_buffer *buf)
{
	const struct ph_plane *pl0 = ph_buffer_plane_at(buf, 0);
	const uint8_t *p0 = ph_buffer_map(buf, 0), *p1 = NULL;
	uint32_t seq = ph_buffer_get_sequence(buf);

	CHECK(p0, "map plane 0 of frame %u", seq);
	if (s->sc.pixel_format == PH_FORMAT_NV12)
		p1 = ph_buffer_plane_count(buf) > 1 ? ph_buffer_map(buf, 1)
						    : p0 + (size_t)pl0->stride * s->sc.height;
	CHECK(!check_bars_at(&s->sc, p0, p1, pl0->stride, seq, s->tolerance),
	      "frame %u does not show vivid's colour bars", seq);
}

/*
 * The frame number uvc-gadget drew: 16 blocks across the top tenth of the
 * frame, white for 1, black for 0, most significant first.
 */
static unsigned read_counter(struct session *s, struct ph_buffer *buf)
{
	const struct ph_plane *pl0 = ph_buffer_plane_at(buf, 0);
	const uint8_t *p0 = ph_buffer_map(buf, 0), *p1 = p0;
	unsigned n = 0;

	CHECK(p0, "map plane 0");
	if (s->sc.pixel_format == PH_FORMAT_NV12)
		p1 = ph_buffer_plane_count(buf) > 1 ? ph_buffer_map(buf, 1)
						    : p0 + (size_t)pl0->stride * s->sc.height;
	for (unsigned bit = 0; bit < 16; bit++) {
		int px[3];

		read_pixel(&s->sc, p0, p1, pl0->stride, (2 * bit + 1) * s->sc.width / 32,
			   s->sc.height / 20, px);
		/* Y' or G': white is above 128 in every range, black below */
		n = n << 1 | (unsigned)(px[is_rgb(s->sc.pixel_format) ? 1 : 0] > 128);
	}
	return n;
}

/* The same through the test's own mapping of the vgem buffer the frame landed in. */
static void check_bars_vgem(struct session *s, struct ph_buffer *buf)
{
	const struct ph_plane *pl = ph_buffer_plane_at(buf, 0);
	struct dma_buf_sync sync = {.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ};
	uint32_t seq = ph_buffer_get_sequence(buf);
	struct vgem_buffer *vb = NULL;
	struct stat a, b;
	unsigned bad;

	CHECK(fstat(pl->fd, &a) == 0, "fstat");
	for (unsigned i = 0; i < s->nvgem && !vb; i++)
		if (fstat(s->vgem[i].fd, &b) == 0 && a.st_ino == b.st_ino)
			vb = &s->vgem[i];
	CHECK(vb, "frame %u completed in a buffer that is none of the imported vgem buffers", seq);
	CHECK(ioctl(vb->fd, DMA_BUF_IOCTL_SYNC, &sync) == 0, "DMA_BUF_IOCTL_SYNC");
	bad = check_bars_at(&s->sc, vb->map, NULL, s->sc.stride, seq, s->tolerance);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	ioctl(vb->fd, DMA_BUF_IOCTL_SYNC, &sync);
	CHECK(!bad, "vgem buffer of frame %u does not hold vivid's colour bars", seq);
}

/* ---------------------------------------------------------------- capture loop */

typedef void (*frame_fn)(struct session *s, struct ph_request *req, unsigned n, void *data);

/*
 * Queues every request not in flight, then handles events until @frames
 * requests completed successfully, requeueing each until then, as an
 * application keeps the pipeline fed; returns early on a camera error, a
 * removal or a failed queue. @return the frames completed successfully.
 */
static unsigned run(struct session *s, unsigned frames, frame_fn fn, void *data)
{
	unsigned good = 0;

	for (unsigned i = 0; i < s->nreqs; i++) {
		if (!s->held[i]) /* queued, or its completion event not handled yet */
			continue;
		ph_request_reuse(s->reqs[i], PH_REQUEST_REUSE_BUFFERS);
		s->queue_error = queue(s, s->reqs[i]);
		if (s->queue_error) {
			printf("queue: %s\n", strerror(-s->queue_error));
			return 0;
		}
	}
	while (good < frames) {
		struct ph_event *ev = next_event(s->ctx, EVENT_TIMEOUT_MS);
		struct ph_request *req;

		CHECK(ev, "no event for %d ms after %u frames", EVENT_TIMEOUT_MS, good);
		switch (ph_event_get_type(ev)) {
		case PH_EVENT_REQUEST_COMPLETED:
			req = returned_request(s, ev);
			if (ph_request_get_status(req) == PH_REQUEST_CANCELLED) {
				s->cancelled++;
				break;
			}
			CHECK(ph_request_get_status(req) == PH_REQUEST_COMPLETE,
			      "completion event for request %llu in state %d",
			      (unsigned long long)ph_request_get_cookie(req),
			      ph_request_get_status(req));
			s->completed++;
			if (fn)
				fn(s, req, good, data);
			if (ph_buffer_get_status(ph_request_find_buffer(req, s->stream)) ==
			    PH_BUFFER_SUCCESS)
				good++;
			if (good < frames) {
				CHECK(ph_request_reuse(req, PH_REQUEST_REUSE_BUFFERS) == 0,
				      "reuse");
				s->queue_error = queue(s, req);
				if (s->queue_error) {
					printf("requeue after %u frames: %s\n", good,
					       strerror(-s->queue_error));
					ph_event_free(ev);
					return good;
				}
			}
			break;
		case PH_EVENT_CAMERA_ERROR:
			s->camera_error = ph_event_get_error(ev);
			printf("camera error: %s (%s)\n", strerror(-s->camera_error),
			       ph_event_get_message(ev));
			ph_event_free(ev);
			return good;
		case PH_EVENT_CAMERA_REMOVED:
			s->removed |= ph_event_get_camera(ev) == s->cam;
			printf("camera removed: %s\n", ph_event_get_message(ev));
			ph_event_free(ev);
			return good;
		default:
			break;
		}
		ph_event_free(ev);
	}
	return good;
}

/*
 * Stops and collects what completes meanwhile; after a camera error the
 * camera has stopped itself already.
 */
static void stop(struct session *s)
{
	int ret = ph_camera_stop(s->cam);
	struct ph_event *ev;

	CHECK(ret == 0 || (s->camera_error && ret == -EINVAL), "stop: %s", strerror(-ret));
	while ((ev = ph_context_next_event(s->ctx))) {
		if (ph_event_get_type(ev) == PH_EVENT_REQUEST_COMPLETED &&
		    ph_request_get_status(returned_request(s, ev)) == PH_REQUEST_CANCELLED)
			s->cancelled++;
		ph_event_free(ev);
	}
	for (unsigned i = 0; i < s->nreqs; i++) {
		CHECK(ph_request_get_status(s->reqs[i]) != PH_REQUEST_PENDING,
		      "request %u still pending after stop", i);
		ph_request_reuse(s->reqs[i], PH_REQUEST_REUSE_BUFFERS);
	}
}

struct capture_check {
	const struct options *o;
	unsigned checked;
};

static void capture_frame(struct session *s, struct ph_request *req, unsigned n, void *data)
{
	struct capture_check *cc = data;
	struct ph_buffer *buf = ph_request_find_buffer(req, s->stream);
	uint32_t seq = ph_buffer_get_sequence(buf);

	CHECK(ph_buffer_get_status(buf) == PH_BUFFER_SUCCESS, "frame %u: buffer status %d", seq,
	      ph_buffer_get_status(buf));
	CHECK(ph_buffer_get_bytes_used(buf, 0) > 0, "frame %u: no bytes", seq);
	/*
	 * A number never seen is a dropped frame. vivid numbers frames by
	 * its own clock rounded to the nearest period: a tick that runs late
	 * skips a number, one that runs early repeats the last, and the two
	 * cancel out.
	 */
	if (s->have_seq) {
		CHECK(seq >= s->last_seq, "sequence %u after %u", seq, s->last_seq);
		if (seq != s->last_seq + 1)
			printf("sequence %u after %u\n", seq, s->last_seq);
		if (seq > s->last_seq + 1)
			s->skipped += seq - s->last_seq - 1;
		s->repeated += seq == s->last_seq;
	}
	if (!s->have_seq)
		for (unsigned p = 0; p < ph_buffer_plane_count(buf); p++) {
			const struct ph_plane *pl = ph_buffer_plane_at(buf, p);

			printf("plane %u: offset %u, length %u, stride %u, %u bytes used\n", p,
			       pl->offset, pl->length, pl->stride,
			       ph_buffer_get_bytes_used(buf, p));
		}
	s->have_seq = true;
	s->last_seq = seq;
	if (cc->o->counter) {
		unsigned counter = read_counter(s, buf);

		CHECK(!s->have_counter || counter > s->last_counter,
		      "frame %u: frame number %u after %u", seq, counter, s->last_counter);
		if (n == 0 || n + 1 == cc->o->frames)
			printf("frame %u: the gadget's frame number %u\n", seq, counter);
		s->have_counter = true;
		s->last_counter = counter;
	}
	if (cc->o->bars && (n % 20 == 0 || n + 1 == cc->o->frames)) {
		check_bars(s, buf);
		if (cc->o->vgem)
			check_bars_vgem(s, buf);
		cc->checked++;
	}
}

static int cmd_capture(const struct options *o)
{
	struct capture_check cc = {.o = o};
	unsigned fds = fd_count(), good, dropped;
	enum ph_stream_role role = PH_ROLE_VIDEO;
	uint64_t t0;
	struct session s;
	int ret;

	session_open(&s, o->camera);
	s.tolerance = o->tolerance;
	session_configure(&s, &role, &o->format, 1, o->width, o->height);
	if (o->vgem)
		session_import_vgem(&s);
	else
		session_allocate(&s);
	if (o->dmabuf)
		check_dmabufs(&s);
	t0 = now_ms();
	ret = start(&s, o->fps);
	CHECK(ret == 0, "start: %s", strerror(-ret));
	good = run(&s, o->frames, capture_frame, &cc);
	stop(&s);
	dropped = s.skipped > s.repeated ? s.skipped - s.repeated : 0;
	printf("%u frames in %.2f s, last sequence %u, %u numbers skipped, %u repeated, colour "
	       "bars checked in %u\n",
	       good, (double)(now_ms() - t0) / 1000.0, s.last_seq, s.skipped, s.repeated,
	       cc.checked);
	CHECK(good == o->frames && !s.camera_error && !s.queue_error && !s.removed,
	      "capture ended early");
	/*
	 * A stall of the emulated machine longer than half a period makes
	 * vivid's thread miss a tick although buffers are queued: one such
	 * frame in 100 is let through (a pipeline that loses or starves
	 * frames loses more).
	 */
	CHECK(dropped <= good / 100, "%u frames dropped (numbers never seen, net of repeats)",
	      dropped);
	session_close(&s);
	CHECK(fd_count() == fds, "%u fds open before, %u after", fds, fd_count());
	return 0;
}

/* ---------------------------------------------------------------- raw sensor */

struct raw_check {
	unsigned n;
	float first_exposure_gain, last_exposure_gain;
	float first_gains[2], last_gains[2];
	struct ph_stream *rgb;
};

/* @value lies in control @id's range (true when the camera has no such control). */
static bool in_range(const struct ph_camera *cam, uint32_t id, float value)
{
	const struct ph_control_info *info = ph_camera_find_control(cam, id);

	if (!info)
		return true;
	if (info->min.type == PH_CONTROL_TYPE_FLOAT)
		return value >= info->min.f[0] && value <= info->max.f[0];
	return value >= (float)info->min.i32[0] && value <= (float)info->max.i32[0];
}

static void raw_frame(struct session *s, struct ph_request *req, unsigned n, void *data)
{
	struct raw_check *rc = data;
	const struct ph_control_list *md = ph_request_get_metadata(req);
	struct ph_control_value gains;
	int32_t exposure;
	float again;

	CHECK(ph_control_list_get_int32(md, PH_CONTROL_EXPOSURE_TIME, &exposure) == 0,
	      "frame %u: no ExposureTime in the metadata", n);
	CHECK(ph_control_list_get_float(md, PH_CONTROL_ANALOGUE_GAIN, &again) == 0,
	      "frame %u: no AnalogueGain in the metadata", n);
	CHECK(ph_control_list_get(md, PH_CONTROL_COLOUR_GAINS, &gains) == 0 && gains.count == 2,
	      "frame %u: no ColourGains in the metadata", n);
	/* What the frame was taken and processed with: values the camera allows. */
	CHECK(gains.f[0] > 0 && gains.f[1] > 0, "frame %u: ColourGains %g,%g", n, gains.f[0],
	      gains.f[1]);
	CHECK(in_range(s->cam, PH_CONTROL_ANALOGUE_GAIN, again),
	      "frame %u: AnalogueGain %g outside the control's range", n, again);
	CHECK(in_range(s->cam, PH_CONTROL_EXPOSURE_TIME, (float)exposure),
	      "frame %u: ExposureTime %d outside the control's range", n, exposure);
	if (!n) {
		rc->first_exposure_gain = (float)exposure * again;
		memcpy(rc->first_gains, gains.f, sizeof(rc->first_gains));
	}
	rc->last_exposure_gain = (float)exposure * again;
	memcpy(rc->last_gains, gains.f, sizeof(rc->last_gains));
	if (n % 10 == 0)
		printf("frame %u: ExposureTime %d us, AnalogueGain %.2f, ColourGains %.3f,%.3f\n",
		       n, exposure, again, gains.f[0], gains.f[1]);
	rc->n = n + 1;
}

/* The processed picture still shows the bars: each primary dominates its own bar. */
static void check_rgb_bars(struct session *s, struct ph_buffer *buf)
{
	const struct ph_stream_config *sc = ph_stream_get_config(ph_buffer_get_stream(buf));
	const uint8_t *p = ph_buffer_map(buf, 0);
	unsigned stride = ph_buffer_plane_at(buf, 0)->stride;
	unsigned y = sc->height * 3 / 4;
	int white[3], black[3];

	CHECK(p && sc->pixel_format == PH_FORMAT_RGB888, "RGB888 output expected");
	for (unsigned i = 0; i < 8; i++) {
		const uint8_t *px = p + (size_t)y * stride + 3 * ((2 * i + 1) * sc->width / 16);
		int v[3] = {px[0], px[1], px[2]};

		printf("bar %u: %3d %3d %3d\n", i, v[0], v[1], v[2]);
		if (i == 0)
			memcpy(white, v, sizeof(white));
		if (i == 7)
			memcpy(black, v, sizeof(black));
		for (unsigned c = 0; c < 3; c++)
			for (unsigned d = 0; d < 3; d++)
				if (bar_rgb[i][c] && !bar_rgb[i][d])
					CHECK(v[c] > v[d] + 40,
					      "bar %u: component %u (%d) does not dominate %u (%d)",
					      i, c, v[c], d, v[d]);
	}
	for (unsigned c = 0; c < 3; c++)
		CHECK(white[c] > black[c] + 100, "white bar %d not above black %d", white[c],
		      black[c]);
	CHECK(abs(white[0] - white[1]) < 40 && abs(white[2] - white[1]) < 40,
	      "white bar is not neutral after AWB: %d %d %d", white[0], white[1], white[2]);
}

static int cmd_raw(const struct options *o)
{
	enum ph_stream_role roles[2] = {PH_ROLE_VIEWFINDER, PH_ROLE_RAW};
	uint32_t formats[2] = {PH_FORMAT_RGB888, o->raw_format};
	struct raw_check rc = {0};
	unsigned fds = fd_count(), good;
	struct session s;
	int ret;

	session_open(&s, o->camera);
	session_configure(&s, roles, formats, o->raw_format ? 2 : 1, o->width, o->height);
	CHECK(ph_camera_find_control(s.cam, PH_CONTROL_AE_ENABLE) &&
		      ph_camera_find_control(s.cam, PH_CONTROL_AWB_ENABLE),
	      "the camera has no AeEnable/AwbEnable: no IPA in the loop");
	session_allocate(&s);
	ret = start(&s, o->fps);
	CHECK(ret == 0, "start: %s", strerror(-ret));
	good = run(&s, o->frames, raw_frame, &rc);
	CHECK(good == o->frames, "only %u of %u frames", good, o->frames);
	check_rgb_bars(&s, ph_request_find_buffer(s.reqs[0], s.stream));
	stop(&s);
	printf("exposure x gain %.0f -> %.0f, colour gains %.3f,%.3f -> %.3f,%.3f\n",
	       rc.first_exposure_gain, rc.last_exposure_gain, rc.first_gains[0], rc.first_gains[1],
	       rc.last_gains[0], rc.last_gains[1]);
	CHECK(rc.first_exposure_gain != rc.last_exposure_gain ||
		      rc.first_gains[0] != rc.last_gains[0] ||
		      rc.first_gains[1] != rc.last_gains[1],
	      "AE and AWB never changed exposure, gain or colour gains over %u frames", rc.n);
	session_close(&s);
	CHECK(fd_count() == fds, "%u fds open before, %u after", fds, fd_count());
	return 0;
}

/* ---------------------------------------------------------------- errors */

/* After the camera went away: every call fails cleanly, nothing is pending. */
static void check_gone(struct session *s)
{
	int ret;

	CHECK(ph_camera_is_removed(s->cam), "ph_camera_is_removed() is false");
	for (unsigned i = 0; i < s->nreqs; i++) {
		CHECK(ph_request_get_status(s->reqs[i]) != PH_REQUEST_PENDING,
		      "request %u still pending after the removal", i);
	}
	ph_request_reuse(s->reqs[0], PH_REQUEST_REUSE_BUFFERS);
	ret = queue(s, s->reqs[0]);
	CHECK(ret < 0, "queueing on a removed camera returned %d", ret);
	printf("queue after removal: %s\n", strerror(-ret));
	ret = start(s, 0);
	CHECK(ret < 0, "starting a removed camera returned %d", ret);
	printf("start after removal: %s\n", strerror(-ret));
	ret = ph_camera_stop(s->cam);
	printf("stop after removal: %d\n", ret);
	CHECK(!ph_camera_generate_config(s->cam, (enum ph_stream_role[]){PH_ROLE_VIDEO}, 1) ||
		      ph_camera_configure(s->cam, s->cfg) < 0,
	      "configuring a removed camera succeeded");
}

static void wait_removed(struct session *s)
{
	uint64_t deadline = now_ms() + EVENT_TIMEOUT_MS;

	while (!s->removed) {
		struct ph_event *ev = next_event(s->ctx, (int)(deadline - now_ms()));

		CHECK(ev, "no camera-removed event within %d ms", EVENT_TIMEOUT_MS);
		if (ph_event_get_type(ev) == PH_EVENT_CAMERA_REMOVED &&
		    ph_event_get_camera(ev) == s->cam)
			s->removed = true;
		else if (ph_event_get_type(ev) == PH_EVENT_REQUEST_COMPLETED &&
			 ph_request_get_status(returned_request(s, ev)) == PH_REQUEST_CANCELLED)
			s->cancelled++;
		ph_event_free(ev);
	}
}

static int cmd_inject(const struct options *o)
{
	enum ph_stream_role role = PH_ROLE_VIDEO;
	const char *e = o->error;
	unsigned fds = fd_count(), good;
	struct session s;
	int ret;

	CHECK(o->device, "--device is required");
	session_open(&s, o->camera);
	session_configure(&s, &role, (uint32_t[]){PH_FORMAT_YUYV}, 1, 640, 480);
	session_allocate(&s);

	if (!strcmp(e, "streamon")) {
		/*
		 * The next VIDIOC_STREAMON (or vb2's start once buffers are
		 * queued) fails: start, a queue or an error event reports it.
		 */
		int queue_err = 0;

		vivid_control(o->device, VIVID_CID_STREAMON_ERROR);
		ret = start(&s, 30);
		for (unsigned i = 0; ret == 0 && i < s.nreqs && !queue_err; i++)
			queue_err = queue(&s, s.reqs[i]);
		if (ret == 0 && !queue_err)
			run(&s, 10, NULL, NULL);
		printf("failing STREAMON: start %s, queue %s, camera error %s\n", strerror(-ret),
		       strerror(-queue_err), strerror(-s.camera_error));
		CHECK(ret < 0 || queue_err < 0 || s.camera_error < 0,
		      "the STREAMON error went unreported");
		if (ret == 0) {
			s.camera_error = s.camera_error ? s.camera_error : queue_err;
			stop(&s);
		}
		for (unsigned i = 0; i < s.nreqs; i++) {
			CHECK(ph_request_get_status(s.reqs[i]) != PH_REQUEST_PENDING,
			      "request %u pending after the failed start", i);
			ph_request_reuse(s.reqs[i], PH_REQUEST_REUSE_BUFFERS);
		}
	} else {
		ret = start(&s, 30);
		CHECK(ret == 0, "start: %s", strerror(-ret));
		good = run(&s, 10, NULL, NULL);
		CHECK(good == 10, "only %u frames before the injection", good);
		if (!strcmp(e, "buf-error")) {
			unsigned before = s.completed;

			vivid_control(o->device, VIVID_CID_BUF_FLAG_ERROR);
			good = run(&s, 20, NULL, NULL);
			s.buffer_errors = s.completed - before - good;
			printf("after V4L2_BUF_FLAG_ERROR: %u good frames, %u bad ones\n", good,
			       s.buffer_errors);
			CHECK(good == 20 && !s.camera_error && !s.queue_error,
			      "capture did not go on");
			CHECK(s.buffer_errors >= 1, "no frame was reported as failed");
			stop(&s);
		} else if (!strcmp(e, "fatal")) {
			/* vb2 fails every later QBUF and DQBUF with EIO. */
			vivid_control(o->device, VIVID_CID_FATAL_STREAMING_ERR);
			run(&s, 1000, NULL, NULL);
			while (!s.camera_error) {
				/* A queue may fail first; the camera error event follows. */
				struct ph_event *ev = next_event(s.ctx, EVENT_TIMEOUT_MS);

				CHECK(ev, "no camera error event after a fatal streaming error");
				if (ph_event_get_type(ev) == PH_EVENT_CAMERA_ERROR)
					s.camera_error = ph_event_get_error(ev);
				ph_event_free(ev);
			}
			printf("fatal streaming error: camera error %s, queue %s\n",
			       strerror(-s.camera_error), strerror(-s.queue_error));
			CHECK(s.camera_error < 0, "camera error %d", s.camera_error);
			stop(&s);
		} else if (!strcmp(e, "disconnect") || !strcmp(e, "unbind") ||
			   !strcmp(e, "unplug")) {
			char unbind[256];

			if (!strcmp(e, "disconnect")) {
				vivid_control(o->device, VIVID_CID_DISCONNECT);
			} else if (!strcmp(e, "unplug")) {
				CHECK(o->unplug, "--unplug is required");
				write_file(o->unplug, "\n");
			} else {
				CHECK(o->platform, "--platform is required");
				snprintf(unbind, sizeof(unbind), "%s/unbind",
					 VIVID_PLATFORM_DRIVER);
				write_file(unbind, o->platform);
			}
			wait_removed(&s);
			printf("removed; %u requests were cancelled\n", s.cancelled);
			check_gone(&s);
		} else {
			CHECK(0, "unknown --error %s", e);
		}
	}

	if (!s.removed) {
		/* The camera still works. */
		s.camera_error = s.queue_error = 0;
		ret = start(&s, 30);
		CHECK(ret == 0, "restart after the error: %s", strerror(-ret));
		good = run(&s, 10, NULL, NULL);
		CHECK(good == 10, "only %u frames after the error", good);
		stop(&s);
		printf("captured %u frames after the error\n", good);
	}
	session_close(&s);
	CHECK(fd_count() == fds, "%u fds open before, %u after", fds, fd_count());
	return 0;
}

/* ---------------------------------------------------------------- hotplug */

/* Collects camera events of @type for up to @ms after the first; @return how many. */
static unsigned wait_camera_events(struct ph_context *ctx, enum ph_event_type type, int ms,
				   const char *sel, struct ph_camera **last)
{
	unsigned n = 0;
	struct ph_event *ev;

	while ((ev = next_event(ctx, n ? ms : EVENT_TIMEOUT_MS))) {
		if (ph_event_get_type(ev) == type) {
			n++;
			if (last &&
			    (!sel || strstr(ph_camera_get_id(ph_event_get_camera(ev)), sel))) {
				ph_camera_unref(*last);
				*last = ph_camera_ref(ph_event_get_camera(ev));
			}
			printf("event: %s\n", ph_event_get_message(ev));
		}
		ph_event_free(ev);
	}
	return n;
}

static int cmd_hotplug(const struct options *o)
{
	char path[256];
	struct ph_camera *added = NULL;
	unsigned fds = fd_count(), n0, removed, n_added, good;
	struct ph_context *ctx = context_new_checked(o);
	struct ph_event *ev;
	struct session s;

	CHECK(o->platform, "--platform is required");
	while ((ev = ph_context_next_event(ctx))) /* the cameras found at creation */
		ph_event_free(ev);
	n0 = ph_context_camera_count(ctx);
	printf("%u cameras\n", n0);
	CHECK(n0 >= 1, "no camera");

	snprintf(path, sizeof(path), "%s/unbind", VIVID_PLATFORM_DRIVER);
	write_file(path, o->platform);
	removed = wait_camera_events(ctx, PH_EVENT_CAMERA_REMOVED, 1000, NULL, NULL);
	CHECK(removed >= 1, "no camera-removed event after unbinding %s", o->platform);
	CHECK(ph_context_camera_count(ctx) == n0 - removed, "%u cameras after %u removals",
	      ph_context_camera_count(ctx), removed);

	snprintf(path, sizeof(path), "%s/bind", VIVID_PLATFORM_DRIVER);
	write_file(path, o->platform);
	n_added = wait_camera_events(ctx, PH_EVENT_CAMERA_ADDED, 1000, o->camera, &added);
	CHECK(n_added == removed, "%u cameras added back, %u were removed", n_added, removed);
	CHECK(ph_context_camera_count(ctx) == n0, "%u cameras after the re-bind, %u before",
	      ph_context_camera_count(ctx), n0);
	CHECK(added, "no camera matching '%s' came back", o->camera ? o->camera : "");

	/* The camera that came back captures. */
	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	s.cam = added;
	CHECK(ph_camera_acquire(s.cam) == 0, "acquire %s", ph_camera_get_id(s.cam));
	session_configure(&s, (enum ph_stream_role[]){PH_ROLE_VIDEO}, (uint32_t[]){PH_FORMAT_YUYV},
			  1, 640, 480);
	session_allocate(&s);
	CHECK(start(&s, 30) == 0, "start after the re-bind");
	good = run(&s, 10, NULL, NULL);
	CHECK(good == 10, "only %u frames after the re-bind", good);
	stop(&s);
	printf("%s captured %u frames after the re-bind\n", ph_camera_get_id(s.cam), good);
	session_close(&s);
	CHECK(fd_count() == fds, "%u fds open before, %u after", fds, fd_count());
	return 0;
}

/* ---------------------------------------------------------------- listing */

static int cmd_list(const struct options *o)
{
	unsigned fds = fd_count(), matched = 0;
	struct ph_context *ctx = context_new();
	unsigned count = ph_context_camera_count(ctx);

	for (unsigned i = 0; i < count; i++) {
		struct ph_camera *cam = ph_context_camera_at(ctx, i);
		const struct ph_control_list *props = ph_camera_get_properties(cam);
		const char *model = ph_control_list_get_string(props, PH_PROPERTY_MODEL);
		enum ph_stream_role role = PH_ROLE_VIDEO;
		struct ph_config *cfg;
		unsigned nfmt;

		if (o->camera && !strstr(ph_camera_get_id(cam), o->camera))
			continue;
		matched++;
		printf("camera %u: %s, model %s, %u properties, %u controls\n", i,
		       ph_camera_get_id(cam), model ? model : "(none)",
		       ph_control_list_count(props), ph_camera_control_count(cam));
		CHECK(model && *model, "%s has no Model property", ph_camera_get_id(cam));
		CHECK(!ph_camera_is_removed(cam), "listed camera is removed");
		cfg = ph_camera_generate_config(cam, &role, 1);
		CHECK(cfg, "%s: generate_config without acquiring failed", ph_camera_get_id(cam));
		nfmt = ph_config_format_count(cfg, 0);
		CHECK(nfmt > 0, "%s offers no format", ph_camera_get_id(cam));
		for (unsigned f = 0; f < nfmt; f++) {
			uint32_t fourcc = ph_config_format_at(cfg, 0, f);
			struct ph_size_range r;
			const char *name = ph_format_name(fourcc);

			CHECK(ph_config_size_range(cfg, 0, fourcc, &r) == 0, "size range of %s",
			      name ? name : "?");
			printf("  %-8s %ux%u..%ux%u\n", name ? name : "?", r.min_width,
			       r.min_height, r.max_width, r.max_height);
		}
		for (const char *p = o->formats; p && *p;) {
			size_t n = strcspn(p, ",");
			char want[32];

			bool found = false;

			snprintf(want, sizeof(want), "%.*s", (int)n, p);
			for (unsigned f = 0; f < nfmt; f++) {
				const char *name = ph_format_name(ph_config_format_at(cfg, 0, f));

				found |= name && !strcasecmp(name, want);
			}
			CHECK(found, "%s does not offer %s", ph_camera_get_id(cam), want);
			p += n + (p[n] != 0);
		}
		ph_config_free(cfg);
	}
	printf("%u cameras, %u of them match '%s'\n", count, matched, o->camera ? o->camera : "");
	CHECK(matched == o->expect, "expected %u cameras, found %u", o->expect, matched);
	ph_context_unref(ctx);
	CHECK(fd_count() == fds, "%u fds open before, %u after", fds, fd_count());
	return 0;
}

/*
 * Checks a frame file (one frame of --format at --size, lines not padded)
 * for the colour bars: run on v4l2-ctl's output it checks this program's
 * expectations against the kernel's own capture path.
 */
static int cmd_bars(const struct options *o, const char *path)
{
	struct ph_stream_config sc = {.pixel_format = o->format,
				      .width = o->width,
				      .height = o->height,
				      .colorspace = o->colorspace};
	size_t y_size = (size_t)o->width * o->height, size;
	unsigned stride = o->width;
	uint8_t *data;
	FILE *f;

	CHECK(path && o->width, "bars needs --format, --size and a file");
	if (!sc.colorspace)
		sc.colorspace = is_rgb(o->format) ? PH_COLORSPACE_SRGB : PH_COLORSPACE_SMPTE170M;
	if (o->format == PH_FORMAT_YUYV)
		stride = 2 * o->width;
	else if (is_rgb(o->format))
		stride = 3 * o->width;
	size = o->format == PH_FORMAT_NV12 ? y_size * 3 / 2 : (size_t)stride * o->height;
	data = malloc(size);
	CHECK(data, "out of memory");
	f = fopen(path, "rbe");
	CHECK(f, "open %s: %s", path, strerror(errno));
	CHECK(fread(data, 1, size, f) == size, "%s is shorter than one frame (%zu bytes)", path,
	      size);
	fclose(f);
	CHECK(!check_bars_at(&sc, data, data + y_size, stride, 0, o->tolerance),
	      "%s: not vivid's colour bars", path);
	printf("%s: colour bars as expected (%s %ux%u, %s)\n", path, ph_format_name(o->format),
	       o->width, o->height, ph_colorspace_name(sc.colorspace));
	free(data);
	return 0;
}

static int cmd_id(const struct options *o)
{
	struct ph_context *ctx = context_new();
	struct ph_camera *cam = NULL;

	for (unsigned i = 0, n = 0; !cam && i < ph_context_camera_count(ctx); i++) {
		struct ph_camera *c = ph_context_camera_at(ctx, i);

		if ((!o->camera || strstr(ph_camera_get_id(c), o->camera)) && n++ == o->index)
			cam = c;
	}
	CHECK(cam, "no camera %u matching '%s'", o->index, o->camera ? o->camera : "");
	printf("%s\n", ph_camera_get_id(cam));
	ph_context_unref(ctx);
	return 0;
}

/* Prints the id of every camera matching --camera, in the context's order. */
static int cmd_ids(const struct options *o)
{
	struct ph_context *ctx = context_new_checked(o);
	unsigned n = 0;

	for (unsigned i = 0; i < ph_context_camera_count(ctx); i++) {
		const char *id = ph_camera_get_id(ph_context_camera_at(ctx, i));

		if (!o->camera || strstr(id, o->camera)) {
			printf("id %s\n", id);
			n++;
		}
	}
	CHECK(!o->expect || n == o->expect, "%u cameras match '%s', expected %u", n,
	      o->camera ? o->camera : "", o->expect);
	ph_context_unref(ctx);
	return 0;
}

/* Runs a command; prints its CPU time (user + system) and wall time. */
static int cmd_cpu_time(int argc, char **argv)
{
	struct rusage ru;
	uint64_t t0 = now_ms();
	int status;
	pid_t pid;

	CHECK(argc > 0, "cpu-time needs a command");
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	CHECK(wait4(pid, &status, 0, &ru) == pid, "wait4: %s", strerror(errno));
	printf("cpu_us=%lld wall_ms=%llu\n",
	       (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec +
		       (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec,
	       (unsigned long long)(now_ms() - t0));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---------------------------------------------------------------- main */

static uint32_t parse_format(const char *name)
{
	uint32_t f = ph_format_from_name(name);

	CHECK(f, "unknown format %s", name);
	return f;
}

static const char usage[] =
	"usage: test-vm COMMAND [OPTIONS]\n"
	"  list [--camera SEL] --expect N [--formats F,F...]\n"
	"  id [--camera SEL] [--index I]\n"
	"  capture [--camera SEL] --format F --size WxH [--frames N] [--fps N] [--bars]\n"
	"          [--tolerance N] [--counter] [--dmabuf] [--vgem]\n"
	"  raw [--camera SEL] [--raw-format F] [--size WxH] [--frames N]\n"
	"  inject [--camera SEL] --device /dev/videoN\n"
	"         --error buf-error|streamon|fatal|disconnect|unbind [--platform vivid.N]\n"
	"         --error unplug --unplug FILE\n"
	"  hotplug [--camera SEL] --platform vivid.N [--hotplug-source udev|kernel]\n"
	"  ids [--camera SEL] [--expect N] [--listing libudev|sysfs]\n"
	"      [--hotplug-source udev|kernel]\n"
	"  bars --format F --size WxH [--colorspace C] FILE\n"
	"  cpu-time COMMAND [ARGS...]\n"
	"SEL is a camera id or a unique part of one (uvc:, simple:platform:vivid-001).\n";

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{"camera", required_argument, NULL, 'c'},
		{"format", required_argument, NULL, 'f'},
		{"raw-format", required_argument, NULL, 'r'},
		{"size", required_argument, NULL, 's'},
		{"frames", required_argument, NULL, 'n'},
		{"fps", required_argument, NULL, 'p'},
		{"bars", no_argument, NULL, 'b'},
		{"dmabuf", no_argument, NULL, 'd'},
		{"vgem", no_argument, NULL, 'g'},
		{"expect", required_argument, NULL, 'e'},
		{"formats", required_argument, NULL, 'F'},
		{"index", required_argument, NULL, 'i'},
		{"device", required_argument, NULL, 'D'},
		{"error", required_argument, NULL, 'E'},
		{"platform", required_argument, NULL, 'P'},
		{"colorspace", required_argument, NULL, 'C'},
		{"hotplug-source", required_argument, NULL, 'H'},
		{"listing", required_argument, NULL, 'L'},
		{"tolerance", required_argument, NULL, 't'},
		{"counter", no_argument, NULL, 'N'},
		{"unplug", required_argument, NULL, 'U'},
		{NULL, 0, NULL, 0},
	};
	struct options o = {
		.frames = 100, .fps = 30, .format = PH_FORMAT_YUYV, .tolerance = TOLERANCE};
	const char *cmd;
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || !strcmp(argv[1], "--help")) {
		fputs(usage, stderr);
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "cpu-time"))
		return cmd_cpu_time(argc - 2, argv + 2);
	optind = 2;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.camera = optarg;
			break;
		case 'f':
			o.format = parse_format(optarg);
			break;
		case 'r':
			o.raw_format = parse_format(optarg);
			break;
		case 's':
			CHECK(sscanf(optarg, "%ux%u", &o.width, &o.height) == 2, "bad --size %s",
			      optarg);
			break;
		case 'n':
			o.frames = (unsigned)atoi(optarg);
			break;
		case 'p':
			o.fps = (unsigned)atoi(optarg);
			break;
		case 'b':
			o.bars = true;
			break;
		case 'd':
			o.dmabuf = true;
			break;
		case 'g':
			o.vgem = true;
			break;
		case 'e':
			o.expect = (unsigned)atoi(optarg);
			break;
		case 'F':
			o.formats = optarg;
			break;
		case 'i':
			o.index = (unsigned)atoi(optarg);
			break;
		case 'D':
			o.device = optarg;
			break;
		case 'E':
			o.error = optarg;
			break;
		case 'C':
			for (int cs = PH_COLORSPACE_RAW; cs <= PH_COLORSPACE_REC709; cs++)
				if (!strcmp(optarg, ph_colorspace_name((enum ph_colorspace)cs)))
					o.colorspace = (enum ph_colorspace)cs;
			CHECK(o.colorspace, "unknown colour space %s", optarg);
			break;
		case 'P':
			o.platform = optarg;
			break;
		case 'H':
			o.hotplug_source = optarg;
			break;
		case 'L':
			o.listing = optarg;
			break;
		case 't':
			o.tolerance = (unsigned)atoi(optarg);
			break;
		case 'N':
			o.counter = true;
			break;
		case 'U':
			o.unplug = optarg;
			break;
		default:
			return 2;
		}
	}
	if (!strcmp(cmd, "id"))
		return cmd_id(&o);
	printf("test-vm %s (Pinhole %s)\n", cmd, ph_version());
	if (!strcmp(cmd, "list"))
		return cmd_list(&o);
	if (!strcmp(cmd, "capture"))
		return cmd_capture(&o);
	if (!strcmp(cmd, "raw"))
		return cmd_raw(&o);
	if (!strcmp(cmd, "inject")) {
		CHECK(o.error, "--error is required");
		return cmd_inject(&o);
	}
	if (!strcmp(cmd, "hotplug"))
		return cmd_hotplug(&o);
	if (!strcmp(cmd, "ids"))
		return cmd_ids(&o);
	if (!strcmp(cmd, "bars"))
		return cmd_bars(&o, optind < argc ? argv[optind] : NULL);
	fprintf(stderr, "unknown command %s\n", cmd);
	return 2;
}
