/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Time to write one 1920x1080 frame with the CLI's still writers: JPEG from
 * each path of jpeg_writer.c, DNG from unpacked and CSI-2 packed raw, and
 * PNG/PPM for comparison. Frames are the simulated sensor's chart (with
 * noise) developed by the ISP, so the encoders see camera-like content.
 * Prints the median wall time per frame over the runs, the file size and
 * the time relative to the PNG writer.
 *
 * usage: bench-stills [--quick]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image_writer.h"
#include "isp/isp.h"
#include "pipeline/virtual/sim.h"

#define WIDTH  1920
#define HEIGHT 1080

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct buffers {
	uint8_t *raw10, *packed10, *rgb, *nv12, *nv12_709, *yuyv;
};

/* A processed frame of the ISP's output @p fourcc in @p planes. */
static struct image_frame processed(uint32_t fourcc, uint8_t *data, enum ph_colorspace cs)
{
	struct image_frame f = {
		.fourcc = fourcc, .width = WIDTH, .height = HEIGHT, .colorspace = cs};

	if (fourcc == PH_FORMAT_NV12) {
		f.plane_count = 2;
		f.data[0] = data;
		f.data[1] = data + (size_t)WIDTH * HEIGHT;
		f.stride[0] = f.stride[1] = WIDTH;
		f.bytes_used[0] = WIDTH * HEIGHT;
		f.bytes_used[1] = WIDTH * HEIGHT / 2;
	} else {
		unsigned bpp = fourcc == PH_FORMAT_YUYV ? 2 : 3;

		f.plane_count = 1;
		f.data[0] = data;
		f.stride[0] = WIDTH * bpp;
		f.bytes_used[0] = WIDTH * HEIGHT * bpp;
	}
	return f;
}

static int make_frames(struct buffers *b, float gains[2])
{
	struct ph_sim_params params;
	struct ph_sim_frame frame = {.exposure_us = 10000, .gain = 1};
	struct ph_sim_scene *scene;
	struct ph_isp_params isp_params;
	struct ph_isp *isp;
	int ret;

	ph_sim_params_default(&params);
	params.width = WIDTH;
	params.height = HEIGHT;
	scene = ph_sim_scene_new(&params);
	b->raw10 = malloc((size_t)WIDTH * HEIGHT * 2);
	b->packed10 = malloc((size_t)WIDTH / 4 * 5 * HEIGHT);
	b->rgb = malloc((size_t)WIDTH * HEIGHT * 3);
	b->nv12 = malloc((size_t)WIDTH * HEIGHT * 3 / 2);
	b->nv12_709 = malloc((size_t)WIDTH * HEIGHT * 3 / 2);
	b->yuyv = malloc((size_t)WIDTH * HEIGHT * 2);
	isp = ph_isp_new(0);
	if (!scene || !b->raw10 || !b->packed10 || !b->rgb || !b->nv12 || !b->nv12_709 ||
	    !b->yuyv || !isp) {
		ph_sim_scene_free(scene);
		ph_isp_free(isp);
		return -ENOMEM;
	}
	ph_sim_params_ideal_colour_gains(&params, gains);
	ret = ph_sim_render_raw(scene, &frame, PH_FORMAT_SRGGB10, b->raw10, WIDTH * 2);
	if (!ret)
		ret = ph_sim_render_raw(scene, &frame, PH_FORMAT_SRGGB10_CSI2P, b->packed10,
					WIDTH / 4 * 5);
	ph_isp_params_identity(&isp_params);
	for (unsigned i = 0; i < 4; i++)
		isp_params.black_level[i] = (uint16_t)(params.black_level << 6);
	isp_params.wb_gains[0] = gains[0];
	isp_params.wb_gains[2] = gains[1];
	isp_params.gamma = true;
	isp_params.demosaic = PH_ISP_DEMOSAIC_HQ;
	struct ph_isp_input in = {.fourcc = PH_FORMAT_SRGGB10,
				  .width = WIDTH,
				  .height = HEIGHT,
				  .stride = WIDTH * 2,
				  .data = b->raw10};
	struct ph_isp_output outs[4] = {
		{.fourcc = PH_FORMAT_RGB888,
		 .width = WIDTH,
		 .height = HEIGHT,
		 .planes = {b->rgb},
		 .strides = {WIDTH * 3}},
		{.fourcc = PH_FORMAT_NV12,
		 .width = WIDTH,
		 .height = HEIGHT,
		 .full_range = true,
		 .planes = {b->nv12, b->nv12 + WIDTH * HEIGHT},
		 .strides = {WIDTH, WIDTH}},
		{.fourcc = PH_FORMAT_YUYV,
		 .width = WIDTH,
		 .height = HEIGHT,
		 .full_range = true,
		 .planes = {b->yuyv},
		 .strides = {WIDTH * 2}},
		{.fourcc = PH_FORMAT_NV12,
		 .width = WIDTH,
		 .height = HEIGHT,
		 .colorspace = PH_ISP_BT709,
		 .planes = {b->nv12_709, b->nv12_709 + WIDTH * HEIGHT},
		 .strides = {WIDTH, WIDTH}},
	};
	for (unsigned i = 0; !ret && i < 4; i += 2)
		ret = ph_isp_process(isp, &in, &isp_params, &outs[i], 2, NULL, NULL);
	ph_isp_free(isp);
	ph_sim_scene_free(scene);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned runs = argc > 1 && !strcmp(argv[1], "--quick") ? 3 : 11;
	struct buffers b = {0};
	float gains[2];
	char dir[] = "/tmp/bench-stills-XXXXXX", path[64];
	double png_ms = 0;
	struct image_raw_info info = {
		.model = "pinhole-sim",
		.have_black = true,
		.black_level = {4096, 4096, 4096, 4096},
		.have_gains = true,
		.exposure_us = 10000,
		.analogue_gain = 1,
		.colour_temperature = 5000,
	};

	if (make_frames(&b, gains) || !mkdtemp(dir)) {
		fprintf(stderr, "bench-stills: cannot prepare the frames\n");
		return 1;
	}
	memcpy(info.colour_gains, gains, sizeof(gains));

	struct {
		const char *name, *ext;
		enum image_file_type type;
		struct image_frame frame;
	} cases[] = {
		{"PNG  RGB888 (reference)", "png", IMAGE_FILE_PNG,
		 processed(PH_FORMAT_RGB888, b.rgb, PH_COLORSPACE_SRGB)},
		{"PPM  RGB888", "ppm", IMAGE_FILE_PPM,
		 processed(PH_FORMAT_RGB888, b.rgb, PH_COLORSPACE_SRGB)},
		{"JPEG RGB888 (4:2:0)", "jpg", IMAGE_FILE_JPEG,
		 processed(PH_FORMAT_RGB888, b.rgb, PH_COLORSPACE_SRGB)},
		{"JPEG NV12 JFIF (planes)", "jpg", IMAGE_FILE_JPEG,
		 processed(PH_FORMAT_NV12, b.nv12, PH_COLORSPACE_JPEG)},
		{"JPEG YUYV JFIF (planes, 4:2:2)", "jpg", IMAGE_FILE_JPEG,
		 processed(PH_FORMAT_YUYV, b.yuyv, PH_COLORSPACE_JPEG)},
		{"JPEG NV12 Rec.709 (via RGB)", "jpg", IMAGE_FILE_JPEG,
		 processed(PH_FORMAT_NV12, b.nv12_709, PH_COLORSPACE_REC709)},
		{"DNG  SRGGB10",
		 "dng",
		 IMAGE_FILE_DNG,
		 {.fourcc = PH_FORMAT_SRGGB10,
		  .width = WIDTH,
		  .height = HEIGHT,
		  .plane_count = 1,
		  .data = {b.raw10},
		  .stride = {WIDTH * 2},
		  .bytes_used = {WIDTH * HEIGHT * 2}}},
		{"DNG  SRGGB10_CSI2P",
		 "dng",
		 IMAGE_FILE_DNG,
		 {.fourcc = PH_FORMAT_SRGGB10_CSI2P,
		  .width = WIDTH,
		  .height = HEIGHT,
		  .plane_count = 1,
		  .data = {b.packed10},
		  .stride = {WIDTH / 4 * 5},
		  .bytes_used = {WIDTH / 4 * 5 * HEIGHT}}},
	};

	printf("%ux%u, median of %u writes to %s (page cache)\n", WIDTH, HEIGHT, runs, dir);
	printf("%-32s %10s %12s %10s\n", "writer", "ms/frame", "bytes", "vs PNG");
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct image_write_options options = {.raw = &info};
		double times[16];
		struct stat st = {0};
		int ret = 0;

		snprintf(path, sizeof(path), "%s/frame.%s", dir, cases[c].ext);
		for (unsigned r = 0; r < runs && !ret; r++) {
			double t0 = now_ms();

			ret = image_write(path, cases[c].type, &cases[c].frame, &options);
			times[r] = now_ms() - t0;
		}
		if (ret) {
			printf("%-32s failed: %s\n", cases[c].name, strerror(-ret));
			continue;
		}
		stat(path, &st);
		unlink(path);
		qsort(times, runs, sizeof(times[0]), compare_doubles);
		if (c == 0)
			png_ms = times[runs / 2];
		printf("%-32s %10.2f %12lld %9.2fx\n", cases[c].name, times[runs / 2],
		       (long long)st.st_size, png_ms > 0 ? times[runs / 2] / png_ms : 0.0);
	}
	rmdir(dir);
	free(b.raw10);
	free(b.packed10);
	free(b.rgb);
	free(b.nv12);
	free(b.nv12_709);
	free(b.yuyv);
	return 0;
}
