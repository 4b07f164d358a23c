/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The software ISP: raw Bayer (or monochrome) frames in, processed frames
 * and 3A statistics out, in one pass over the input. It knows no V4L2 and
 * no camera: a pipeline handler (or `pinhole develop`) hands it mapped
 * memory and parameters.
 *
 * Processing order, per pixel:
 *   unpack -> black level -> lens shading gain x white-balance gain
 *   (statistics are taken here, after black level, before white balance)
 *   -> demosaic -> colour correction matrix + offsets (saturation folded in)
 *   -> tone curve (gamma, contrast, brightness folded in) -> colour conversion.
 *
 * Work is split into horizontal bands run on a small thread pool; every
 * band writes straight into the output buffers. The caller's thread waits
 * for the bands; the ISP never calls user code.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pinhole/format.h>

enum ph_isp_demosaic {
	PH_ISP_DEMOSAIC_FAST = 0, /* bilinear class: preview and video */
	PH_ISP_DEMOSAIC_HQ = 1,	  /* Malvar-He-Cutler class or better: stills */
};

enum ph_isp_colorspace {
	PH_ISP_BT601 = 0,
	PH_ISP_BT709 = 1,
};

/* The input frame: mapped memory, its format and the crop to process. */
struct ph_isp_input {
	uint32_t fourcc;	/* Bayer or monochrome format (ph_format_is_raw) */
	uint32_t width, height; /* of the whole buffer, in pixels */
	uint32_t stride;	/* bytes per line */
	const uint8_t *data;
	/* Region to process; its top-left pixel sets the CFA phase. 0,0,0,0 = all. */
	uint32_t crop_x, crop_y, crop_width, crop_height;
};

/* One output: the format, where to write it and how. */
struct ph_isp_output {
	uint32_t fourcc; /* PH_FORMAT_ RGB888, BGR888, XRGB8888, XBGR8888, RGB565, RGB48, NV12,
			    NV21, YUV420 (I420), YUYV or UYVY: see <pinhole/format.h> */
	uint32_t width, height;		   /* crop size, or half of it with @binning */
	bool binning;			   /* 2x2 binned output: half width and height */
	enum ph_isp_colorspace colorspace; /* YUV outputs */
	bool full_range;		   /* YUV outputs: 0..255 instead of 16..235/240 */
	uint8_t *planes[3];		   /* first byte of each plane */
	uint32_t strides[3];		   /* bytes per line of each plane */
};

#define PH_ISP_LSC_MAX 32 /* lens shading grid, at most this many cells per side */

/*
 * Per-frame parameters. Changing them between frames costs no allocation:
 * derived tables are rebuilt in place when the values change.
 */
struct ph_isp_params {
	/* Black level of each CFA site (top-left, top-right, bottom-left,
	 * bottom-right of the crop's 2x2 phase), on a 16-bit scale. */
	uint16_t black_level[4];
	/* White level on a 16-bit scale; 0 means the format's maximum. */
	uint16_t white_level;
	/* White-balance gains for R, G, B (1.0 = none). */
	float wb_gains[3];
	/* Lens shading: gains per channel (R, G, B) on a grid of lsc_width x
	 * lsc_height points spanning the crop, interpolated bilinearly.
	 * lsc_width == 0 disables it. */
	uint32_t lsc_width, lsc_height;
	float lsc[3][PH_ISP_LSC_MAX * PH_ISP_LSC_MAX];
	/* Colour correction: rgb' = ccm * rgb + offsets, rgb linear in 0..1. */
	float ccm[9];
	float ccm_offsets[3];
	/* Tone: gamma-encode with the sRGB curve (true) or keep linear (false). */
	bool gamma;
	/* Brightness -1..1 (0 = none), contrast (1 = none), saturation (1 = none). */
	float brightness, contrast, saturation;
	enum ph_isp_demosaic demosaic;
};

/* Identity parameters: every stage off (no black level, unit gains, identity CCM, no gamma). */
void ph_isp_params_identity(struct ph_isp_params *params);

#define PH_ISP_STATS_MAX_ZONES (32 * 32)
#define PH_ISP_HIST_BINS       256

/* What the statistics gather, set per frame. */
struct ph_isp_stats_config {
	uint32_t zones_x, zones_y; /* grid, e.g. 16 x 12; at most 32 x 32 */
	uint32_t subsample;	   /* use every Nth 2x2 quad in each direction (1 = all) */
};

/*
 * Statistics of one frame, taken after black level and before white
 * balance, per 2x2 CFA quad (R, average of the two G, B), on a 16-bit scale.
 */
struct ph_isp_stats {
	uint32_t zones_x, zones_y;
	struct ph_isp_zone {
		uint64_t sum_r, sum_g, sum_b; /* over unsaturated quads */
		uint32_t counted;	      /* unsaturated quads summed */
		uint32_t saturated;	      /* quads with any site at the white level */
	} zones[PH_ISP_STATS_MAX_ZONES];
	/* Luminance (0.299 R + 0.587 G + 0.114 B, before white balance) histogram of
	 * every sampled quad, 256 bins over 0..white level. */
	uint32_t histogram[PH_ISP_HIST_BINS];
	uint32_t quads; /* sampled quads */
};

struct ph_isp;

/* @threads: bands run on this many threads (0 = one per online CPU, 1 = the caller only). */
struct ph_isp *ph_isp_new(unsigned threads);
void ph_isp_free(struct ph_isp *isp);

/* Which implementation runs: "scalar", "sse4.1", "avx2", "avx512", "neon". */
const char *ph_isp_get_impl(const struct ph_isp *isp);
/* Force an implementation (tests, benchmarks). @return 0 or -ENOTSUP if the CPU lacks it. */
int ph_isp_set_impl(struct ph_isp *isp, const char *name);

/*
 * Process one frame into @outputs (1 or 2, same crop; sizes per binning)
 * and, if @stats is not NULL, gather statistics per @stats_config.
 * @return 0, or -EINVAL for unsupported formats, sizes or strides.
 */
int ph_isp_process(struct ph_isp *isp, const struct ph_isp_input *input,
		   const struct ph_isp_params *params, const struct ph_isp_output *outputs,
		   unsigned output_count, const struct ph_isp_stats_config *stats_config,
		   struct ph_isp_stats *stats);
