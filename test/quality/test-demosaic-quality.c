/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Demosaic quality of the software ISP on natural images: each image is
 * mosaiced to 8-bit RGGB, developed with identity parameters by the FAST and
 * HQ demosaics, and compared with the original by CPSNR (the PSNR of all
 * three channels together, 10-pixel border cropped). Fails when a mean is
 * below its floor. OpenCV's demosaics, when built in, are printed alongside
 * on the same protocol.
 *
 * Usage: test-demosaic-quality IMAGE.png|IMAGE.jpg...
 * (run-quality.py fetches the scikit-image photographs and runs this.)
 */

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <spng.h>

#include "isp/isp.h"
#include "opencv_ref.h"

#define BORDER	   10
#define FLOOR_FAST 33.0
#define FLOOR_HQ   35.5

struct image {
	uint32_t width, height;
	uint8_t *rgb; /* packed 8-bit RGB */
};

static int load_png(FILE *file, struct image *img)
{
	spng_ctx *png = spng_ctx_new(0);
	struct spng_ihdr ihdr;
	size_t size = 0;
	uint8_t *rgba = NULL;
	int ret;

	if (!png)
		return -ENOMEM;
	ret = spng_set_png_file(png, file);
	if (!ret)
		ret = spng_get_ihdr(png, &ihdr);
	if (!ret)
		ret = spng_decoded_image_size(png, SPNG_FMT_RGBA8, &size);
	if (!ret && !(rgba = malloc(size))) {
		spng_ctx_free(png);
		return -ENOMEM;
	}
	if (!ret)
		ret = spng_decode_image(png, rgba, size, SPNG_FMT_RGBA8, SPNG_DECODE_TRNS);
	spng_ctx_free(png);
	if (ret) {
		free(rgba);
		return -EINVAL;
	}
	img->width = ihdr.width;
	img->height = ihdr.height;
	img->rgb = malloc((size_t)ihdr.width * ihdr.height * 3);
	if (!img->rgb) {
		free(rgba);
		return -ENOMEM;
	}
	for (size_t i = 0; i < (size_t)ihdr.width * ihdr.height; i++)
		memcpy(img->rgb + 3 * i, rgba + 4 * i, 3);
	free(rgba);
	return 0;
}

struct jpeg_error {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
};

static void jpeg_fail(j_common_ptr cinfo)
{
	longjmp(((struct jpeg_error *)cinfo->err)->jump, 1);
}

static int load_jpeg(FILE *file, struct image *img)
{
	struct jpeg_decompress_struct cinfo;
	struct jpeg_error err;
	/* volatile: changed between setjmp and a longjmp back. */
	uint8_t *volatile rgb = NULL;

	cinfo.err = jpeg_std_error(&err.mgr);
	err.mgr.error_exit = jpeg_fail;
	if (setjmp(err.jump)) {
		jpeg_destroy_decompress(&cinfo);
		free(rgb);
		return -EINVAL;
	}
	jpeg_create_decompress(&cinfo);
	jpeg_stdio_src(&cinfo, file);
	jpeg_read_header(&cinfo, TRUE);
	cinfo.out_color_space = JCS_RGB;
	jpeg_start_decompress(&cinfo);
	rgb = malloc((size_t)cinfo.output_width * cinfo.output_height * 3);
	if (!rgb) {
		jpeg_destroy_decompress(&cinfo);
		return -ENOMEM;
	}
	while (cinfo.output_scanline < cinfo.output_height) {
		JSAMPROW row = rgb + (size_t)cinfo.output_scanline * cinfo.output_width * 3;

		jpeg_read_scanlines(&cinfo, &row, 1);
	}
	img->width = cinfo.output_width;
	img->height = cinfo.output_height;
	img->rgb = rgb;
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	return 0;
}

/* Load a PNG or JPEG (by its signature) as 8-bit RGB. */
static int load_image(const char *path, struct image *img)
{
	static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	FILE *file = fopen(path, "rb");
	uint8_t sig[8] = {0};
	int ret;

	if (!file)
		return -errno;
	if (fread(sig, 1, sizeof(sig), file) != sizeof(sig) || fseek(file, 0, SEEK_SET)) {
		fclose(file);
		return -EINVAL;
	}
	if (!memcmp(sig, png_sig, sizeof(sig)))
		ret = load_png(file, img);
	else if (sig[0] == 0xff && sig[1] == 0xd8)
		ret = load_jpeg(file, img);
	else
		ret = -EINVAL;
	fclose(file);
	return ret;
}

/* CPSNR of @p b against @p a (packed 8-bit RGB, same size), border cropped. */
static double cpsnr(const uint8_t *a, const uint8_t *b, size_t a_stride, size_t b_stride,
		    uint32_t width, uint32_t height)
{
	double sum = 0;
	uint64_t n = 0;

	for (uint32_t y = BORDER; y + BORDER < height; y++)
		for (uint32_t x = 3 * BORDER; x + 3 * BORDER < 3 * width; x++) {
			double d = (double)a[y * a_stride + x] - b[y * b_stride + x];

			sum += d * d;
			n++;
		}
	if (!n)
		return NAN;
	if (sum == 0)
		return INFINITY;
	return 10.0 * log10(255.0 * 255.0 / (sum / (double)n));
}

/* Columns of the table. */
enum {
	COL_FAST,
	COL_HQ,
	COL_CV_BILINEAR,
	COL_CV_VNG,
	COL_CV_EA,
	COL_COUNT,
};

static const char *const col_names[COL_COUNT] = {
	"FAST", "HQ", "CV bilinear", "CV VNG", "CV EA",
};

/* Measure every column on one image; NAN where not available. @return 0 or -errno. */
static int measure(struct ph_isp *isp, const struct image *img, double result[COL_COUNT])
{
	uint32_t w = img->width & ~1u, h = img->height & ~1u; /* whole 2x2 quads */
	size_t rgb_stride = (size_t)img->width * 3;
	uint8_t *raw = malloc((size_t)w * h);
	uint8_t *out = malloc((size_t)w * h * 3);
	struct ph_isp_params params;
	int ret = 0;

	if (!raw || !out) {
		free(raw);
		free(out);
		return -ENOMEM;
	}
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			raw[(size_t)y * w + x] =
				img->rgb[y * rgb_stride + 3 * x + (y & 1) + (x & 1)];

	ph_isp_params_identity(&params);
	for (int col = COL_FAST; col <= COL_HQ; col++) {
		const struct ph_isp_input input = {
			.fourcc = PH_FORMAT_SRGGB8,
			.width = w,
			.height = h,
			.stride = w,
			.data = raw,
		};
		const struct ph_isp_output output = {
			.fourcc = PH_FORMAT_RGB888,
			.width = w,
			.height = h,
			.planes = {out},
			.strides = {w * 3},
		};

		params.demosaic = col == COL_FAST ? PH_ISP_DEMOSAIC_FAST : PH_ISP_DEMOSAIC_HQ;
		ret = ph_isp_process(isp, &input, &params, &output, 1, NULL, NULL);
		if (ret < 0)
			break;
		result[col] = cpsnr(img->rgb, out, rgb_stride, (size_t)w * 3, w, h);
	}

	static const enum ph_ref_demosaic methods[] = {PH_REF_BILINEAR, PH_REF_VNG, PH_REF_EA};

	for (int col = COL_CV_BILINEAR; col < COL_COUNT && !ret; col++) {
		int cv = ph_ref_opencv_demosaic(methods[col - COL_CV_BILINEAR], 8, raw, w, out,
						(size_t)w * 3, w, h);

		result[col] = cv ? NAN : cpsnr(img->rgb, out, rgb_stride, (size_t)w * 3, w, h);
	}
	free(raw);
	free(out);
	return ret;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int main(int argc, char **argv)
{
	double sums[COL_COUNT] = {0};
	unsigned counts[COL_COUNT] = {0};
	struct ph_isp *isp;
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s IMAGE...\n", argv[0]);
		return 2;
	}
	isp = ph_isp_new(0);
	if (!isp) {
		fprintf(stderr, "cannot create the ISP\n");
		return 1;
	}

	printf("Demosaic CPSNR in dB (RGGB mosaic, 8 bits, %d-pixel border cropped); ISP %s\n",
	       BORDER, ph_isp_get_impl(isp));
	printf("%-22s %-10s", "image", "size");
	for (int c = 0; c < COL_COUNT; c++)
		printf(" %11s", col_names[c]);
	printf("\n");

	for (int i = 1; i < argc; i++) {
		struct image img = {0};
		double result[COL_COUNT];
		char size[24];
		int ret = load_image(argv[i], &img);

		if (ret < 0) {
			fprintf(stderr, "cannot load %s: %s\n", argv[i], strerror(-ret));
			status = 1;
			continue;
		}
		for (int c = 0; c < COL_COUNT; c++)
			result[c] = NAN;
		ret = measure(isp, &img, result);
		free(img.rgb);
		if (ret < 0) {
			fprintf(stderr, "%s: the ISP failed: %s\n", argv[i], strerror(-ret));
			status = 1;
			continue;
		}
		snprintf(size, sizeof(size), "%ux%u", img.width, img.height);
		printf("%-22s %-10s", base_name(argv[i]), size);
		for (int c = 0; c < COL_COUNT; c++) {
			if (isnan(result[c])) {
				printf(" %11s", "n/a");
				continue;
			}
			printf(" %11.2f", result[c]);
			sums[c] += result[c];
			counts[c]++;
		}
		printf("\n");
	}

	printf("%-33s", "mean");
	for (int c = 0; c < COL_COUNT; c++) {
		if (counts[c])
			printf(" %11.2f", sums[c] / counts[c]);
		else
			printf(" %11s", "n/a");
	}
	printf("\n");
	printf("floors: FAST %.1f dB, HQ %.1f dB (mean over the images)\n", FLOOR_FAST, FLOOR_HQ);

	if (counts[COL_FAST] && sums[COL_FAST] / counts[COL_FAST] < FLOOR_FAST) {
		printf("FAIL: FAST mean %.2f dB is below %.1f dB\n",
		       sums[COL_FAST] / counts[COL_FAST], FLOOR_FAST);
		status = 1;
	}
	if (counts[COL_HQ] && sums[COL_HQ] / counts[COL_HQ] < FLOOR_HQ) {
		printf("FAIL: HQ mean %.2f dB is below %.1f dB\n", sums[COL_HQ] / counts[COL_HQ],
		       FLOOR_HQ);
		status = 1;
	}
	ph_isp_free(isp);
	return status;
}
