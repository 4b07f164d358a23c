/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The V4L2 layer's parts that need no hardware: the kernel uevent parser,
 * telling a listening udev control socket from a stale one, sysfs
 * enumeration against a fake tree, format, colour space, size and
 * control mapping, the Motion-JPEG decoder against frames encoded here, and
 * the uvc pipeline's formats for a webcam's probe made up here.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <pinhole/pinhole.h>
#include <turbojpeg.h>

#include "media/enumerator.h"
#include "media/uevent.h"
#include "pipeline/uvc/mjpeg.h"
#include "pipeline/v4l2/v4l2-camera.h"
#include "pipeline/v4l2/v4l2-ctrls.h"

/* ---- uevent parser ---- */

/* Parse a message given as NUL-separated fields in a string literal of @len bytes. */
static int parse(const char *msg, size_t len, struct ph_uevent *ev, char *buf)
{
	memcpy(buf, msg, len);
	return ph_uevent_parse(buf, len, ev);
}

#define MSG(s) s, sizeof(s) - 1

static void test_uevent_add(void **state)
{
	static const char msg[] =
		"add@/devices/platform/vivid.0/video4linux/video3\0"
		"ACTION=add\0DEVPATH=/devices/platform/vivid.0/video4linux/video3\0"
		"SUBSYSTEM=video4linux\0MAJOR=81\0MINOR=3\0DEVNAME=video3\0"
		"SEQNUM=2417\0";
	char buf[512];
	struct ph_uevent ev;

	assert_int_equal(parse(MSG(msg), &ev, buf), 0);
	assert_string_equal(ev.action, "add");
	assert_string_equal(ev.devpath, "/devices/platform/vivid.0/video4linux/video3");
	assert_string_equal(ev.subsystem, "video4linux");
	assert_string_equal(ev.devname, "video3");
	assert_true(ev.has_devnum);
	assert_int_equal(ev.major, 81);
	assert_int_equal(ev.minor, 3);
	assert_int_equal(ev.seqnum, 2417);
}

static void test_uevent_remove_without_devnum(void **state)
{
	static const char msg[] =
		"remove@/devices/platform/vivid.0\0ACTION=remove\0"
		"DEVPATH=/devices/platform/vivid.0\0SUBSYSTEM=platform\0SEQNUM=9\0";
	char buf[256];
	struct ph_uevent ev;

	assert_int_equal(parse(MSG(msg), &ev, buf), 0);
	assert_string_equal(ev.action, "remove");
	assert_string_equal(ev.devname, "");
	assert_false(ev.has_devnum);
}

static void test_uevent_malformed(void **state)
{
	static const struct {
		const char *msg;
		size_t len;
		int err;
	} cases[] = {
		/* udev's messages are not the kernel's */
		{MSG("libudev\0\xfe\xed\xca\xfe"), -EPROTO},
		/* no '@' header */
		{MSG("add /devices/x\0ACTION=add\0DEVPATH=/devices/x\0"), -EINVAL},
		/* header and keys disagree */
		{MSG("add@/devices/x\0ACTION=remove\0DEVPATH=/devices/x\0"), -EINVAL},
		{MSG("add@/devices/x\0ACTION=add\0DEVPATH=/devices/y\0"), -EINVAL},
		/* a field without '=' */
		{MSG("add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0garbage\0"), -EINVAL},
		/* numbers that are not */
		{MSG("add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0MAJOR=8a\0MINOR=1\0"),
		 -EINVAL},
		{MSG("add@/devices/x\0ACTION=add\0DEVPATH=/devices/"
		     "x\0MAJOR=99999999999\0MINOR=1\0"),
		 -EINVAL},
		/* MAJOR without MINOR */
		{MSG("add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0MAJOR=81\0"), -EINVAL},
		/* a device name climbing out of /dev */
		{MSG("add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0DEVNAME=../etc/passwd\0"),
		 -EINVAL},
		/* missing keys; a relative path */
		{MSG("add@/devices/x\0DEVPATH=/devices/x\0"), -EINVAL},
		{MSG("add@devices/x\0ACTION=add\0DEVPATH=devices/x\0"), -EINVAL},
		/* unterminated last field still parses within the length: a bad one */
		{MSG("add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0MINOR"), -EINVAL},
	};
	char buf[512];
	struct ph_uevent ev;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = parse(cases[i].msg, cases[i].len, &ev, buf);

		if (ret != cases[i].err)
			fail_msg("case %u: %d, expected %d", i, ret, cases[i].err);
	}
	assert_int_equal(ph_uevent_parse(buf, 0, &ev), -EINVAL);
}

/* ---- is a udev daemon there ---- */

static void test_socket_listens(void **state)
{
	char dir[] = "/tmp/pinhole-udev-XXXXXX";
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/control", dir);
	assert_false(ph_media_socket_listens(addr.sun_path)); /* no file */

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_false(ph_media_socket_listens(addr.sun_path)); /* bound, nobody listens */
	assert_int_equal(listen(fd, 1), 0);
	assert_true(ph_media_socket_listens(addr.sun_path));
	close(fd);
	/* The file a dead daemon leaves behind. */
	assert_int_equal(access(addr.sun_path, F_OK), 0);
	assert_false(ph_media_socket_listens(addr.sun_path));
	unlink(addr.sun_path);
	rmdir(dir);
}

/* ---- sysfs enumeration ---- */

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void make_node(const char *root, const char *name, const char *uevent)
{
	char dev[PATH_MAX], link[PATH_MAX], target[PATH_MAX];

	assert_true(strlen(root) + strlen(name) < 256);

	/* Real trees link /sys/class/video4linux/videoN to the device's directory. */
	snprintf(dev, sizeof(dev), "%s/devices/platform/fake/video4linux/%s", root, name);
	assert_int_equal(mkdir(dev, 0755), 0);
	if (uevent)
		write_text(dev, "uevent", uevent);
	snprintf(link, sizeof(link), "%s/class/video4linux/%s", root, name);
	snprintf(target, sizeof(target), "../../devices/platform/fake/video4linux/%s", name);
	assert_int_equal(symlink(target, link), 0);
}

static void rm_tree(const char *root)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void test_sysfs_enumeration(void **state)
{
	char root[] = "/tmp/pinhole-sysfs-XXXXXX", dir[PATH_MAX + 64], real[PATH_MAX],
	     expect[PATH_MAX + 64];
	struct ph_media_node *nodes;
	unsigned count;

	assert_non_null(mkdtemp(root));
	/* No video4linux class at all: no node, no error. */
	assert_int_equal(ph_media_enumerate_sysfs(root, "/dev", &nodes, &count), 0);
	assert_int_equal(count, 0);

	const char *dirs[] = {"class",
			      "class/video4linux",
			      "devices",
			      "devices/platform",
			      "devices/platform/fake",
			      "devices/platform/fake/video4linux"};
	for (unsigned i = 0; i < 6; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", root, dirs[i]);
		assert_int_equal(mkdir(dir, 0755), 0);
	}
	make_node(root, "video10", "MAJOR=81\nMINOR=10\nDEVNAME=video10\n");
	make_node(root, "video2", "MAJOR=81\nMINOR=2\nDEVNAME=video2\n");
	make_node(root, "vbi0", "MAJOR=81\nMINOR=3\nDEVNAME=vbi0\n");	/* not a video node */
	make_node(root, "video5", NULL);				/* no uevent: gone */
	make_node(root, "video6", "MAJOR=81\nDEVNAME=video6\n");	/* incomplete */
	make_node(root, "video7", "MAJOR=81\nMINOR=7\nDEVNAME=../x\n"); /* hostile */
	make_node(root, "videox", "MAJOR=81\nMINOR=8\nDEVNAME=videox\n");

	assert_int_equal(ph_media_enumerate_sysfs(root, "/fakedev", &nodes, &count), 0);
	assert_int_equal(count, 2);
	/* By minor number, not by name. */
	assert_string_equal(nodes[0].devnode, "/fakedev/video2");
	assert_int_equal(nodes[0].major, 81);
	assert_int_equal(nodes[0].minor, 2);
	assert_string_equal(nodes[1].devnode, "/fakedev/video10");
	assert_int_equal(nodes[1].minor, 10);
	/* The syspath is the device's directory, links resolved. */
	assert_non_null(realpath(root, real));
	snprintf(expect, sizeof(expect), "%s/devices/platform/fake/video4linux/video2", real);
	assert_string_equal(nodes[0].syspath, expect);
	ph_media_nodes_free(nodes, count);
	rm_tree(root);
}

/* ---- formats, colour spaces, sizes ---- */

static void test_format_mapping(void **state)
{
	assert_int_equal(ph_v4l2_format_to_ph(V4L2_PIX_FMT_YUYV), PH_FORMAT_YUYV);
	assert_int_equal(ph_v4l2_format_to_ph(V4L2_PIX_FMT_NV12), PH_FORMAT_NV12);
	assert_int_equal(ph_v4l2_format_to_ph(V4L2_PIX_FMT_YUV420), PH_FORMAT_YUV420);
	assert_int_equal(ph_v4l2_format_to_ph(V4L2_PIX_FMT_RGB24), PH_FORMAT_RGB888);
	/* V4L2's names run the other way round from DRM's: same bytes. */
	assert_int_equal(ph_v4l2_format_to_ph(V4L2_PIX_FMT_XBGR32), PH_FORMAT_XRGB8888);
	assert_int_equal(ph_v4l2_format_to_ph(V4L2_PIX_FMT_RGBX32), PH_FORMAT_XBGR8888);
	assert_int_equal(ph_v4l2_format_to_ph(V4L2_PIX_FMT_SBGGR8), PH_FORMAT_SBGGR8);
	assert_int_equal(ph_v4l2_format_to_ph(V4L2_PIX_FMT_SGRBG10), PH_FORMAT_SGRBG10);
	assert_int_equal(ph_v4l2_format_to_ph(V4L2_PIX_FMT_SRGGB10P), PH_FORMAT_SRGGB10_CSI2P);
	/* No Pinhole layout: compressed, multi-buffer, deprecated RGB32. */
	assert_int_equal(ph_v4l2_format_to_ph(V4L2_PIX_FMT_MJPEG), 0);
	assert_int_equal(ph_v4l2_format_to_ph(V4L2_PIX_FMT_NV12M), 0);
	assert_int_equal(ph_v4l2_format_to_ph(V4L2_PIX_FMT_RGB32), 0);
	assert_int_equal(ph_v4l2_format_to_ph(V4L2_PIX_FMT_YVU420), 0);
	/* Every mapped format has the same bytes per line as Pinhole computes. */
	assert_int_equal(ph_format_min_stride(ph_v4l2_format_to_ph(V4L2_PIX_FMT_SRGGB12), 640),
			 1280);
}

static void test_colorspace_mapping(void **state)
{
	struct ph_v4l2_pix pix = {.fourcc = V4L2_PIX_FMT_YUYV, .colorspace = V4L2_COLORSPACE_SRGB};

	assert_int_equal(ph_v4l2_colorspace_to_ph(&pix), PH_COLORSPACE_SMPTE170M);
	pix.colorspace = V4L2_COLORSPACE_REC709;
	assert_int_equal(ph_v4l2_colorspace_to_ph(&pix), PH_COLORSPACE_REC709);
	pix.colorspace = V4L2_COLORSPACE_JPEG;
	assert_int_equal(ph_v4l2_colorspace_to_ph(&pix), PH_COLORSPACE_JPEG);
	pix.colorspace = V4L2_COLORSPACE_SRGB;
	pix.quantization = V4L2_QUANTIZATION_FULL_RANGE;
	assert_int_equal(ph_v4l2_colorspace_to_ph(&pix), PH_COLORSPACE_JPEG);
	pix.fourcc = V4L2_PIX_FMT_RGB24;
	assert_int_equal(ph_v4l2_colorspace_to_ph(&pix), PH_COLORSPACE_SRGB);
	pix.fourcc = V4L2_PIX_FMT_SRGGB8;
	assert_int_equal(ph_v4l2_colorspace_to_ph(&pix), PH_COLORSPACE_RAW);
}

static void test_sizes(void **state)
{
	struct ph_v4l2_size sizes[3] = {{.width = 320, .height = 180},
					{.width = 640, .height = 480},
					{.width = 1920, .height = 1080}};
	struct ph_v4l2_format_desc d = {.sizes = sizes, .size_count = 3};
	struct ph_size_range r;
	uint32_t w = 700, h = 500;

	assert_true(ph_v4l2_nearest_size(&d, &w, &h));
	assert_int_equal(w, 640);
	assert_int_equal(h, 480);
	w = 5000;
	h = 5000;
	assert_true(ph_v4l2_nearest_size(&d, &w, &h));
	assert_int_equal(w, 1920);
	ph_v4l2_size_range(&d, &r);
	assert_int_equal(r.min_width, 320);
	assert_int_equal(r.min_height, 180);
	assert_int_equal(r.max_width, 1920);
	assert_int_equal(r.max_height, 1080);

	/* Stepwise: clamped, then to the nearest step from the minimum. */
	sizes[0] = (struct ph_v4l2_size){.width = 16, .height = 16};
	sizes[1] = (struct ph_v4l2_size){.width = 4096, .height = 2160};
	d = (struct ph_v4l2_format_desc){.sizes = sizes,
					 .size_count = 2,
					 .stepwise = true,
					 .step_width = 16,
					 .step_height = 8};
	w = 1001;
	h = 3;
	assert_true(ph_v4l2_nearest_size(&d, &w, &h));
	assert_int_equal(w, 1008);
	assert_int_equal(h, 16);
	w = 9999;
	h = 9999;
	assert_true(ph_v4l2_nearest_size(&d, &w, &h));
	assert_int_equal(w, 4096);
	assert_int_equal(h, 2160);
	d.size_count = 0;
	assert_false(ph_v4l2_nearest_size(&d, &w, &h));
}

static void test_capture_caps(void **state)
{
	assert_true(ph_v4l2_caps_is_capture(V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING));
	assert_true(ph_v4l2_caps_is_capture(V4L2_CAP_VIDEO_CAPTURE_MPLANE | V4L2_CAP_STREAMING));
	/* read() only, metadata, codecs, outputs: not cameras */
	assert_false(ph_v4l2_caps_is_capture(V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_READWRITE));
	assert_false(ph_v4l2_caps_is_capture(V4L2_CAP_META_CAPTURE | V4L2_CAP_STREAMING));
	assert_false(ph_v4l2_caps_is_capture(V4L2_CAP_VIDEO_M2M | V4L2_CAP_VIDEO_CAPTURE |
					     V4L2_CAP_STREAMING));
	assert_false(ph_v4l2_caps_is_capture(V4L2_CAP_VIDEO_OUTPUT | V4L2_CAP_STREAMING));
}

/* ---- controls ---- */

static void test_control_mapping(void **state)
{
	struct ph_v4l2_control c[] = {
		{.id = V4L2_CID_BRIGHTNESS,
		 .type = V4L2_CTRL_TYPE_INTEGER,
		 .min = 0,
		 .max = 255,
		 .step = 1,
		 .def = 128},
		{.id = V4L2_CID_CONTRAST,
		 .type = V4L2_CTRL_TYPE_INTEGER,
		 .min = 0,
		 .max = 95,
		 .step = 1,
		 .def = 32},
		{.id = V4L2_CID_EXPOSURE_ABSOLUTE,
		 .type = V4L2_CTRL_TYPE_INTEGER,
		 .min = 3,
		 .max = 2047,
		 .step = 1,
		 .def = 250},
		{.id = V4L2_CID_WHITE_BALANCE_TEMPERATURE,
		 .type = V4L2_CTRL_TYPE_INTEGER,
		 .min = 2800,
		 .max = 6500,
		 .step = 10,
		 .def = 4600},
		{.id = V4L2_CID_EXPOSURE_AUTO,
		 .type = V4L2_CTRL_TYPE_MENU,
		 .min = 0,
		 .max = 3,
		 .def = V4L2_EXPOSURE_APERTURE_PRIORITY},
		{.id = V4L2_CID_HUE, .type = V4L2_CTRL_TYPE_INTEGER, .min = -180, .max = 180},
		{.id = V4L2_CID_SATURATION,
		 .type = V4L2_CTRL_TYPE_INTEGER,
		 .max = 100,
		 .def = 50,
		 .flags = V4L2_CTRL_FLAG_READ_ONLY},
	};
	struct ph_v4l2_ctrls s;
	const struct ph_v4l2_ctrl_map *m;
	struct ph_control_value v;

	ph_v4l2_ctrls_init(&s, c, sizeof(c) / sizeof(c[0]), ~0ull);
	assert_int_equal(s.count, 4); /* hue has no Pinhole twin; read-only ones are skipped */
	assert_true(ph_v4l2_ctrls_has_ae(&s));
	assert_null(ph_v4l2_ctrls_find(&s, PH_CONTROL_SATURATION));

	m = ph_v4l2_ctrls_find(&s, PH_CONTROL_BRIGHTNESS);
	assert_non_null(m);
	assert_float_equal(ph_v4l2_ctrl_to_ph(m, 128).f[0], 0.0f, 1e-6);
	assert_float_equal(ph_v4l2_ctrl_to_ph(m, 255).f[0], 1.0f, 1e-6);
	assert_float_equal(ph_v4l2_ctrl_to_ph(m, 0).f[0], -1.0f, 1e-6);
	v = ph_control_value_float(-0.5f);
	assert_int_equal(ph_v4l2_ctrl_to_v4l2(m, &v), 64);
	v = ph_control_value_float(7.0f); /* clamped to the device's range */
	assert_int_equal(ph_v4l2_ctrl_to_v4l2(m, &v), 255);

	m = ph_v4l2_ctrls_find(&s, PH_CONTROL_CONTRAST);
	assert_float_equal(ph_v4l2_ctrl_to_ph(m, 64).f[0], 2.0f, 1e-6);
	v = ph_control_value_float(1.5f);
	assert_int_equal(ph_v4l2_ctrl_to_v4l2(m, &v), 48);

	m = ph_v4l2_ctrls_find(&s, PH_CONTROL_EXPOSURE_TIME);
	assert_int_equal(ph_v4l2_ctrl_to_ph(m, 250).i32[0], 25000);
	v = ph_control_value_int32(33333);
	assert_int_equal(ph_v4l2_ctrl_to_v4l2(m, &v), 333);

	/* Kelvin both sides, on the device's steps. */
	m = ph_v4l2_ctrls_find(&s, PH_CONTROL_COLOUR_TEMPERATURE);
	v = ph_control_value_int32(5004);
	assert_int_equal(ph_v4l2_ctrl_to_v4l2(m, &v), 5000);
}

/* ---- Motion-JPEG ---- */

#define JW 64
#define JH 32

/* A frame of two flat halves, red and blue, encoded at 4:2:2 as webcams do. */
static unsigned char *encode(unsigned long *size, int subsamp)
{
	unsigned char rgb[JW * JH * 3], *jpeg = NULL;
	tjhandle tj = tjInitCompress();

	for (int y = 0; y < JH; y++)
		for (int x = 0; x < JW; x++) {
			unsigned char *p = rgb + (y * JW + x) * 3;

			p[0] = x < JW / 2 ? 255 : 0;
			p[1] = 0;
			p[2] = x < JW / 2 ? 0 : 255;
		}
	assert_non_null(tj);
	assert_int_equal(
		tjCompress2(tj, rgb, JW, JW * 3, JH, TJPF_RGB, &jpeg, size, subsamp, 95, 0), 0);
	tjDestroy(tj);
	return jpeg;
}

static void expect_near(int got, int want, const char *what)
{
	if (abs(got - want) > 4)
		fail_msg("%s: %d, expected %d", what, got, want);
}

/* JFIF: BT.601 full range. Red: Y 76, Cb 85, Cr 255; blue: Y 29, Cb 255, Cr 107. */
static void check_yuv(uint32_t fourcc, int subsamp)
{
	unsigned long size;
	unsigned char *jpeg = encode(&size, subsamp);
	static uint8_t frame[JW * JH * 2];
	uint8_t *planes[3] = {frame, frame + JW * JH, frame + JW * JH + JW * JH / 4};
	uint32_t strides[3] = {JW, fourcc == PH_FORMAT_YUV420 ? JW / 2 : JW, JW / 2};
	struct ph_mjpeg *m = ph_mjpeg_new();
	int y_red, y_blue, cb_red, cr_red, cb_blue, cr_blue;
	unsigned row = JH / 2 + 1;

	assert_non_null(m);
	if (fourcc == PH_FORMAT_YUYV || fourcc == PH_FORMAT_UYVY)
		strides[0] = JW * 2;
	assert_int_equal(ph_mjpeg_decode(m, jpeg, size, fourcc, JW, JH, planes, strides), 0);
	if (fourcc == PH_FORMAT_YUYV || fourcc == PH_FORMAT_UYVY) {
		const uint8_t *r = frame + row * strides[0] + 8, *b = frame + row * strides[0] + 96;
		int yo = fourcc == PH_FORMAT_YUYV ? 0 : 1, co = 1 - yo;

		y_red = r[yo];
		cb_red = r[co];
		cr_red = r[co + 2];
		y_blue = b[yo];
		cb_blue = b[co];
		cr_blue = b[co + 2];
	} else {
		const uint8_t *c = planes[1] + row / 2 * strides[1];

		y_red = frame[row * JW + 4];
		y_blue = frame[row * JW + 48];
		if (fourcc == PH_FORMAT_YUV420) {
			cb_red = c[2];
			cb_blue = c[24];
			cr_red = planes[2][row / 2 * strides[2] + 2];
			cr_blue = planes[2][row / 2 * strides[2] + 24];
		} else {
			int u = fourcc == PH_FORMAT_NV12 ? 0 : 1;

			cb_red = c[4 + u];
			cr_red = c[5 - u];
			cb_blue = c[48 + u];
			cr_blue = c[49 - u];
		}
	}
	expect_near(y_red, 76, "Y of red");
	expect_near(cb_red, 85, "Cb of red");
	expect_near(cr_red, 255, "Cr of red");
	expect_near(y_blue, 29, "Y of blue");
	expect_near(cb_blue, 255, "Cb of blue");
	expect_near(cr_blue, 107, "Cr of blue");
	ph_mjpeg_free(m);
	tjFree(jpeg);
}

static void test_mjpeg_yuv(void **state)
{
	const uint32_t formats[] = {PH_FORMAT_YUYV, PH_FORMAT_UYVY, PH_FORMAT_NV12, PH_FORMAT_NV21,
				    PH_FORMAT_YUV420};

	for (unsigned i = 0; i < 5; i++) {
		check_yuv(formats[i], TJSAMP_422);
		check_yuv(formats[i], TJSAMP_420);
		check_yuv(formats[i], TJSAMP_444);
	}
}

static void test_mjpeg_rgb_and_errors(void **state)
{
	unsigned long size;
	unsigned char *jpeg = encode(&size, TJSAMP_422);
	static uint8_t frame[JW * JH * 4];
	uint8_t *planes[3] = {frame, NULL, NULL};
	uint32_t strides[3] = {JW * 4, 0, 0};
	struct ph_mjpeg *m = ph_mjpeg_new();

	assert_true(ph_mjpeg_can_decode_to(PH_FORMAT_XRGB8888));
	assert_false(ph_mjpeg_can_decode_to(PH_FORMAT_SRGGB10));
	/* XRGB8888 is B, G, R, X in memory. */
	assert_int_equal(
		ph_mjpeg_decode(m, jpeg, size, PH_FORMAT_XRGB8888, JW, JH, planes, strides), 0);
	expect_near(frame[2], 255, "R of red");
	expect_near(frame[0], 0, "B of red");
	expect_near(frame[(JW - 1) * 4], 255, "B of blue");
	/* Another size than the stream's, a truncated or garbage frame, a format it cannot write.
	 */
	assert_int_equal(
		ph_mjpeg_decode(m, jpeg, size, PH_FORMAT_RGB888, JW * 2, JH, planes, strides),
		-EINVAL);
	assert_int_equal(ph_mjpeg_decode(m, jpeg, 20, PH_FORMAT_RGB888, JW, JH, planes, strides),
			 -EINVAL);
	memset(jpeg + 2, 0x55, 40);
	assert_int_equal(ph_mjpeg_decode(m, jpeg, size, PH_FORMAT_RGB888, JW, JH, planes, strides),
			 -EINVAL);
	assert_int_equal(ph_mjpeg_decode(m, jpeg, size, PH_FORMAT_RGB48, JW, JH, planes, strides),
			 -EINVAL);
	ph_mjpeg_free(m);
	tjFree(jpeg);
}

/* ---- the uvc pipeline on a made-up webcam ---- */

/* The range of @fourcc in stream 0 of @cfg. */
static struct ph_size_range range_of(const struct ph_config *cfg, uint32_t fourcc)
{
	struct ph_size_range r;

	assert_int_equal(ph_config_size_range(cfg, 0, fourcc, &r), 0);
	return r;
}

/*
 * A webcam as the VM's UVC gadget is: YUYV at 320x240 and 640x480,
 * Motion-JPEG at 640x480 and 1280x720. YUYV is offered at the sizes of
 * both, NV12 at the JPEG sizes only; 1280x720 YUYV is decoded (colour
 * space jpeg), 640x480 YUYV is the device's own.
 */
static void test_uvc_formats(void **state)
{
	struct ph_v4l2_size yuyv_sizes[2] = {{.width = 320, .height = 240},
					     {.width = 640, .height = 480}};
	struct ph_v4l2_size jpeg_sizes[2] = {{.width = 640, .height = 480},
					     {.width = 1280, .height = 720}};
	struct ph_v4l2_format_desc formats[2] = {
		{.fourcc = V4L2_PIX_FMT_YUYV, .sizes = yuyv_sizes, .size_count = 2},
		{.fourcc = V4L2_PIX_FMT_MJPEG, .sizes = jpeg_sizes, .size_count = 2},
	};
	struct ph_media_node node = {.syspath = "/sys/devices/fake/video4linux/video90",
				     .devnode = "/dev/video90",
				     .major = 81,
				     .minor = 90};
	struct ph_v4l2_probe probe = {.node = &node, .formats = formats, .format_count = 2};
	struct ph_context_params params = {.size = sizeof(params), .flags = PH_CONTEXT_NO_VIRTUAL};
	enum ph_stream_role role = PH_ROLE_VIDEO;
	struct ph_context *ctx = ph_context_new(&params);
	struct ph_camera *cam = NULL;
	struct ph_stream_config *sc;
	struct ph_size_range r;
	struct ph_config *cfg;

	assert_non_null(ctx);
	strcpy(probe.driver, "uvcvideo");
	strcpy(probe.card, "Made-up Webcam");
	strcpy(probe.bus_info, "usb-made-up-1");
	assert_int_equal(ph_uvc_probe(ctx, &probe), 1);
	for (unsigned i = 0; i < ph_context_camera_count(ctx); i++)
		if (!strcmp(ph_camera_get_id(ph_context_camera_at(ctx, i)), "uvc:usb-made-up-1"))
			cam = ph_context_camera_at(ctx, i);
	assert_non_null(cam);

	cfg = ph_camera_generate_config(cam, &role, 1);
	assert_non_null(cfg);
	r = range_of(cfg, PH_FORMAT_YUYV);
	assert_int_equal(r.min_width, 320);
	assert_int_equal(r.min_height, 240);
	assert_int_equal(r.max_width, 1280);
	assert_int_equal(r.max_height, 720);
	r = range_of(cfg, PH_FORMAT_NV12);
	assert_int_equal(r.min_width, 640);
	assert_int_equal(r.max_width, 1280);
	/* YUYV once in the list */
	unsigned yuyv = 0;
	for (unsigned i = 0; i < ph_config_format_count(cfg, 0); i++)
		yuyv += ph_config_format_at(cfg, 0, i) == PH_FORMAT_YUYV;
	assert_int_equal(yuyv, 1);

	sc = ph_config_stream_at(cfg, 0);
	sc->pixel_format = PH_FORMAT_YUYV;
	sc->width = 1280;
	sc->height = 720;
	sc->colorspace = 0;
	assert_int_equal(ph_config_validate(cfg), PH_CONFIG_VALID);
	assert_int_equal(sc->colorspace, PH_COLORSPACE_JPEG);
	sc->width = 640;
	sc->height = 480;
	sc->colorspace = 0;
	assert_int_equal(ph_config_validate(cfg), PH_CONFIG_VALID);
	assert_int_equal(sc->colorspace, PH_COLORSPACE_SMPTE170M);
	ph_config_free(cfg);
	ph_context_unref(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uevent_add),
		cmocka_unit_test(test_uevent_remove_without_devnum),
		cmocka_unit_test(test_uevent_malformed),
		cmocka_unit_test(test_socket_listens),
		cmocka_unit_test(test_sysfs_enumeration),
		cmocka_unit_test(test_format_mapping),
		cmocka_unit_test(test_colorspace_mapping),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_capture_caps),
		cmocka_unit_test(test_control_mapping),
		cmocka_unit_test(test_mjpeg_yuv),
		cmocka_unit_test(test_mjpeg_rgb_and_errors),
		cmocka_unit_test(test_uvc_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
