/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DNG 1.4 writer on libtiff.
 *
 * Layout, as DNG readers expect it: IFD0 is a small 8-bit RGB preview
 * (NewSubFileType 1) carrying the camera-wide tags (DNGVersion,
 * UniqueCameraModel, ColorMatrix1, CalibrationIlluminant1, AsShotNeutral,
 * DateTime); its SubIFDs tag points to the raw image (NewSubFileType 0):
 * the CFA mosaic unpacked to one 16-bit sample per pixel at the sensor's
 * native scale, with CFARepeatPatternDim/CFAPattern, CFAPlaneColor,
 * BlackLevelRepeatDim/BlackLevel and WhiteLevel; its ExifIFD tag points to
 * the EXIF directory (ExposureTime, ISOSpeedRatings, DateTimeOriginal).
 *
 * Colour (doc/stills.md has the derivation): the IPA's ColourCorrectionMatrix
 * CCM maps white-balanced camera RGB to linear sRGB, after the ColourGains
 * G = diag(gr, 1, gb). With S the linear sRGB (D65) to XYZ matrix, camera
 * RGB to XYZ is S * CCM * G, so the XYZ to camera matrix is
 *     ColorMatrix1 = G^-1 * CCM^-1 * S^-1,
 * scaled so that the largest camera value of D65 white (XYZ = S * (1,1,1))
 * is 1, as the DNG specification advises. AsShotNeutral, the camera
 * values of a neutral, is (1/gr, 1, 1/gb): ColorMatrix1 maps D65 white to
 * it exactly when the rows of CCM sum to 1 (CCMs that keep grey grey), so a
 * DNG reader renders the frame as the ISP did.
 *
 * The preview is made by the ISP itself: the mosaic is averaged down in
 * blocks of CFA quads to a small mosaic that the ISP develops, binned, with
 * the frame's black level, gains and matrix.
 */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tiffio.h>

#include <pinhole/format.h>

#include "config.h"
#include "dng.h"
#include "image_writer.h"
#include "isp/isp.h"

#define PREVIEW_MAX_SIDE 256

/* EXIF LightSource codes of the standard illuminants a DNG may name. */
enum {
	LIGHT_STANDARD_A = 17,
	LIGHT_D55 = 20,
	LIGHT_D65 = 21,
	LIGHT_D75 = 22,
	LIGHT_D50 = 23,
};

struct dng_job {
	const struct image_frame *frame;
	const struct image_raw_info *info;
	const struct ph_format_info *format;
	uint16_t *raw; /* the mosaic, native values */
	uint8_t *preview;
	uint32_t preview_width, preview_height;
	char error[256]; /* libtiff's first error */
};

/* libtiff reports through this, per handle: keep the first error. */
static int tiff_error(TIFF *tif, void *user_data, const char *module, const char *fmt, va_list ap)
{
	struct dng_job *job = user_data;
	(void)tif;
	(void)module;

	if (!job->error[0])
		vsnprintf(job->error, sizeof(job->error), fmt, ap);
	return 1;
}

/* ---- colour ------------------------------------------------------------------------------- */

/* The frame's white-balance gains (R, G, B), 1 when unknown or unusable. */
static void frame_gains(const struct image_raw_info *info, double gains[3])
{
	gains[0] = gains[1] = gains[2] = 1.0;
	if (info && info->have_gains && info->colour_gains[0] > 0.0f &&
	    info->colour_gains[1] > 0.0f) {
		gains[0] = info->colour_gains[0];
		gains[2] = info->colour_gains[1];
	}
}

/* The frame's CCM, the identity when unknown. */
static void frame_ccm(const struct image_raw_info *info, double ccm[9])
{
	for (unsigned i = 0; i < 9; i++)
		ccm[i] = info && info->have_ccm ? info->ccm[i] : (i % 4 == 0);
}

/* ColorMatrix1 of the frame (dng_colour.c). @return false if its CCM is singular. */
static bool colour_matrix(const struct image_raw_info *info, float out[9])
{
	double gains[3], ccm[9];
	float g[3], c[9];

	frame_gains(info, gains);
	frame_ccm(info, ccm);
	for (unsigned i = 0; i < 3; i++)
		g[i] = (float)gains[i];
	for (unsigned i = 0; i < 9; i++)
		c[i] = (float)ccm[i];
	return dng_colour_matrix(c, g, out) == 0;
}

/* The standard illuminant nearest @p kelvin (in mireds); D65 when unknown. */
static uint16_t calibration_illuminant(int32_t kelvin)
{
	static const struct {
		uint16_t code;
		double kelvin;
	} lights[] = {
		{LIGHT_STANDARD_A, 2856}, {LIGHT_D50, 5003}, {LIGHT_D55, 5503},
		{LIGHT_D65, 6504},	  {LIGHT_D75, 7504},
	};
	uint16_t best = LIGHT_D65;
	double best_distance = INFINITY;

	if (kelvin <= 0)
		return LIGHT_D65;
	for (unsigned i = 0; i < sizeof(lights) / sizeof(lights[0]); i++) {
		double d = fabs(1e6 / kelvin - 1e6 / lights[i].kelvin);

		if (d < best_distance) {
			best_distance = d;
			best = lights[i].code;
		}
	}
	return best;
}

/* ---- pixels ------------------------------------------------------------------------------- */

static int unpack(struct dng_job *job)
{
	job->raw = malloc((size_t)job->frame->width * job->frame->height * sizeof(*job->raw));
	if (!job->raw)
		return -ENOMEM;
	return image_raw_unpack(job->frame, job->raw);
}

/*
 * The preview: each block of @p step x @p step CFA quads averaged into one
 * quad of a small 16-bit mosaic (same order), which the ISP develops with a
 * 2x2 binned output: one RGB pixel per block.
 */
static int make_preview(struct dng_job *job)
{
	const struct image_frame *frame = job->frame;
	const struct image_raw_info *info = job->info;
	uint32_t w = frame->width, h = frame->height, longest = w > h ? w : h;
	uint32_t step = (longest + 2 * PREVIEW_MAX_SIDE - 1) / (2 * PREVIEW_MAX_SIDE);
	uint32_t pw = w / 2 / step, ph = h / 2 / step, mw, shift = 16 - job->format->bit_depth;
	struct ph_isp_params params;
	struct ph_isp_input input;
	struct ph_isp_output output;
	struct ph_isp *isp = NULL;
	uint16_t *mosaic;
	double gains[3], ccm[9];
	int ret;

	if (!pw || !ph)
		return -EINVAL; /* the caller checks the size first */
	mw = 2 * pw;
	mosaic = malloc((size_t)mw * 2 * ph * sizeof(*mosaic));
	job->preview = malloc((size_t)pw * ph * 3);
	if (!mosaic || !job->preview) {
		free(mosaic);
		return -ENOMEM;
	}
	for (uint32_t qy = 0; qy < ph; qy++)
		for (uint32_t qx = 0; qx < pw; qx++)
			for (unsigned site = 0; site < 4; site++) {
				uint32_t sx = site & 1, sy = site >> 1;
				uint64_t sum = 0;

				for (uint32_t by = 0; by < step; by++) {
					const uint16_t *line =
						job->raw + (size_t)((qy * step + by) * 2 + sy) * w;

					for (uint32_t bx = 0; bx < step; bx++)
						sum += line[(qx * step + bx) * 2 + sx];
				}
				sum = (sum + (uint64_t)step * step / 2) / ((uint64_t)step * step);
				mosaic[(size_t)(2 * qy + sy) * mw + 2 * qx + sx] =
					(uint16_t)(sum << shift);
			}

	ph_isp_params_identity(&params);
	if (info && info->have_black)
		memcpy(params.black_level, info->black_level, sizeof(params.black_level));
	params.white_level = (uint16_t)(((1u << job->format->bit_depth) - 1) << shift);
	frame_gains(info, gains);
	frame_ccm(info, ccm);
	for (unsigned i = 0; i < 3; i++)
		params.wb_gains[i] = (float)gains[i];
	for (unsigned i = 0; i < 9; i++)
		params.ccm[i] = (float)ccm[i];
	params.gamma = true;

	input = (struct ph_isp_input){
		.fourcc = ph_format_raw(job->format->bayer, 16, false),
		.width = mw,
		.height = 2 * ph,
		.stride = mw * 2,
		.data = (const uint8_t *)mosaic,
	};
	output = (struct ph_isp_output){
		.fourcc = PH_FORMAT_RGB888,
		.width = pw,
		.height = ph,
		.binning = true,
		.planes = {job->preview},
		.strides = {pw * 3},
	};
	isp = ph_isp_new(1);
	if (!isp) {
		free(mosaic);
		return -ENOMEM;
	}
	/* A matrix or gains the ISP refuses: develop the preview without them. */
	for (unsigned attempt = 0; attempt < 2; attempt++) {
		if (attempt) {
			for (unsigned i = 0; i < 9; i++)
				params.ccm[i] = (float)(i % 4 == 0);
			for (unsigned i = 0; i < 3; i++)
				params.wb_gains[i] = 1.0f;
		}
		ret = ph_isp_process(isp, &input, &params, &output, 1, NULL, NULL);
		if (ret != -EINVAL)
			break;
	}
	ph_isp_free(isp);
	free(mosaic);
	job->preview_width = pw;
	job->preview_height = ph;
	return ret;
}

/* ---- the file ----------------------------------------------------------------------------- */

/* libtiff's TIFFSetField, counting failures instead of stopping at each. */
#define SET(tif, failed, ...) ((failed) += TIFFSetField((tif), __VA_ARGS__) != 1)

static void format_time(int64_t seconds, char out[20])
{
	time_t t = (time_t)seconds;
	struct tm tm;

	if (seconds <= 0 || !localtime_r(&t, &tm) ||
	    strftime(out, 20, "%Y:%m:%d %H:%M:%S", &tm) != 19)
		snprintf(out, 20, "0000:00:00 00:00:00");
}

static int write_preview_ifd(TIFF *tif, struct dng_job *job, const char *datetime)
{
	const struct image_raw_info *info = job->info;
	static const uint8_t dng_version[4] = {1, 4, 0, 0}, backward[4] = {1, 1, 0, 0};
	const char *model = info && info->model && *info->model ? info->model : "unknown";
	uint64_t subifd = 0;
	double gains[3];
	float matrix[9], neutral[3];
	int failed = 0;

	frame_gains(info, gains);
	for (unsigned i = 0; i < 3; i++)
		neutral[i] = (float)(1.0 / gains[i]);
	if (!colour_matrix(info, matrix)) {
		/* A singular CCM: describe the camera as sRGB, white balance only. */
		struct image_raw_info plain = info ? *info : (struct image_raw_info){0};

		plain.have_ccm = false;
		colour_matrix(&plain, matrix);
	}

	SET(tif, failed, TIFFTAG_SUBFILETYPE, FILETYPE_REDUCEDIMAGE);
	SET(tif, failed, TIFFTAG_IMAGEWIDTH, job->preview_width);
	SET(tif, failed, TIFFTAG_IMAGELENGTH, job->preview_height);
	SET(tif, failed, TIFFTAG_BITSPERSAMPLE, 8);
	SET(tif, failed, TIFFTAG_SAMPLESPERPIXEL, 3);
	SET(tif, failed, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
	SET(tif, failed, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
	SET(tif, failed, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
	SET(tif, failed, TIFFTAG_ROWSPERSTRIP, job->preview_height);
	SET(tif, failed, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
	SET(tif, failed, TIFFTAG_MAKE, "Pinhole");
	SET(tif, failed, TIFFTAG_MODEL, model);
	SET(tif, failed, TIFFTAG_SOFTWARE, "pinhole " PH_VERSION);
	SET(tif, failed, TIFFTAG_DATETIME, datetime);
	SET(tif, failed, TIFFTAG_DNGVERSION, dng_version);
	SET(tif, failed, TIFFTAG_DNGBACKWARDVERSION, backward);
	SET(tif, failed, TIFFTAG_UNIQUECAMERAMODEL, model);
	SET(tif, failed, TIFFTAG_COLORMATRIX1, 9, matrix);
	SET(tif, failed, TIFFTAG_CALIBRATIONILLUMINANT1,
	    calibration_illuminant(info ? info->colour_temperature : 0));
	SET(tif, failed, TIFFTAG_ASSHOTNEUTRAL, 3, neutral);
	SET(tif, failed, TIFFTAG_SUBIFD, 1, &subifd);
	SET(tif, failed, TIFFTAG_EXIFIFD, (uint64_t)0);
	if (failed)
		return -EIO;
	if (TIFFWriteEncodedStrip(tif, 0, job->preview,
				  (tmsize_t)job->preview_width * job->preview_height * 3) < 0)
		return -EIO;
	return TIFFWriteDirectory(tif) ? 0 : -EIO;
}

static int write_raw_ifd(TIFF *tif, struct dng_job *job)
{
	const struct image_frame *frame = job->frame;
	const struct image_raw_info *info = job->info;
	unsigned depth = job->format->bit_depth;
	static const uint16_t repeat[2] = {2, 2};
	static const uint8_t plane_colours[3] = {0, 1, 2};
	uint32_t white = (1u << depth) - 1;
	uint8_t pattern[4];
	float black[4];
	int failed = 0;

	dng_cfa_pattern(job->format->bayer, pattern);
	for (unsigned i = 0; i < 4; i++)
		black[i] = info && info->have_black
				   ? (float)info->black_level[i] / (float)(1u << (16 - depth))
				   : 0.0f;

	SET(tif, failed, TIFFTAG_SUBFILETYPE, 0);
	SET(tif, failed, TIFFTAG_IMAGEWIDTH, frame->width);
	SET(tif, failed, TIFFTAG_IMAGELENGTH, frame->height);
	SET(tif, failed, TIFFTAG_BITSPERSAMPLE, 16);
	SET(tif, failed, TIFFTAG_SAMPLESPERPIXEL, 1);
	SET(tif, failed, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
	SET(tif, failed, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_CFA);
	SET(tif, failed, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
	SET(tif, failed, TIFFTAG_ROWSPERSTRIP, frame->height);
	SET(tif, failed, TIFFTAG_CFAREPEATPATTERNDIM, repeat);
	SET(tif, failed, TIFFTAG_CFAPATTERN, 4, pattern);
	SET(tif, failed, TIFFTAG_CFAPLANECOLOR, 3, plane_colours);
	SET(tif, failed, TIFFTAG_CFALAYOUT, 1);
	SET(tif, failed, TIFFTAG_BLACKLEVELREPEATDIM, repeat);
	SET(tif, failed, TIFFTAG_BLACKLEVEL, 4, black);
	SET(tif, failed, TIFFTAG_WHITELEVEL, 1, &white);
	if (failed)
		return -EIO;
	if (TIFFWriteEncodedStrip(tif, 0, job->raw, (tmsize_t)frame->width * frame->height * 2) < 0)
		return -EIO;
	return TIFFWriteDirectory(tif) ? 0 : -EIO;
}

/* The EXIF directory, then IFD0 again with its offset. */
static int write_exif_ifd(TIFF *tif, struct dng_job *job, const char *datetime)
{
	const struct image_raw_info *info = job->info;
	uint64_t offset = 0;
	int failed = 0;

	if (TIFFCreateEXIFDirectory(tif) != 0) /* 0 on success */
		return -EIO;
	if (info && info->exposure_us > 0)
		SET(tif, failed, EXIFTAG_EXPOSURETIME, info->exposure_us / 1e6);
	if (info && info->analogue_gain > 0.0f) {
		double iso = 100.0 * info->analogue_gain;
		uint16_t speed = (uint16_t)(iso > 65535 ? 65535 : iso + 0.5);

		SET(tif, failed, EXIFTAG_ISOSPEEDRATINGS, 1, &speed);
	}
	SET(tif, failed, EXIFTAG_DATETIMEORIGINAL, datetime);
	if (failed || !TIFFWriteCustomDirectory(tif, &offset))
		return -EIO;
	if (!TIFFSetDirectory(tif, 0) || TIFFSetField(tif, TIFFTAG_EXIFIFD, offset) != 1)
		return -EIO;
	return TIFFRewriteDirectory(tif) ? 0 : -EIO;
}

int image_write_dng(int fd, const struct image_frame *frame, const struct image_raw_info *info)
{
	struct dng_job job = {.frame = frame, .info = info};
	TIFFOpenOptions *options = NULL;
	TIFF *tif = NULL;
	char datetime[20];
	int tiff_fd, ret;

	job.format = ph_format_get_info(frame->fourcc);
	if (!job.format || !image_format_is_bayer(frame->fourcc))
		return -ENOTSUP;
	if (frame->width < 2 || frame->height < 2 || frame->width % 2 || frame->height % 2)
		return -EINVAL;
	ret = unpack(&job);
	if (!ret)
		ret = make_preview(&job);
	if (ret)
		goto out;

	options = TIFFOpenOptionsAlloc();
	/* libtiff closes the descriptor it is given: hand it a duplicate. */
	tiff_fd = options ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
	if (tiff_fd < 0) {
		ret = options ? -errno : -ENOMEM;
		goto out;
	}
	TIFFOpenOptionsSetErrorHandlerExtR(options, tiff_error, &job);
	TIFFOpenOptionsSetWarningHandlerExtR(options, dng_tiff_ignore_warning, &job);
	tif = TIFFFdOpenExt(tiff_fd, "dng", "w", options);
	if (!tif) {
		close(tiff_fd);
		ret = -EIO;
		goto out;
	}
	format_time(info ? info->capture_time : 0, datetime);
	ret = write_preview_ifd(tif, &job, datetime);
	if (!ret)
		ret = write_raw_ifd(tif, &job);
	if (!ret)
		ret = write_exif_ifd(tif, &job, datetime);
	TIFFClose(tif);
out:
	if (ret == -EIO && job.error[0])
		fprintf(stderr, "pinhole: libtiff: %s\n", job.error);
	TIFFOpenOptionsFree(options);
	free(job.raw);
	free(job.preview);
	return ret;
}
