/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pinhole develop: run the software ISP on a raw file and write a PNG, JPEG or PPM. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dng.h"
#include "image_writer.h"
#include "isp/isp.h"

/* Bayer orders and depths whose formats are listed in messages. */
static const enum ph_bayer_order develop_orders[] = {PH_BAYER_RGGB, PH_BAYER_GRBG, PH_BAYER_GBRG,
						     PH_BAYER_BGGR};
static const unsigned develop_depths[] = {8, 10, 12, 14, 16};
static const char *const develop_mono[] = {"GREY", "Y10", "Y12", "Y16"};

struct develop_options {
	struct cli_global global;
	const char *input;
	const char *output;
	enum image_file_type output_type;
	const struct ph_format_info *format;
	uint32_t width, height, stride; /* stride 0: the format's minimum */
	unsigned threads;		/* 0: one per CPU */
	unsigned depth;			/* of the output: 8 or 16 */
	int jpeg_quality;		/* 0: the default */
	/* Given at the format's bit depth; converted when the parameters are built. */
	bool have_black, have_white;
	uint32_t black[4], white;
	const char *black_text, *white_text; /* as given, parsed once the depth is known */
	bool have_gains, have_ccm;	     /* given: they override a DNG's */
	bool dng;			     /* the input is a DNG: format, size, levels from it */
	struct ph_isp_params params;
};

/* The raw format names, comma-separated, into @p buf. */
static const char *raw_format_list(char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned p = 0; p < 2; p++)
		for (unsigned d = 0; d < sizeof(develop_depths) / sizeof(develop_depths[0]); d++)
			for (unsigned o = 0; o < sizeof(develop_orders) / sizeof(develop_orders[0]);
			     o++) {
				uint32_t fourcc =
					ph_format_raw(develop_orders[o], develop_depths[d], p);

				if (fourcc && len < size)
					len += (size_t)snprintf(buf + len, size - len, "%s%s",
								len ? ", " : "",
								ph_format_name(fourcc));
			}
	for (unsigned m = 0; m < sizeof(develop_mono) / sizeof(develop_mono[0]); m++)
		if (ph_format_from_name(develop_mono[m]) && len < size)
			len += (size_t)snprintf(buf + len, size - len, ", %s", develop_mono[m]);
	return buf;
}

/* Bytes of one line of @p info at @p width, without padding. */
static uint64_t min_stride(const struct ph_format_info *info, uint32_t width)
{
	if (info->packed)
		return info->bit_depth == 10 ? ((uint64_t)width + 3) / 4 * 5
					     : ((uint64_t)width + 1) / 2 * 3;
	return ((uint64_t)width * info->bits_per_pixel + 7) / 8;
}

/* Strictly parse a finite float in [min, max]. */
static int parse_float(const char *text, float min, float max, float *out)
{
	char *end;
	float value;

	if (!text || !*text)
		return -EINVAL;
	errno = 0;
	value = strtof(text, &end);
	if (errno || *end || end == text || !isfinite(value) || value < min || value > max)
		return -EINVAL;
	*out = value;
	return 0;
}

/* Parse exactly @p count comma-separated floats in [min, max]. */
static int parse_floats(const char *text, unsigned count, float min, float max, float *out)
{
	char buf[32];
	unsigned n = 0;

	for (const char *p = text;; n++) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (n >= count || len >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (parse_float(buf, min, max, &out[n]))
			return -EINVAL;
		if (!comma)
			break;
		p = comma + 1;
	}
	return n + 1 == count ? 0 : -EINVAL;
}

/* Parse "N" or "N,N,N,N" (one per CFA site) unsigned values up to @p max. */
static int parse_black_level(const char *text, uint32_t max, uint32_t out[4])
{
	char buf[16];
	unsigned n = 0;

	for (const char *p = text;; n++) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (n >= 4 || len >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (cli_parse_uint(buf, max, &out[n]))
			return -EINVAL;
		if (!comma)
			break;
		p = comma + 1;
	}
	if (n == 0) {
		out[1] = out[2] = out[3] = out[0];
		return 0;
	}
	return n == 3 ? 0 : -EINVAL;
}

static int parse_levels(struct develop_options *opts);

/* Parse the command line. @return -1 to go on, else an exit code. */
static int parse_options(struct develop_options *opts, int argc, char **argv)
{
	enum {
		OPT_STRIDE = 256,
		OPT_QUALITY,
		OPT_BLACK,
		OPT_WHITE,
		OPT_GAINS,
		OPT_CCM,
		OPT_GAMMA,
		OPT_BRIGHTNESS,
		OPT_CONTRAST,
		OPT_SATURATION,
		OPT_DEPTH,
		OPT_THREADS,
		OPT_JPEG_QUALITY,
	};
	static const struct option options[] = {
		{"format", required_argument, NULL, 'f'},
		{"size", required_argument, NULL, 's'},
		{"stride", required_argument, NULL, OPT_STRIDE},
		{"quality", required_argument, NULL, OPT_QUALITY},
		{"black-level", required_argument, NULL, OPT_BLACK},
		{"white-level", required_argument, NULL, OPT_WHITE},
		{"gains", required_argument, NULL, OPT_GAINS},
		{"ccm", required_argument, NULL, OPT_CCM},
		{"gamma", no_argument, NULL, OPT_GAMMA},
		{"brightness", required_argument, NULL, OPT_BRIGHTNESS},
		{"contrast", required_argument, NULL, OPT_CONTRAST},
		{"saturation", required_argument, NULL, OPT_SATURATION},
		{"depth", required_argument, NULL, OPT_DEPTH},
		{"threads", required_argument, NULL, OPT_THREADS},
		{"jpeg-quality", required_argument, NULL, OPT_JPEG_QUALITY},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{"verbose", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	const char *format = NULL;
	char list[1024];
	float gains[2];
	int opt;

	ph_isp_params_identity(&opts->params);
	opts->params.demosaic = PH_ISP_DEMOSAIC_HQ;
	opts->depth = 8;

	while ((opt = getopt_long(argc, argv, ":f:s:o:hv", options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			format = optarg;
			break;
		case 's':
			if (cli_parse_size(optarg, &opts->width, &opts->height))
				return cli_usage_error("develop",
						       "invalid size '%s' (expected WIDTHxHEIGHT, "
						       "1 to 16384 each)",
						       optarg);
			break;
		case OPT_STRIDE:
			if (cli_parse_uint(optarg, UINT32_MAX, &opts->stride) || !opts->stride)
				return cli_usage_error("develop", "invalid stride '%s'", optarg);
			break;
		case OPT_QUALITY:
			if (!strcmp(optarg, "fast"))
				opts->params.demosaic = PH_ISP_DEMOSAIC_FAST;
			else if (!strcmp(optarg, "hq"))
				opts->params.demosaic = PH_ISP_DEMOSAIC_HQ;
			else
				return cli_usage_error("develop",
						       "invalid quality '%s' (expected fast or hq)",
						       optarg);
			break;
		case OPT_BLACK:
			opts->black_text = optarg;
			break;
		case OPT_WHITE:
			opts->white_text = optarg;
			break;
		case OPT_GAINS:
			if (parse_floats(optarg, 2, 0.0f, 64.0f, gains) || gains[0] <= 0.0f ||
			    gains[1] <= 0.0f)
				return cli_usage_error("develop",
						       "invalid gains '%s' (expected R,B: two "
						       "numbers above 0, at most 64)",
						       optarg);
			opts->params.wb_gains[0] = gains[0];
			opts->params.wb_gains[1] = 1.0f;
			opts->params.wb_gains[2] = gains[1];
			opts->have_gains = true;
			break;
		case OPT_CCM:
			if (parse_floats(optarg, 9, -64.0f, 64.0f, opts->params.ccm))
				return cli_usage_error("develop",
						       "invalid matrix '%s' (expected 9 "
						       "comma-separated numbers, row by row)",
						       optarg);
			opts->have_ccm = true;
			break;
		case OPT_GAMMA:
			opts->params.gamma = true;
			break;
		case OPT_BRIGHTNESS:
			if (parse_float(optarg, -1.0f, 1.0f, &opts->params.brightness))
				return cli_usage_error("develop",
						       "invalid brightness '%s' (expected -1 to 1)",
						       optarg);
			break;
		case OPT_CONTRAST:
			if (parse_float(optarg, 0.0f, 16.0f, &opts->params.contrast))
				return cli_usage_error("develop",
						       "invalid contrast '%s' (expected 0 to 16)",
						       optarg);
			break;
		case OPT_SATURATION:
			if (parse_float(optarg, 0.0f, 16.0f, &opts->params.saturation))
				return cli_usage_error("develop",
						       "invalid saturation '%s' (expected 0 to 16)",
						       optarg);
			break;
		case OPT_DEPTH:
			if (cli_parse_uint(optarg, 16, &opts->depth) ||
			    (opts->depth != 8 && opts->depth != 16))
				return cli_usage_error(
					"develop", "invalid depth '%s' (expected 8 or 16)", optarg);
			break;
		case OPT_THREADS:
			if (cli_parse_uint(optarg, 256, &opts->threads))
				return cli_usage_error(
					"develop", "invalid thread count '%s' (expected 0 to 256)",
					optarg);
			break;
		case OPT_JPEG_QUALITY: {
			int ret = cli_parse_jpeg_quality("develop", optarg, &opts->jpeg_quality);

			if (ret >= 0)
				return ret;
			break;
		}
		case 'o':
			if (image_file_type_from_path(optarg, &opts->output_type))
				return cli_usage_error("develop",
						       "cannot tell the output type of '%s' "
						       "(expected .png, .jpg or .ppm)",
						       optarg);
			if (opts->output_type == IMAGE_FILE_RAW ||
			    opts->output_type == IMAGE_FILE_DNG)
				return cli_usage_error("develop",
						       "develop writes a processed picture, not %s "
						       "('%s'); use .png, .jpg or .ppm",
						       image_file_type_name(opts->output_type),
						       optarg);
			opts->output = optarg;
			break;
		case 'h':
			cli_usage(stdout, "develop");
			return CLI_EXIT_OK;
		case 'v':
			opts->global.verbose = true;
			break;
		case ':':
			return cli_usage_error("develop", "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error("develop", "unknown option '%s'", argv[optind - 1]);
		}
	}

	if (optind >= argc)
		return cli_usage_error("develop", "no input file given");
	if (optind + 1 < argc)
		return cli_usage_error("develop", "unexpected argument '%s'", argv[optind + 1]);
	opts->input = argv[optind];
	if (!opts->output)
		return cli_usage_error("develop", "no --output given");
	enum image_file_type input_type;

	opts->dng = !image_file_type_from_path(opts->input, &input_type) &&
		    input_type == IMAGE_FILE_DNG;
	if (opts->dng) {
		if (format || opts->width || opts->stride)
			return cli_usage_error("develop", "--format, --size and --stride come "
							  "from the DNG file");
		return -1; /* levels once the file is read */
	}
	if (!format)
		return cli_usage_error("develop", "no --format given; raw formats: %s",
				       raw_format_list(list, sizeof(list)));
	opts->format = ph_format_get_info(ph_format_from_name(format));
	if (!opts->format || !ph_format_is_raw(opts->format->fourcc))
		return cli_usage_error("develop", "%s '%s'; raw formats: %s",
				       opts->format ? "not a raw format:" : "unknown format",
				       format, raw_format_list(list, sizeof(list)));
	if (!opts->width)
		return cli_usage_error("develop", "no --size given");
	return parse_levels(opts);
}

/* --black-level and --white-level at the format's depth, to the ISP's scale. @return -1 or an
 * exit code. */
static int parse_levels(struct develop_options *opts)
{
	const char *black = opts->black_text, *white = opts->white_text;
	uint32_t max = (1u << opts->format->bit_depth) - 1;

	if (black) {
		if (parse_black_level(black, max, opts->black))
			return cli_usage_error("develop",
					       "invalid black level '%s' (expected N or 4 "
					       "comma-separated values, 0 to %u for %s)",
					       black, max, opts->format->name);
		opts->have_black = true;
	}
	if (white) {
		if (cli_parse_uint(white, max, &opts->white) || !opts->white)
			return cli_usage_error("develop",
					       "invalid white level '%s' (expected 1 to %u for %s)",
					       white, max, opts->format->name);
		opts->have_white = true;
	}
	for (unsigned i = 0; i < 4 && opts->have_black; i++)
		if (opts->black[i] >= (opts->have_white ? opts->white : max))
			return cli_usage_error(
				"develop", "black level %u is not below the white level %u",
				opts->black[i], opts->have_white ? opts->white : max);

	/* To the ISP's 16-bit scale. */
	unsigned shift = 16 - opts->format->bit_depth;

	for (unsigned i = 0; i < 4 && opts->have_black; i++)
		opts->params.black_level[i] = (uint16_t)(opts->black[i] << shift);
	if (opts->have_white)
		opts->params.white_level = (uint16_t)(opts->white << shift);
	return -1;
}

/* Read all of @p path. @return 0 or a negative errno (reported). */
static int read_input(const char *path, uint8_t **data, size_t *size)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t done = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		cli_error("cannot open '%s': %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		cli_error("cannot read '%s': %s", path, strerror(-ret));
	} else if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		cli_error("'%s' is not a regular file", path);
	} else if ((uint64_t)st.st_size > SIZE_MAX / 2) {
		ret = -EFBIG;
		cli_error("'%s' is too large", path);
	} else if (!(buf = malloc(st.st_size ? (size_t)st.st_size : 1))) {
		ret = -ENOMEM;
		cli_error("out of memory reading '%s'", path);
	}
	while (!ret && done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			cli_error("cannot read '%s': %s", path,
				  n < 0 ? strerror(-ret) : "file shrank while reading");
		} else {
			done += (size_t)n;
		}
	}
	close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	*data = buf;
	*size = done;
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The raw file as --format, --size and --stride describe it. @return -1, or an exit code. */
static int load_raw(struct develop_options *opts, uint8_t **raw)
{
	size_t raw_size = 0;
	uint64_t row, needed;

	row = min_stride(opts->format, opts->width);
	if (opts->stride && opts->stride < row)
		return cli_usage_error(
			"develop", "stride %u is below the %llu bytes of one %s line of %u pixels",
			opts->stride, (unsigned long long)row, opts->format->name, opts->width);

	if (read_input(opts->input, raw, &raw_size) < 0)
		return CLI_EXIT_RUNTIME;
	/* No --stride: lines padded evenly to fill the file (as captured), else none. */
	if (!opts->stride) {
		uint64_t per_line = raw_size / opts->height;

		opts->stride = (uint32_t)row;
		if (raw_size % opts->height == 0 && per_line > row && per_line <= UINT32_MAX)
			opts->stride = (uint32_t)per_line;
	}
	needed = (uint64_t)opts->stride * opts->height;
	if (raw_size < needed) {
		cli_error("'%s' holds %zu bytes; %s %ux%u with a stride of %u bytes needs %llu",
			  opts->input, raw_size, opts->format->name, opts->width, opts->height,
			  opts->stride, (unsigned long long)needed);
		free(*raw);
		*raw = NULL;
		return CLI_EXIT_RUNTIME;
	}
	if (raw_size > needed)
		cli_warning(
			"'%s' holds %zu bytes, more than the %llu of %s %ux%u; ignoring the rest",
			opts->input, raw_size, (unsigned long long)needed, opts->format->name,
			opts->width, opts->height);
	return -1;
}

/* A DNG: its mosaic, and the levels, gains and CCM options did not set. @return -1 or an
 * exit code. */
static int load_dng(struct develop_options *opts, uint8_t **raw)
{
	struct dng_raw dng;
	char err[256];
	unsigned shift;
	int ret;

	ret = dng_read(opts->input, &dng, err, sizeof(err));
	if (ret < 0) {
		cli_error("cannot read the DNG '%s': %s", opts->input, err);
		return CLI_EXIT_RUNTIME;
	}
	opts->format = ph_format_get_info(dng.fourcc);
	opts->width = dng.width;
	opts->height = dng.height;
	opts->stride = dng.width * 2;
	ret = parse_levels(opts);
	if (ret >= 0) {
		free(dng.pixels);
		return ret;
	}
	shift = 16 - dng.depth;
	for (unsigned i = 0; i < 4 && !opts->have_black; i++)
		opts->params.black_level[i] =
			(uint16_t)(dng.black[i] * (float)(1u << shift) + 0.5f);
	if (!opts->have_white)
		opts->params.white_level = (uint16_t)(dng.white << shift);
	if (!opts->have_gains && dng.have_neutral)
		for (unsigned i = 0; i < 3; i++)
			opts->params.wb_gains[i] = dng.neutral[1] / dng.neutral[i];
	if (!opts->have_ccm && dng.have_matrix &&
	    dng_ccm_from_matrix(dng.matrix, opts->params.wb_gains, opts->params.ccm))
		cli_warning("'%s': ColorMatrix1 is singular; no colour correction", opts->input);
	if (opts->global.verbose)
		fprintf(stderr,
			"%s: %s %ux%u, black %u,%u,%u,%u, white %u (16-bit scale), gains "
			"%.4g,%.4g, "
			"CCM %.4g,%.4g,%.4g,%.4g,%.4g,%.4g,%.4g,%.4g,%.4g\n",
			opts->input, opts->format->name, dng.width, dng.height,
			opts->params.black_level[0], opts->params.black_level[1],
			opts->params.black_level[2], opts->params.black_level[3],
			opts->params.white_level, opts->params.wb_gains[0],
			opts->params.wb_gains[2], opts->params.ccm[0], opts->params.ccm[1],
			opts->params.ccm[2], opts->params.ccm[3], opts->params.ccm[4],
			opts->params.ccm[5], opts->params.ccm[6], opts->params.ccm[7],
			opts->params.ccm[8]);
	*raw = (uint8_t *)dng.pixels;
	return -1;
}

int cmd_develop(const struct cli_global *global, int argc, char **argv)
{
	struct develop_options opts = {.global = *global};
	struct ph_isp_output output = {0};
	struct image_frame frame = {0};
	struct ph_isp_input input = {0};
	struct ph_isp *isp = NULL;
	uint8_t *raw = NULL, *pixels = NULL;
	size_t out_size;
	double start, elapsed;
	int ret;

	ret = parse_options(&opts, argc, argv);
	if (ret >= 0)
		return ret;

	ret = opts.dng ? load_dng(&opts, &raw) : load_raw(&opts, &raw);
	if (ret >= 0)
		return ret;

	output.fourcc = opts.depth == 16 ? PH_FORMAT_RGB48 : PH_FORMAT_RGB888;
	output.width = opts.width;
	output.height = opts.height;
	output.strides[0] = opts.width * (opts.depth == 16 ? 6 : 3);
	out_size = (size_t)output.strides[0] * opts.height;
	pixels = malloc(out_size);
	isp = ph_isp_new(opts.threads);
	if (!pixels || !isp) {
		cli_error("out of memory");
		ret = CLI_EXIT_RUNTIME;
		goto out;
	}
	output.planes[0] = pixels;

	input.fourcc = opts.format->fourcc;
	input.width = opts.width;
	input.height = opts.height;
	input.stride = opts.stride;
	input.data = raw;

	start = now_ms();
	ret = ph_isp_process(isp, &input, &opts.params, &output, 1, NULL, NULL);
	elapsed = now_ms() - start;
	if (ret < 0) {
		cli_error("the ISP cannot process %s %ux%u (stride %u): %s", opts.format->name,
			  opts.width, opts.height, opts.stride, strerror(-ret));
		ret = CLI_EXIT_RUNTIME;
		goto out;
	}

	frame.fourcc = output.fourcc;
	frame.width = opts.width;
	frame.height = opts.height;
	frame.plane_count = 1;
	frame.data[0] = pixels;
	frame.stride[0] = output.strides[0];
	frame.bytes_used[0] = (uint32_t)out_size;
	ret = image_write(opts.output, opts.output_type, &frame,
			  &(struct image_write_options){.jpeg_quality = opts.jpeg_quality});
	if (ret < 0) {
		cli_error("cannot write '%s': %s", opts.output, strerror(-ret));
		ret = CLI_EXIT_RUNTIME;
		goto out;
	}
	if (opts.global.verbose)
		fprintf(stderr,
			"%s: %ux%u %s (stride %u), %u-bit RGB, developed in %.1f ms (%s, %s "
			"demosaic)\n",
			opts.output, opts.width, opts.height, opts.format->name, opts.stride,
			opts.depth, elapsed, ph_isp_get_impl(isp),
			opts.params.demosaic == PH_ISP_DEMOSAIC_FAST ? "fast" : "hq");
	ret = CLI_EXIT_OK;
out:
	if (isp)
		ph_isp_free(isp);
	free(pixels);
	free(raw);
	return ret;
}
