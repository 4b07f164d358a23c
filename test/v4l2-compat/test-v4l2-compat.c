/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The V4L2 layer without LD_PRELOAD: the format and control tables, and the
 * device's ioctl handlers called directly on the simulated camera.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "v4l2-compat.h"

#define NODE "/dev/pinhole-test-video"

static int sys_open(const char *path, int flags, ...)
{
	return open(path, flags);
}

static struct v4l2c_state *state_new(void)
{
	static const struct v4l2c_sys sys = {
		.open = sys_open,
		.close = close,
		.fcntl = fcntl,
		.mmap = mmap,
		.ppoll = ppoll,
		.read = read,
		.munmap = munmap,
	};
	struct v4l2c_state *st = calloc(1, sizeof(*st));

	assert_non_null(st);
	assert_int_equal(v4l2c_state_init(st, &sys, NODE "=virtual:0"), 0);
	return st;
}

static void state_free(struct v4l2c_state *st)
{
	v4l2c_state_fini(st);
	free(st);
}

/* ---- tables ---- */

static void test_formats_are_pinhole_formats(void **unused)
{
	static const struct {
		uint32_t v4l2, pinhole;
	} pairs[] = {
		{V4L2_PIX_FMT_RGB24, PH_FORMAT_RGB888},
		{V4L2_PIX_FMT_BGR24, PH_FORMAT_BGR888},
		{V4L2_PIX_FMT_XBGR32, PH_FORMAT_XRGB8888},
		{V4L2_PIX_FMT_RGBX32, PH_FORMAT_XBGR8888},
		{V4L2_PIX_FMT_RGB565, PH_FORMAT_RGB565},
		{V4L2_PIX_FMT_NV12, PH_FORMAT_NV12},
		{V4L2_PIX_FMT_NV21, PH_FORMAT_NV21},
		{V4L2_PIX_FMT_YUV420, PH_FORMAT_YUV420},
		{V4L2_PIX_FMT_YUYV, PH_FORMAT_YUYV},
		{V4L2_PIX_FMT_UYVY, PH_FORMAT_UYVY},
		{V4L2_PIX_FMT_SRGGB10, PH_FORMAT_SRGGB10},
		{V4L2_PIX_FMT_SRGGB10P, PH_FORMAT_SRGGB10_CSI2P},
		{V4L2_PIX_FMT_SBGGR12P, PH_FORMAT_SBGGR12_CSI2P},
		{V4L2_PIX_FMT_Y10, PH_FORMAT_Y10},
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const struct v4l2c_format *f = v4l2c_format_find(pairs[i].v4l2);

		assert_int_equal(pairs[i].v4l2, pairs[i].pinhole);
		assert_non_null(f);
		assert_non_null(ph_format_get_info(f->fourcc));
		assert_true(strlen(f->description) > 0 && strlen(f->description) < 32);
	}
	/* Pinhole's 48-bit RGB has no V4L2 fourcc: not offered. */
	assert_null(v4l2c_format_find(PH_FORMAT_RGB48));
	assert_string_equal(v4l2c_format_find(V4L2_PIX_FMT_NV12)->description, "Y/CbCr 4:2:0");
}

static void test_colorspaces(void **unused)
{
	struct v4l2_pix_format pix;

	v4l2c_colorspace_to_v4l2(PH_COLORSPACE_REC709, &pix);
	assert_int_equal(pix.colorspace, V4L2_COLORSPACE_REC709);
	assert_int_equal(pix.ycbcr_enc, V4L2_YCBCR_ENC_709);
	assert_int_equal(pix.quantization, V4L2_QUANTIZATION_LIM_RANGE);
	v4l2c_colorspace_to_v4l2(PH_COLORSPACE_JPEG, &pix);
	assert_int_equal(pix.colorspace, V4L2_COLORSPACE_JPEG);
	assert_int_equal(pix.quantization, V4L2_QUANTIZATION_FULL_RANGE);
	v4l2c_colorspace_to_v4l2(PH_COLORSPACE_RAW, &pix);
	assert_int_equal(pix.colorspace, V4L2_COLORSPACE_RAW);
}

static void test_control_table(void **unused)
{
	for (unsigned i = 0; i < v4l2c_ctrl_count(); i++) {
		const struct v4l2c_ctrl_map *m = v4l2c_ctrl_at(i);

		assert_true(strlen(m->name) < 32);
		assert_int_equal(v4l2c_ctrl_index(m->cid), (int)i);
		if (i)
			assert_true(v4l2c_ctrl_at(i - 1)->cid <
				    m->cid); /* NEXT_CTRL relies on it */
		if (m->kind != V4L2C_KIND_CLASS)
			assert_non_null(ph_control_desc_by_id(m->ph_id));
	}
	assert_int_equal(v4l2c_ctrl_index(V4L2_CID_HUE), -1);
}

static const struct v4l2c_ctrl_map *map_of(uint32_t cid)
{
	int i = v4l2c_ctrl_index(cid);

	assert_true(i >= 0);
	return v4l2c_ctrl_at((unsigned)i);
}

static void test_control_ranges(void **unused)
{
	struct ph_control_info exposure = {
		.min = {.type = PH_CONTROL_TYPE_INT32, .count = 1, .i32 = {10}},
		.max = {.type = PH_CONTROL_TYPE_INT32, .count = 1, .i32 = {999939}},
		.def = {.type = PH_CONTROL_TYPE_INT32, .count = 1, .i32 = {10000}},
	};
	struct ph_control_info gain = {
		.min = {.type = PH_CONTROL_TYPE_FLOAT, .count = 1, .f = {1.0f}},
		.max = {.type = PH_CONTROL_TYPE_FLOAT, .count = 1, .f = {16.0f}},
		.def = {.type = PH_CONTROL_TYPE_FLOAT, .count = 1, .f = {1.0f}},
	};
	struct ph_control_info metering = {
		.min = {.type = PH_CONTROL_TYPE_INT32, .count = 1, .i32 = {0}},
		.max = {.type = PH_CONTROL_TYPE_INT32, .count = 1, .i32 = {2}},
		.def = {.type = PH_CONTROL_TYPE_INT32, .count = 1, .i32 = {0}},
	};
	struct ph_control_info ev = {
		.min = {.type = PH_CONTROL_TYPE_FLOAT, .count = 1, .f = {-1.0f}},
		.max = {.type = PH_CONTROL_TYPE_FLOAT, .count = 1, .f = {8.0f}},
		.def = {.type = PH_CONTROL_TYPE_FLOAT, .count = 1, .f = {0.0f}},
	};
	struct ph_control_info ae = {
		.def = {.type = PH_CONTROL_TYPE_BOOL, .count = 1, .b = {true}},
	};
	struct v4l2c_ctrl_range r;

	/* Microseconds to V4L2's 100 us units: the range shrinks inwards. */
	assert_int_equal(v4l2c_ctrl_range(map_of(V4L2_CID_EXPOSURE_ABSOLUTE), &exposure, &r), 0);
	assert_int_equal(r.min, 1);
	assert_int_equal(r.max, 9999);
	assert_int_equal(r.def, 100);
	assert_int_equal(v4l2c_ctrl_range(map_of(V4L2_CID_GAIN), &gain, &r), 0);
	assert_int_equal(r.min, 100);
	assert_int_equal(r.max, 1600);
	/* No "average" metering in Pinhole: the menu starts at centre-weighted. */
	assert_int_equal(v4l2c_ctrl_range(map_of(V4L2_CID_EXPOSURE_METERING), &metering, &r), 0);
	assert_int_equal(r.min, V4L2_EXPOSURE_METERING_CENTER_WEIGHTED);
	assert_int_equal(r.max, V4L2_EXPOSURE_METERING_MATRIX);
	/* The EV menu keeps only the items inside the camera's range. */
	assert_int_equal(v4l2c_ctrl_range(map_of(V4L2_CID_AUTO_EXPOSURE_BIAS), &ev, &r), 0);
	assert_int_equal(map_of(V4L2_CID_AUTO_EXPOSURE_BIAS)->int_menu[r.min], -1000);
	assert_int_equal(map_of(V4L2_CID_AUTO_EXPOSURE_BIAS)->int_menu[r.def], 0);
	assert_int_equal(map_of(V4L2_CID_AUTO_EXPOSURE_BIAS)->int_menu[r.max], 2000);
	assert_int_equal(v4l2c_ctrl_range(map_of(V4L2_CID_EXPOSURE_AUTO), &ae, &r), 0);
	assert_int_equal(r.def, V4L2_EXPOSURE_AUTO);
	/* A camera without the control has no V4L2 control either. */
	assert_int_equal(v4l2c_ctrl_range(map_of(V4L2_CID_GAIN), NULL, &r), -ENOENT);
}

static void test_control_values(void **unused)
{
	struct ph_control_list *list = ph_control_list_new();
	struct ph_control_value v;
	int32_t i32, value;
	float f;
	bool b;

	assert_non_null(list);
	assert_int_equal(v4l2c_ctrl_to_pinhole(map_of(V4L2_CID_EXPOSURE_ABSOLUTE), 250, list), 0);
	assert_int_equal(ph_control_list_get_int32(list, PH_CONTROL_EXPOSURE_TIME, &i32), 0);
	assert_int_equal(i32, 25000);
	assert_int_equal(
		v4l2c_ctrl_to_pinhole(map_of(V4L2_CID_EXPOSURE_AUTO), V4L2_EXPOSURE_MANUAL, list),
		0);
	assert_int_equal(ph_control_list_get_bool(list, PH_CONTROL_AE_ENABLE, &b), 0);
	assert_false(b);
	/* Red and blue are the two halves of one ColourGains value. */
	assert_int_equal(v4l2c_ctrl_to_pinhole(map_of(V4L2_CID_RED_BALANCE), 120, list), 0);
	assert_int_equal(v4l2c_ctrl_to_pinhole(map_of(V4L2_CID_BLUE_BALANCE), 200, list), 0);
	assert_int_equal(ph_control_list_get(list, PH_CONTROL_COLOUR_GAINS, &v), 0);
	assert_int_equal(v.count, 2);
	assert_float_equal(v.f[0], 1.2f, 1e-5);
	assert_float_equal(v.f[1], 2.0f, 1e-5);
	assert_int_equal(v4l2c_ctrl_to_pinhole(map_of(V4L2_CID_POWER_LINE_FREQUENCY),
					       V4L2_CID_POWER_LINE_FREQUENCY_60HZ, list),
			 0);
	assert_int_equal(ph_control_list_get_int32(list, PH_CONTROL_AE_FLICKER_MODE, &i32), 0);
	assert_int_equal(i32, 1);
	assert_int_equal(ph_control_list_get_int32(list, PH_CONTROL_AE_FLICKER_PERIOD, &i32), 0);
	assert_int_equal(i32, 8333);
	assert_int_equal(v4l2c_ctrl_to_pinhole(map_of(V4L2_CID_EXPOSURE_METERING),
					       V4L2_EXPOSURE_METERING_SPOT, list),
			 0);
	assert_int_equal(ph_control_list_get_int32(list, PH_CONTROL_AE_METERING_MODE, &i32), 0);
	assert_int_equal(i32, 1);
	assert_int_equal(v4l2c_ctrl_to_pinhole(map_of(V4L2_CID_AUTO_EXPOSURE_BIAS), 9, list), 0);
	assert_int_equal(ph_control_list_get_float(list, PH_CONTROL_EXPOSURE_VALUE, &f), 0);
	assert_float_equal(f, 1.0f, 1e-5);
	assert_int_equal(v4l2c_ctrl_to_pinhole(map_of(V4L2_CID_AUTO_EXPOSURE_BIAS), 99, list),
			 -EINVAL);
	assert_int_equal(v4l2c_ctrl_to_pinhole(map_of(V4L2_CID_BRIGHTNESS), -50, list), 0);
	assert_int_equal(ph_control_list_get_float(list, PH_CONTROL_BRIGHTNESS, &f), 0);
	assert_float_equal(f, -0.5f, 1e-5);

	/* Metadata back to V4L2 units. */
	ph_control_list_clear(list);
	assert_int_equal(ph_control_list_set_float(list, PH_CONTROL_ANALOGUE_GAIN, 2.5f), 0);
	assert_int_equal(v4l2c_ctrl_from_pinhole(map_of(V4L2_CID_GAIN), list, &value), 0);
	assert_int_equal(value, 250);
	assert_int_equal(v4l2c_ctrl_from_pinhole(map_of(V4L2_CID_EXPOSURE_ABSOLUTE), list, &value),
			 -ENOENT);
	ph_control_list_free(list);
}

/* ---- the device, through its handlers ---- */

static void test_spec_parsing(void **unused)
{
	static const struct v4l2c_sys sys = {.open = sys_open, .close = close};
	struct v4l2c_state *st = calloc(1, sizeof(*st));

	assert_non_null(st);
	assert_int_equal(v4l2c_state_init(st, &sys, "/dev/video3=virtual:0,/dev/video9=0"), 0);
	assert_int_equal(st->device_count, 2);
	assert_int_equal(v4l2c_find_path(st, "/dev/video9"), 1);
	assert_int_equal(v4l2c_find_path(st, "/dev/video1"), -1);
	v4l2c_state_fini(st);
	assert_int_equal(v4l2c_state_init(st, &sys, "/dev/video3"), -EINVAL);
	v4l2c_state_fini(st);
	assert_int_equal(v4l2c_state_init(st, &sys, "=virtual"), -EINVAL);
	v4l2c_state_fini(st);
	free(st);
}

static void test_stat(void **unused)
{
	struct v4l2c_state *st = state_new();
	struct stat sb;

	v4l2c_fill_stat(st, 0, &sb);
	assert_true(S_ISCHR(sb.st_mode));
	assert_int_equal(major(sb.st_rdev), 81);
	state_free(st);
}

static void test_caps_and_formats(void **unused)
{
	struct v4l2c_state *st = state_new();
	struct v4l2_capability cap;
	struct v4l2_fmtdesc fd = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
	struct v4l2_format f = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
	struct v4l2_frmsizeenum fs = {.pixel_format = V4L2_PIX_FMT_NV12};
	struct v4l2_frmivalenum fi = {.pixel_format = V4L2_PIX_FMT_NV12};
	bool saw_nv12 = false, saw_raw = false;
	int fd0 = v4l2c_open(st, 0, O_RDWR);

	assert_true(fd0 >= 0);
	assert_true(v4l2c_is_ours(st, fd0));
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_QUERYCAP, &cap), 0);
	assert_string_equal((char *)cap.driver, "pinhole");
	assert_true(cap.device_caps & V4L2_CAP_VIDEO_CAPTURE);
	assert_true(cap.device_caps & V4L2_CAP_STREAMING);

	for (fd.index = 0; v4l2c_ioctl(st, fd0, VIDIOC_ENUM_FMT, &fd) == 0; fd.index++) {
		saw_nv12 |= fd.pixelformat == V4L2_PIX_FMT_NV12;
		saw_raw |= fd.pixelformat == V4L2_PIX_FMT_SRGGB10;
		fd.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	}
	assert_true(saw_nv12);
	assert_true(saw_raw);
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_ENUM_FRAMESIZES, &fs), 0);
	assert_int_equal(fs.type, V4L2_FRMSIZE_TYPE_STEPWISE);
	fi.width = fs.stepwise.max_width;
	fi.height = fs.stepwise.max_height;
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_ENUM_FRAMEINTERVALS, &fi), 0);
	assert_int_equal(fi.type, V4L2_FRMIVAL_TYPE_DISCRETE);
	fi.width = fs.stepwise.max_width + 2;
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_ENUM_FRAMEINTERVALS, &fi), -EINVAL);

	/* TRY_FMT adjusts instead of failing: odd sizes, an unknown fourcc. */
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_NV12;
	f.fmt.pix.width = 321;
	f.fmt.pix.height = 241;
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_TRY_FMT, &f), 0);
	assert_int_equal(f.fmt.pix.width, 320);
	assert_int_equal(f.fmt.pix.height, 240);
	assert_int_equal(f.fmt.pix.sizeimage, f.fmt.pix.bytesperline * 240 * 3 / 2);
	assert_int_equal(f.fmt.pix.colorspace, V4L2_COLORSPACE_REC709);
	f.fmt.pix.pixelformat = v4l2_fourcc('H', '2', '6', '4');
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_TRY_FMT, &f), 0);
	assert_non_null(v4l2c_format_find(f.fmt.pix.pixelformat));
	f.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_TRY_FMT, &f), -EINVAL);
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_ENUMSTD, &fd), -ENOTTY);
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_QUERYCAP, NULL), -EFAULT);
	assert_int_equal(v4l2c_close(st, fd0), 0);
	assert_false(v4l2c_is_ours(st, fd0));
	state_free(st);
}

static void test_controls_through_ioctls(void **unused)
{
	struct v4l2c_state *st = state_new();
	int fd0 = v4l2c_open(st, 0, O_RDWR), fd1 = v4l2c_open(st, 0, O_RDWR);
	struct v4l2_queryctrl q = {.id = V4L2_CTRL_FLAG_NEXT_CTRL};
	struct v4l2_control c = {.id = V4L2_CID_BRIGHTNESS, .value = 1000};
	struct v4l2_ext_control ec[2] = {{.id = V4L2_CID_CONTRAST, .value = 150},
					 {.id = V4L2_CID_HUE, .value = 0}};
	struct v4l2_ext_controls ecs = {
		.which = V4L2_CTRL_WHICH_CUR_VAL, .count = 2, .controls = ec};
	struct v4l2_event_subscription sub = {.type = V4L2_EVENT_CTRL, .id = V4L2_CID_BRIGHTNESS};
	struct v4l2_event ev;
	uint32_t prio = V4L2_PRIORITY_RECORD;
	unsigned count = 0;

	assert_true(fd0 >= 0 && fd1 >= 0);
	while (v4l2c_ioctl(st, fd0, VIDIOC_QUERYCTRL, &q) == 0) {
		count++;
		q.id |= V4L2_CTRL_FLAG_NEXT_CTRL;
	}
	assert_true(count >= 10);

	/* Integers are clamped; the other file hears about the change. */
	assert_int_equal(v4l2c_ioctl(st, fd1, VIDIOC_SUBSCRIBE_EVENT, &sub), 0);
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_S_CTRL, &c), 0);
	assert_int_equal(c.value, 100);
	c.value = 0;
	assert_int_equal(v4l2c_ioctl(st, fd1, VIDIOC_G_CTRL, &c), 0);
	assert_int_equal(c.value, 100);
	assert_int_equal(v4l2c_ioctl(st, fd1, VIDIOC_DQEVENT, &ev), 0);
	assert_int_equal(ev.id, V4L2_CID_BRIGHTNESS);
	assert_int_equal(ev.u.ctrl.value, 100);
	assert_int_equal(v4l2c_ioctl(st, fd1, VIDIOC_DQEVENT, &ev), -ENOENT);

	/* A bad id anywhere: nothing is set, error_idx says where. */
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_TRY_EXT_CTRLS, &ecs), -EINVAL);
	assert_int_equal(ecs.error_idx, 1);
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_S_EXT_CTRLS, &ecs), -EINVAL);
	assert_int_equal(ecs.error_idx, 2);
	c.id = V4L2_CID_CONTRAST;
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_G_CTRL, &c), 0);
	assert_int_equal(c.value, 100);
	ecs.count = 1;
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_S_EXT_CTRLS, &ecs), 0);
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_G_CTRL, &c), 0);
	assert_int_equal(c.value, 150);

	/* Menus refuse what is outside them; auto exposure makes exposure inactive. */
	c.id = V4L2_CID_EXPOSURE_METERING;
	c.value = V4L2_EXPOSURE_METERING_AVERAGE;
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_S_CTRL, &c), -ERANGE);
	q.id = V4L2_CID_EXPOSURE_ABSOLUTE;
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_QUERYCTRL, &q), 0);
	assert_true(q.flags & V4L2_CTRL_FLAG_INACTIVE);
	c.id = V4L2_CID_EXPOSURE_AUTO;
	c.value = V4L2_EXPOSURE_MANUAL;
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_S_CTRL, &c), 0);
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_QUERYCTRL, &q), 0);
	assert_false(q.flags & V4L2_CTRL_FLAG_INACTIVE);

	/* Priority: a RECORD file locks the others out of changes. */
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_S_PRIORITY, &prio), 0);
	c.id = V4L2_CID_BRIGHTNESS;
	assert_int_equal(v4l2c_ioctl(st, fd1, VIDIOC_S_CTRL, &c), -EBUSY);
	assert_int_equal(v4l2c_close(st, fd0), 0);
	assert_int_equal(v4l2c_ioctl(st, fd1, VIDIOC_S_CTRL, &c), 0);
	assert_int_equal(v4l2c_close(st, fd1), 0);
	state_free(st);
}

static void test_streaming(void **unused)
{
	struct v4l2c_state *st = state_new();
	int fd0 = v4l2c_open(st, 0, O_RDWR), fd1 = v4l2c_open(st, 0, O_RDWR);
	struct v4l2_format f = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
	struct v4l2_requestbuffers rb = {
		.count = 3, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
	struct v4l2_exportbuffer eb = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	void *maps[3];
	uint32_t last_sequence = 0;
	int err, dupfd;

	assert_true(fd0 >= 0 && fd1 >= 0);
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
	f.fmt.pix.width = 320;
	f.fmt.pix.height = 240;
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_S_FMT, &f), 0);
	assert_int_equal(f.fmt.pix.sizeimage, 320 * 240 * 2);

	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_REQBUFS, &rb), 0);
	assert_int_equal(rb.count, 3);
	/* One file owns the buffers. */
	assert_int_equal(v4l2c_ioctl(st, fd1, VIDIOC_REQBUFS, &rb), -EBUSY);
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_NV12;
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_S_FMT, &f), -EBUSY);

	for (unsigned i = 0; i < 3; i++) {
		struct v4l2_buffer b = {.index = i,
					.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					.memory = V4L2_MEMORY_MMAP};

		assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_QUERYBUF, &b), 0);
		assert_int_equal(b.length, 320 * 240 * 2);
		maps[i] = v4l2c_mmap(st, NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd0,
				     b.m.offset, &err);
		assert_ptr_not_equal(maps[i], MAP_FAILED);
		memset(maps[i], 0, b.length);
		assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_QUERYBUF, &b), 0);
		assert_true(b.flags & V4L2_BUF_FLAG_MAPPED);
		assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_QBUF, &b), 0);
		assert_true(b.flags & V4L2_BUF_FLAG_QUEUED);
	}
	/* An offset that is no buffer's does not map. */
	assert_ptr_equal(v4l2c_mmap(st, NULL, 4096, PROT_READ, MAP_SHARED, fd0, 12345, &err),
			 MAP_FAILED);
	assert_int_equal(err, EINVAL);
	eb.index = 1;
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_EXPBUF, &eb), 0);
	assert_true(eb.fd >= 0);
	assert_int_equal(lseek(eb.fd, 0, SEEK_END), 320 * 240 * 2);
	close(eb.fd);

	/* A dup'ed fd is the same open file. */
	dupfd = dup(fd0);
	assert_int_equal(v4l2c_dup_register(st, fd0, dupfd), 0);
	assert_int_equal(v4l2c_ioctl(st, dupfd, VIDIOC_STREAMON, &type), 0);

	for (unsigned n = 0; n < 6; n++) {
		struct pollfd p = {.fd = fd0, .events = POLLIN};
		struct timespec timeout = {10, 0};
		struct v4l2_buffer b = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					.memory = V4L2_MEMORY_MMAP};
		const uint8_t *pixels;
		unsigned nonzero = 0;

		assert_int_equal(v4l2c_poll(st, &p, 1, &timeout, NULL), 1);
		assert_true(p.revents & POLLIN);
		assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_DQBUF, &b), 0);
		assert_int_equal(b.bytesused, 320 * 240 * 2);
		assert_false(b.flags & (V4L2_BUF_FLAG_QUEUED | V4L2_BUF_FLAG_DONE));
		if (n)
			assert_true(b.sequence > last_sequence);
		last_sequence = b.sequence;
		/* The application's mapping holds the ISP's frame. */
		pixels = maps[b.index];
		for (unsigned i = 0; i < b.bytesused; i += 97)
			nonzero += pixels[i] != 0;
		assert_true(nonzero > b.bytesused / 97 / 2);
		memset(maps[b.index], 0, b.length);
		assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_QBUF, &b), 0);
	}
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_STREAMOFF, &type), 0);
	{
		struct v4l2_buffer b = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					.memory = V4L2_MEMORY_MMAP};
		struct pollfd p = {.fd = fd0, .events = POLLIN};
		struct timespec zero = {0, 0};

		assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_DQBUF, &b), -EINVAL);
		assert_int_equal(v4l2c_poll(st, &p, 1, &zero, NULL), 1);
		assert_true(p.revents & POLLERR);
	}
	/* The buffers may outlive REQBUFS(0) in the application's mappings. */
	rb.count = 0;
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_REQBUFS, &rb), 0);
	for (unsigned i = 0; i < 3; i++) {
		v4l2c_munmap(st, maps[i]);
		munmap(maps[i], 320 * 240 * 2);
	}
	assert_int_equal(v4l2c_close(st, fd0), 0);
	assert_int_equal(v4l2c_close(st, dupfd), 0);
	assert_int_equal(v4l2c_close(st, fd1), 0);
	state_free(st);
}

static void test_read_io(void **unused)
{
	struct v4l2c_state *st = state_new();
	int fd0 = v4l2c_open(st, 0, O_RDWR), fd1 = v4l2c_open(st, 0, O_RDWR | O_NONBLOCK);
	struct v4l2_format f = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
	struct v4l2_requestbuffers rb = {
		.count = 2, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
	size_t size;
	uint8_t *frame;

	assert_true(fd0 >= 0 && fd1 >= 0);
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_GREY;
	f.fmt.pix.width = 160;
	f.fmt.pix.height = 120;
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_S_FMT, &f), 0);
	if (f.fmt.pix.pixelformat != V4L2_PIX_FMT_GREY) {
		f.fmt.pix.pixelformat = V4L2_PIX_FMT_RGB24;
		assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_S_FMT, &f), 0);
	}
	size = f.fmt.pix.sizeimage;
	frame = malloc(size);
	assert_non_null(frame);
	for (unsigned n = 0; n < 3; n++)
		assert_int_equal(v4l2c_read(st, fd0, frame, size), (ssize_t)size);
	/* Streaming I/O is refused while read() I/O runs, and to other files. */
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_REQBUFS, &rb), -EBUSY);
	assert_int_equal(v4l2c_read(st, fd1, frame, size), -EBUSY);
	free(frame);
	assert_int_equal(v4l2c_close(st, fd0), 0);
	/* Its owner gone, the device is free again. */
	assert_int_equal(v4l2c_ioctl(st, fd1, VIDIOC_REQBUFS, &rb), 0);
	assert_int_equal(v4l2c_close(st, fd1), 0);
	state_free(st);
}

struct hammer {
	struct v4l2c_state *st;
	int fd;
	atomic_bool stop;
	unsigned calls;
};

/* Another thread of the program: queries and controls while frames flow. */
static void *hammer_main(void *data)
{
	struct hammer *h = data;

	while (!atomic_load(&h->stop)) {
		struct v4l2_capability cap;
		struct v4l2_control c = {.id = V4L2_CID_BRIGHTNESS,
					 .value = (int32_t)(h->calls % 50)};
		struct v4l2_format f = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
		struct pollfd p = {.fd = h->fd, .events = POLLPRI};
		struct timespec zero = {0, 0};

		assert_int_equal(v4l2c_ioctl(h->st, h->fd, VIDIOC_QUERYCAP, &cap), 0);
		assert_int_equal(v4l2c_ioctl(h->st, h->fd, VIDIOC_S_CTRL, &c), 0);
		assert_int_equal(v4l2c_ioctl(h->st, h->fd, VIDIOC_G_FMT, &f), 0);
		assert_int_equal(f.fmt.pix.width, 320);
		assert_true(v4l2c_poll(h->st, &p, 1, &zero, NULL) >= 0);
		h->calls++;
	}
	return NULL;
}

/* A blocking DQBUF in one thread while another calls in: no deadlock, no lost frame. */
static void test_threads(void **unused)
{
	struct v4l2c_state *st = state_new();
	int fd0 = v4l2c_open(st, 0, O_RDWR), fd1 = v4l2c_open(st, 0, O_RDWR);
	struct v4l2_format f = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
	struct v4l2_requestbuffers rb = {
		.count = 4, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct hammer h = {.st = st, .fd = fd1};
	pthread_t thread;

	assert_true(fd0 >= 0 && fd1 >= 0);
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_NV12;
	f.fmt.pix.width = 320;
	f.fmt.pix.height = 240;
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_S_FMT, &f), 0);
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_REQBUFS, &rb), 0);
	for (unsigned i = 0; i < rb.count; i++) {
		struct v4l2_buffer b = {.index = i,
					.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					.memory = V4L2_MEMORY_MMAP};

		assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_QBUF, &b), 0);
	}
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_STREAMON, &type), 0);
	assert_int_equal(pthread_create(&thread, NULL, hammer_main, &h), 0);
	for (unsigned n = 0; n < 10; n++) {
		struct v4l2_buffer b = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					.memory = V4L2_MEMORY_MMAP};

		assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_DQBUF, &b), 0);
		assert_int_equal(b.bytesused, f.fmt.pix.sizeimage);
		assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_QBUF, &b), 0);
	}
	atomic_store(&h.stop, true);
	pthread_join(thread, NULL);
	assert_true(h.calls > 0);
	assert_int_equal(v4l2c_ioctl(st, fd0, VIDIOC_STREAMOFF, &type), 0);
	assert_int_equal(v4l2c_close(st, fd0), 0);
	assert_int_equal(v4l2c_close(st, fd1), 0);
	state_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats_are_pinhole_formats),
		cmocka_unit_test(test_colorspaces),
		cmocka_unit_test(test_control_table),
		cmocka_unit_test(test_control_ranges),
		cmocka_unit_test(test_control_values),
		cmocka_unit_test(test_spec_parsing),
		cmocka_unit_test(test_stat),
		cmocka_unit_test(test_caps_and_formats),
		cmocka_unit_test(test_controls_through_ioctls),
		cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_read_io),
		cmocka_unit_test(test_threads),
	};

	/* A small sensor keeps the ISP cheap under valgrind and the sanitizers. */
	setenv("PINHOLE_VIRTUAL", "width=320,height=240", 1);
	setenv("PINHOLE_VIRTUAL_CONFIG", "", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
