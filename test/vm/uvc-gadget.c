/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The device side of the test VM's USB webcam (test/vm/cases/uvc.sh): a
 * UVC gadget function (usb_f_uvc, configured through configfs) on
 * dummy_hcd, which uvcvideo on the same machine sees as a webcam.
 *
 *   uvc-gadget --function /sys/kernel/config/usb_gadget/G/functions/uvc.N
 *
 * Reads the formats, frame sizes and intervals from the function's configfs
 * tree, opens the function's V4L2 output node, answers the class requests
 * uvcvideo sends (probe and commit; the processing unit's Brightness, the
 * camera terminal's auto-exposure mode, the request error code; anything
 * else stalls) and, while the host streams, sends a frame per committed
 * interval: 75% colour bars (white, yellow, cyan, green, magenta, red,
 * blue, black) below a strip of 16 blocks, white or black, that spell the
 * frame number in binary, most significant first. YUYV in BT.601 limited
 * range; Motion-JPEG encoded from the same bars in R'G'B' with TurboJPEG.
 * Logs what it does on stdout ("brightness set to N", "streaming ...",
 * "sent N frames"), and exits 0 after the host disconnects or on SIGTERM.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/usb/ch9.h>
#include <linux/usb/g_uvc.h>
#include <linux/usb/video.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <turbojpeg.h>
#include <unistd.h>

#define MAX_FORMATS   4
#define MAX_FRAMES    8
#define MAX_INTERVALS 8
#define NUM_BUFFERS   4
#define BAR_LEVEL     191 /* 75% of 255, as vivid's bars (test-vm checks both) */

/* The processing unit's Brightness: a signed range around 0, as webcams have. */
#define BRIGHTNESS_MIN -64
#define BRIGHTNESS_MAX 64
#define BRIGHTNESS_DEF 0

/*
 * The camera terminal's auto-exposure modes: manual and aperture priority
 * (automatic exposure time, fixed iris), as webcams offer.
 */
#define AE_MANUAL	     0x01
#define AE_APERTURE_PRIORITY 0x08

/* UVC request error codes (UVC 1.5, 4.2.1.2) */
#define ERR_NONE	 0x00
#define ERR_OUT_OF_RANGE 0x04
#define ERR_INVALID_CTRL 0x06
#define ERR_INVALID_REQ	 0x07

struct frame_desc {
	unsigned index; /* bFrameIndex */
	unsigned width, height;
	uint32_t max_size;
	uint32_t intervals[MAX_INTERVALS]; /* 100 ns units */
	unsigned interval_count;
	uint32_t default_interval;
};

struct format_desc {
	unsigned index; /* bFormatIndex */
	uint32_t fourcc;
	struct frame_desc frames[MAX_FRAMES];
	unsigned frame_count;
};

struct buffer {
	void *map;
	size_t length;
	bool queued;
};

struct gadget {
	const char *function;
	struct format_desc formats[MAX_FORMATS];
	unsigned format_count;
	unsigned control_intf, streaming_intf;
	uint32_t max_payload;
	int fd, timer_fd, signal_fd;

	struct uvc_streaming_control probe, commit;
	/* The control a SET_CUR's data stage is for: 0 none, else (intf << 16 | entity << 8 | cs).
	 */
	uint32_t pending_set;
	uint8_t error_code;
	int16_t brightness;
	uint8_t ae_mode;

	bool streaming;
	const struct format_desc *fmt;
	const struct frame_desc *frame;
	struct buffer buffers[NUM_BUFFERS];
	unsigned buffer_count;
	uint32_t frame_number;
	tjhandle jpeg;
	uint8_t *rgb; /* the MJPEG source frame */
};

static void die(const char *what)
{
	printf("uvc-gadget: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---------------------------------------------------------------- configfs */

/* @a/@b into @out; exits if it does not fit. */
static void join(char *out, size_t size, const char *a, const char *b)
{
	if ((size_t)snprintf(out, size, "%s/%s", a, b) >= size) {
		errno = ENAMETOOLONG;
		die(a);
	}
}

static bool read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

static unsigned long read_number(const char *dir, const char *name)
{
	char path[PATH_MAX], text[64];

	join(path, sizeof(path), dir, name);
	if (!read_text(path, text, sizeof(text)))
		die(path);
	return strtoul(text, NULL, 0);
}

static void read_frame(struct frame_desc *fr, const char *dir)
{
	char path[PATH_MAX], text[256];
	char *p = text, *end;

	fr->index = (unsigned)read_number(dir, "bFrameIndex");
	fr->width = (unsigned)read_number(dir, "wWidth");
	fr->height = (unsigned)read_number(dir, "wHeight");
	fr->max_size = (uint32_t)read_number(dir, "dwMaxVideoFrameBufferSize");
	fr->default_interval = (uint32_t)read_number(dir, "dwDefaultFrameInterval");
	join(path, sizeof(path), dir, "dwFrameInterval");
	if (!read_text(path, text, sizeof(text)))
		die(path);
	for (unsigned long v; fr->interval_count < MAX_INTERVALS; p = end) {
		v = strtoul(p, &end, 10);
		if (end == p)
			break;
		fr->intervals[fr->interval_count++] = (uint32_t)v;
	}
}

/* Every format of @kind ("uncompressed", "mjpeg") with its frames. */
static void read_formats(struct gadget *g, const char *kind, uint32_t fourcc)
{
	char dir[PATH_MAX], fdir[PATH_MAX], frdir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	join(fdir, sizeof(fdir), g->function, "streaming");
	join(dir, sizeof(dir), fdir, kind);
	d = opendir(dir);
	if (!d)
		die(dir);
	while ((e = readdir(d)) && g->format_count < MAX_FORMATS) {
		struct format_desc *f = &g->formats[g->format_count];
		struct dirent *fe;
		DIR *fd;

		if (e->d_name[0] == '.')
			continue;
		join(fdir, sizeof(fdir), dir, e->d_name);
		memset(f, 0, sizeof(*f));
		f->index = (unsigned)read_number(fdir, "bFormatIndex");
		f->fourcc = fourcc;
		fd = opendir(fdir);
		if (!fd)
			die(fdir);
		while ((fe = readdir(fd)) && f->frame_count < MAX_FRAMES) {
			if (fe->d_type != DT_DIR || fe->d_name[0] == '.')
				continue;
			join(frdir, sizeof(frdir), fdir, fe->d_name);
			read_frame(&f->frames[f->frame_count++], frdir);
		}
		closedir(fd);
		g->format_count++;
	}
	closedir(d);
}

static const struct format_desc *find_format(const struct gadget *g, unsigned index)
{
	for (unsigned i = 0; i < g->format_count; i++)
		if (g->formats[i].index == index)
			return &g->formats[i];
	return NULL;
}

static const struct frame_desc *find_frame(const struct format_desc *f, unsigned index)
{
	for (unsigned i = 0; i < f->frame_count; i++)
		if (f->frames[i].index == index)
			return &f->frames[i];
	return NULL;
}

/* ---------------------------------------------------------------- probe and commit */

/* @c with its format, frame and interval made valid, and the fields the device sets. */
static void fix_streaming_control(const struct gadget *g, struct uvc_streaming_control *c)
{
	const struct format_desc *f = find_format(g, c->bFormatIndex);
	const struct frame_desc *fr;
	uint32_t want = c->dwFrameInterval, best;

	if (!f)
		f = find_format(g, 1);
	fr = find_frame(f, c->bFrameIndex);
	if (!fr)
		fr = &f->frames[0];
	/* the nearest interval offered, the default if none asked */
	best = fr->default_interval;
	for (unsigned i = 0; want && i < fr->interval_count; i++)
		if (labs((long)fr->intervals[i] - (long)want) < labs((long)best - (long)want))
			best = fr->intervals[i];
	memset(c, 0, sizeof(*c));
	c->bmHint = 1; /* dwFrameInterval fixed */
	c->bFormatIndex = (uint8_t)f->index;
	c->bFrameIndex = (uint8_t)fr->index;
	c->dwFrameInterval = best;
	c->dwMaxVideoFrameSize =
		f->fourcc == V4L2_PIX_FMT_YUYV ? fr->width * fr->height * 2 : fr->max_size;
	c->dwMaxPayloadTransferSize = g->max_payload;
	c->bmFramingInfo = 3;
	c->bPreferedVersion = 1;
	c->bMinVersion = 1;
	c->bMaxVersion = 1;
}

static void default_streaming_control(const struct gadget *g, struct uvc_streaming_control *c)
{
	memset(c, 0, sizeof(*c));
	c->bFormatIndex = 1;
	c->bFrameIndex = 1;
	fix_streaming_control(g, c);
}

/* ---------------------------------------------------------------- requests */

static void put16(struct uvc_request_data *r, int v)
{
	r->data[0] = (uint8_t)(v & 0xff);
	r->data[1] = (uint8_t)((v >> 8) & 0xff);
	r->length = 2;
}

/* A request to the streaming interface: probe and commit. */
static int streaming_request(struct gadget *g, const struct usb_ctrlrequest *req,
			     struct uvc_request_data *r)
{
	unsigned cs = req->wValue >> 8;
	struct uvc_streaming_control c;
	unsigned len = req->wLength < sizeof(c) ? req->wLength : sizeof(c);

	if (cs != UVC_VS_PROBE_CONTROL && cs != UVC_VS_COMMIT_CONTROL)
		return ERR_INVALID_CTRL;
	switch (req->bRequest) {
	case UVC_SET_CUR:
		g->pending_set = (uint32_t)(g->streaming_intf << 16 | cs);
		r->length = req->wLength;
		return ERR_NONE;
	case UVC_GET_CUR:
		c = cs == UVC_VS_PROBE_CONTROL ? g->probe : g->commit;
		break;
	case UVC_GET_MIN:
	case UVC_GET_MAX:
	case UVC_GET_DEF:
		default_streaming_control(g, &c);
		break;
	case UVC_GET_INFO:
		r->data[0] = 0x03; /* GET and SET */
		r->length = 1;
		return ERR_NONE;
	case UVC_GET_LEN:
		put16(r, sizeof(c));
		return ERR_NONE;
	default:
		return ERR_INVALID_REQ;
	}
	memcpy(r->data, &c, len);
	r->length = (int)len;
	return ERR_NONE;
}

/* A request to the control interface: its units, or the interface itself. */
static int control_request(struct gadget *g, const struct usb_ctrlrequest *req,
			   struct uvc_request_data *r)
{
	unsigned entity = req->wIndex >> 8, cs = req->wValue >> 8;

	if (entity == 0 && cs == UVC_VC_REQUEST_ERROR_CODE_CONTROL &&
	    req->bRequest == UVC_GET_CUR) {
		r->data[0] = g->error_code;
		r->length = 1;
		return -1; /* keeps the error code */
	}
	if (entity == 2 && cs == UVC_PU_BRIGHTNESS_CONTROL) {
		switch (req->bRequest) {
		case UVC_SET_CUR:
			g->pending_set = (uint32_t)(g->control_intf << 16 | entity << 8 | cs);
			r->length = 2;
			return ERR_NONE;
		case UVC_GET_CUR:
			put16(r, g->brightness);
			return ERR_NONE;
		case UVC_GET_MIN:
			put16(r, BRIGHTNESS_MIN);
			return ERR_NONE;
		case UVC_GET_MAX:
			put16(r, BRIGHTNESS_MAX);
			return ERR_NONE;
		case UVC_GET_RES:
			put16(r, 1);
			return ERR_NONE;
		case UVC_GET_DEF:
			put16(r, BRIGHTNESS_DEF);
			return ERR_NONE;
		case UVC_GET_LEN:
			put16(r, 2);
			return ERR_NONE;
		case UVC_GET_INFO:
			r->data[0] = 0x03;
			r->length = 1;
			return ERR_NONE;
		default:
			return ERR_INVALID_REQ;
		}
	}
	if (entity == 1 && cs == UVC_CT_AE_MODE_CONTROL) {
		r->length = 1;
		switch (req->bRequest) {
		case UVC_SET_CUR:
			g->pending_set = (uint32_t)(g->control_intf << 16 | entity << 8 | cs);
			return ERR_NONE;
		case UVC_GET_CUR:
			r->data[0] = g->ae_mode;
			return ERR_NONE;
		case UVC_GET_RES: /* the modes offered */
			r->data[0] = AE_MANUAL | AE_APERTURE_PRIORITY;
			return ERR_NONE;
		case UVC_GET_DEF:
			r->data[0] = AE_APERTURE_PRIORITY;
			return ERR_NONE;
		case UVC_GET_INFO:
			r->data[0] = 0x03;
			return ERR_NONE;
		case UVC_GET_LEN:
			put16(r, 1);
			return ERR_NONE;
		default:
			r->length = 0;
			return ERR_INVALID_REQ;
		}
	}
	return ERR_INVALID_CTRL;
}

static void send_response(struct gadget *g, struct uvc_request_data *r)
{
	if (ioctl(g->fd, UVCIOC_SEND_RESPONSE, r) < 0)
		die("UVCIOC_SEND_RESPONSE");
}

static void on_setup(struct gadget *g, const struct usb_ctrlrequest *req)
{
	struct uvc_request_data r;
	unsigned intf = req->wIndex & 0xff;
	int err = ERR_INVALID_CTRL;

	memset(&r, 0, sizeof(r));
	g->pending_set = 0;
	if ((req->bRequestType & USB_TYPE_MASK) == USB_TYPE_CLASS &&
	    (req->bRequestType & USB_RECIP_MASK) == USB_RECIP_INTERFACE) {
		if (intf == g->streaming_intf)
			err = streaming_request(g, req, &r);
		else if (intf == g->control_intf)
			err = control_request(g, req, &r);
	}
	if (err > 0) {
		printf("uvc-gadget: stall request 0x%02x 0x%02x wValue 0x%04x wIndex 0x%04x\n",
		       req->bRequestType, req->bRequest, req->wValue, req->wIndex);
		r.length = -EL2HLT; /* stalls */
	}
	if (err >= 0)
		g->error_code = (uint8_t)err;
	send_response(g, &r);
}

/* The data stage of a SET_CUR. */
static void on_data(struct gadget *g, const struct uvc_request_data *d)
{
	uint32_t what = g->pending_set;
	unsigned cs = what & 0xff;

	g->pending_set = 0;
	if (!what || d->length < 1)
		return;
	if ((what >> 16) == g->streaming_intf) {
		struct uvc_streaming_control c;

		memset(&c, 0, sizeof(c));
		memcpy(&c, d->data, (size_t)d->length < sizeof(c) ? (size_t)d->length : sizeof(c));
		fix_streaming_control(g, &c);
		if (cs == UVC_VS_PROBE_CONTROL) {
			g->probe = c;
		} else {
			g->commit = c;
			printf("uvc-gadget: commit format %u frame %u interval %u\n",
			       c.bFormatIndex, c.bFrameIndex, c.dwFrameInterval);
		}
	} else if (((what >> 8) & 0xff) == 2 && d->length >= 2) {
		int v = (int16_t)(d->data[0] | d->data[1] << 8);

		if (v < BRIGHTNESS_MIN || v > BRIGHTNESS_MAX) {
			g->error_code = ERR_OUT_OF_RANGE;
			printf("uvc-gadget: brightness %d out of range\n", v);
			return;
		}
		g->brightness = (int16_t)v;
		printf("uvc-gadget: brightness set to %d\n", v);
	} else if (((what >> 8) & 0xff) == 1) {
		if (d->data[0] != AE_MANUAL && d->data[0] != AE_APERTURE_PRIORITY) {
			g->error_code = ERR_OUT_OF_RANGE;
			printf("uvc-gadget: auto-exposure mode %u not offered\n", d->data[0]);
			return;
		}
		g->ae_mode = d->data[0];
		printf("uvc-gadget: auto-exposure mode set to %u\n", g->ae_mode);
	}
}

/* ---------------------------------------------------------------- frames */

static const uint8_t bar_rgb[8][3] = {
	{1, 1, 1}, {1, 1, 0}, {0, 1, 1}, {0, 1, 0}, {1, 0, 1}, {1, 0, 0}, {0, 0, 1}, {0, 0, 0},
};

/* R'G'B' of pixel (x, y) of frame @n. */
static void pattern_rgb(unsigned w, unsigned h, unsigned x, unsigned y, uint32_t n, uint8_t out[3])
{
	if (y < h / 10) { /* the frame-number strip */
		unsigned bit = 15 - x * 16 / w;
		uint8_t v = (n >> bit) & 1 ? 255 : 0;

		out[0] = out[1] = out[2] = v;
		return;
	}
	for (unsigned c = 0; c < 3; c++)
		out[c] = bar_rgb[x * 8 / w][c] * BAR_LEVEL;
}

/* BT.601 limited range, rounded. */
static void rgb_to_ycbcr(const uint8_t rgb[3], int out[3])
{
	double r = rgb[0] / 255.0, g = rgb[1] / 255.0, b = rgb[2] / 255.0;
	double y = 0.299 * r + 0.587 * g + 0.114 * b;

	out[0] = (int)(16 + 219 * y + 0.5);
	out[1] = (int)(128 + 224 * (b - y) / 1.772 + 0.5);
	out[2] = (int)(128 + 224 * (r - y) / 1.402 + 0.5);
}

static size_t fill_yuyv(const struct gadget *g, uint8_t *p)
{
	unsigned w = g->frame->width, h = g->frame->height;

	for (unsigned y = 0; y < h; y++) {
		for (unsigned x = 0; x < w; x += 2, p += 4) {
			uint8_t rgb[3];
			int a[3], b[3];

			pattern_rgb(w, h, x, y, g->frame_number, rgb);
			rgb_to_ycbcr(rgb, a);
			pattern_rgb(w, h, x + 1, y, g->frame_number, rgb);
			rgb_to_ycbcr(rgb, b);
			p[0] = (uint8_t)a[0];
			p[1] = (uint8_t)((a[1] + b[1] + 1) / 2);
			p[2] = (uint8_t)b[0];
			p[3] = (uint8_t)((a[2] + b[2] + 1) / 2);
		}
	}
	return (size_t)w * h * 2;
}

static size_t fill_mjpeg(struct gadget *g, uint8_t *p, size_t size)
{
	unsigned w = g->frame->width, h = g->frame->height;
	unsigned long len = size;

	for (unsigned y = 0; y < h; y++)
		for (unsigned x = 0; x < w; x++)
			pattern_rgb(w, h, x, y, g->frame_number, g->rgb + 3 * ((size_t)y * w + x));
	if (tjCompress2(g->jpeg, g->rgb, (int)w, 0, (int)h, TJPF_RGB, &p, &len, TJSAMP_422, 90,
			TJFLAG_NOREALLOC) < 0) {
		printf("uvc-gadget: tjCompress2: %s\n", tjGetErrorStr2(g->jpeg));
		exit(1);
	}
	return len;
}

/* Fills a free buffer with the next frame and queues it; false if none is free. */
static bool send_frame(struct gadget *g)
{
	struct v4l2_buffer b = {.type = V4L2_BUF_TYPE_VIDEO_OUTPUT, .memory = V4L2_MEMORY_MMAP};
	struct buffer *buf = NULL;

	while (ioctl(g->fd, VIDIOC_DQBUF, &b) == 0)
		g->buffers[b.index].queued = false;
	for (unsigned i = 0; i < g->buffer_count && !buf; i++)
		if (!g->buffers[i].queued)
			buf = &g->buffers[i], b.index = i;
	if (!buf)
		return false;
	b.bytesused = (uint32_t)(g->fmt->fourcc == V4L2_PIX_FMT_YUYV
					 ? fill_yuyv(g, buf->map)
					 : fill_mjpeg(g, buf->map, buf->length));
	b.field = V4L2_FIELD_NONE;
	if (ioctl(g->fd, VIDIOC_QBUF, &b) < 0) {
		printf("uvc-gadget: VIDIOC_QBUF: %s\n", strerror(errno));
		return false;
	}
	buf->queued = true;
	g->frame_number++;
	return true;
}

static void stream_off(struct gadget *g)
{
	int type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	struct v4l2_requestbuffers rb = {
		.count = 0, .type = V4L2_BUF_TYPE_VIDEO_OUTPUT, .memory = V4L2_MEMORY_MMAP};
	struct itimerspec off = {{0, 0}, {0, 0}};

	if (!g->streaming)
		return;
	timerfd_settime(g->timer_fd, 0, &off, NULL);
	ioctl(g->fd, VIDIOC_STREAMOFF, &type);
	for (unsigned i = 0; i < g->buffer_count; i++)
		munmap(g->buffers[i].map, g->buffers[i].length);
	g->buffer_count = 0;
	ioctl(g->fd, VIDIOC_REQBUFS, &rb);
	free(g->rgb);
	g->rgb = NULL;
	g->streaming = false;
	printf("uvc-gadget: stream off, sent %u frames\n", g->frame_number);
}

static void stream_on(struct gadget *g)
{
	struct v4l2_format fmt = {.type = V4L2_BUF_TYPE_VIDEO_OUTPUT};
	struct v4l2_requestbuffers rb = {.count = NUM_BUFFERS,
					 .type = V4L2_BUF_TYPE_VIDEO_OUTPUT,
					 .memory = V4L2_MEMORY_MMAP};
	int type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	struct itimerspec period;
	long ns;

	stream_off(g);
	g->fmt = find_format(g, g->commit.bFormatIndex);
	g->frame = g->fmt ? find_frame(g->fmt, g->commit.bFrameIndex) : NULL;
	if (!g->frame) {
		printf("uvc-gadget: stream on without a valid commit\n");
		return;
	}
	fmt.fmt.pix.width = g->frame->width;
	fmt.fmt.pix.height = g->frame->height;
	fmt.fmt.pix.pixelformat = g->fmt->fourcc;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	fmt.fmt.pix.sizeimage = g->commit.dwMaxVideoFrameSize;
	if (ioctl(g->fd, VIDIOC_S_FMT, &fmt) < 0)
		die("VIDIOC_S_FMT");
	if (ioctl(g->fd, VIDIOC_REQBUFS, &rb) < 0)
		die("VIDIOC_REQBUFS");
	for (unsigned i = 0; i < rb.count && i < NUM_BUFFERS; i++) {
		struct v4l2_buffer b = {
			.type = V4L2_BUF_TYPE_VIDEO_OUTPUT, .memory = V4L2_MEMORY_MMAP, .index = i};

		if (ioctl(g->fd, VIDIOC_QUERYBUF, &b) < 0)
			die("VIDIOC_QUERYBUF");
		g->buffers[i].length = b.length;
		g->buffers[i].queued = false;
		g->buffers[i].map =
			mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, b.m.offset);
		if (g->buffers[i].map == MAP_FAILED)
			die("mmap");
		g->buffer_count++;
	}
	if (g->fmt->fourcc == V4L2_PIX_FMT_MJPEG) {
		g->rgb = malloc((size_t)g->frame->width * g->frame->height * 3);
		if (!g->rgb)
			die("malloc");
	}
	g->streaming = true;
	g->frame_number = 0;
	send_frame(g);
	if (ioctl(g->fd, VIDIOC_STREAMON, &type) < 0)
		die("VIDIOC_STREAMON");
	ns = (long)g->commit.dwFrameInterval * 100;
	period.it_interval.tv_sec = ns / 1000000000;
	period.it_interval.tv_nsec = ns % 1000000000;
	period.it_value = period.it_interval;
	timerfd_settime(g->timer_fd, 0, &period, NULL);
	printf("uvc-gadget: streaming %.4s %ux%u, a frame every %ld us, %u buffers\n",
	       (const char *)&g->fmt->fourcc, g->frame->width, g->frame->height, ns / 1000,
	       g->buffer_count);
}

/* ---------------------------------------------------------------- main */

static int open_output_node(void)
{
	for (unsigned i = 0; i < 64; i++) {
		struct v4l2_capability cap;
		char path[32];
		int fd;

		snprintf(path, sizeof(path), "/dev/video%u", i);
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (ioctl(fd, VIDIOC_QUERYCAP, &cap) == 0 &&
		    !strcmp((const char *)cap.driver, "g_uvc")) {
			printf("uvc-gadget: %s is the gadget's output node\n", path);
			return fd;
		}
		close(fd);
	}
	errno = ENODEV;
	die("no g_uvc video node");
	return -1;
}

/* @return false once the host is gone. */
static bool handle_event(struct gadget *g)
{
	struct v4l2_event ev;
	struct uvc_event *uev = (struct uvc_event *)&ev.u.data;

	if (ioctl(g->fd, VIDIOC_DQEVENT, &ev) < 0)
		return errno == EAGAIN || errno == ENOENT;
	switch (ev.type) {
	case UVC_EVENT_CONNECT:
		printf("uvc-gadget: connected\n");
		break;
	case UVC_EVENT_DISCONNECT:
		printf("uvc-gadget: disconnected\n");
		stream_off(g);
		return false;
	case UVC_EVENT_SETUP:
		on_setup(g, &uev->req);
		break;
	case UVC_EVENT_DATA:
		on_data(g, &uev->data);
		break;
	case UVC_EVENT_STREAMON:
		stream_on(g);
		break;
	case UVC_EVENT_STREAMOFF:
		stream_off(g);
		break;
	default:
		break;
	}
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"function", required_argument, NULL, 'f'},
					     {NULL, 0, NULL, 0}};
	static const uint32_t events[] = {UVC_EVENT_CONNECT,  UVC_EVENT_DISCONNECT,
					  UVC_EVENT_SETUP,    UVC_EVENT_DATA,
					  UVC_EVENT_STREAMON, UVC_EVENT_STREAMOFF};
	struct gadget g;
	sigset_t mask;
	bool running = true;
	char dir[PATH_MAX];
	int c;

	memset(&g, 0, sizeof(g));
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'f') {
			fprintf(stderr, "usage: uvc-gadget --function CONFIGFS_DIR\n");
			return 2;
		}
		g.function = optarg;
	}
	if (!g.function) {
		fprintf(stderr, "usage: uvc-gadget --function CONFIGFS_DIR\n");
		return 2;
	}
	read_formats(&g, "uncompressed", V4L2_PIX_FMT_YUYV);
	read_formats(&g, "mjpeg", V4L2_PIX_FMT_MJPEG);
	if (!find_format(&g, 1)) {
		printf("uvc-gadget: no format 1 under %s/streaming\n", g.function);
		return 1;
	}
	join(dir, sizeof(dir), g.function, "control");
	g.control_intf = (unsigned)read_number(dir, "bInterfaceNumber");
	join(dir, sizeof(dir), g.function, "streaming");
	g.streaming_intf = (unsigned)read_number(dir, "bInterfaceNumber");
	/* High speed: up to 1024 bytes a transaction, up to 3 a microframe. */
	g.max_payload = (uint32_t)read_number(g.function, "streaming_maxpacket");
	for (unsigned i = 0; i < g.format_count; i++)
		for (unsigned k = 0; k < g.formats[i].frame_count; k++)
			printf("uvc-gadget: format %u (%.4s) frame %u: %ux%u, %u intervals\n",
			       g.formats[i].index, (const char *)&g.formats[i].fourcc,
			       g.formats[i].frames[k].index, g.formats[i].frames[k].width,
			       g.formats[i].frames[k].height,
			       g.formats[i].frames[k].interval_count);
	default_streaming_control(&g, &g.probe);
	g.commit = g.probe;
	g.brightness = BRIGHTNESS_DEF;
	g.ae_mode = AE_APERTURE_PRIORITY;

	g.jpeg = tjInitCompress();
	if (!g.jpeg)
		die("tjInitCompress");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	g.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	g.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (g.signal_fd < 0 || g.timer_fd < 0)
		die("signalfd/timerfd");
	g.fd = open_output_node();
	for (unsigned i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		struct v4l2_event_subscription sub = {.type = events[i]};

		if (ioctl(g.fd, VIDIOC_SUBSCRIBE_EVENT, &sub) < 0)
			die("VIDIOC_SUBSCRIBE_EVENT");
	}
	printf("uvc-gadget: ready (control interface %u, streaming interface %u)\n", g.control_intf,
	       g.streaming_intf);

	while (running) {
		struct pollfd pfd[3] = {
			{g.fd, POLLPRI, 0}, {g.timer_fd, POLLIN, 0}, {g.signal_fd, POLLIN, 0}};

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (pfd[2].revents) {
			printf("uvc-gadget: terminated\n");
			break;
		}
		if (pfd[0].revents & (POLLERR | POLLHUP)) {
			printf("uvc-gadget: the video node is gone\n");
			break;
		}
		if (pfd[0].revents & POLLPRI)
			running = handle_event(&g);
		if (pfd[1].revents & POLLIN) {
			uint64_t ticks;

			if (read(g.timer_fd, &ticks, sizeof(ticks)) == sizeof(ticks) && g.streaming)
				send_frame(&g);
		}
	}
	stream_off(&g);
	close(g.fd);
	close(g.timer_fd);
	close(g.signal_fd);
	tjDestroy(g.jpeg);
	printf("uvc-gadget: exit\n");
	return 0;
}
