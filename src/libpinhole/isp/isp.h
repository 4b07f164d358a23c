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
 *   (statistics are taken from the unpacked values: after black level,
 *   before lens shading and white balance)
 *   -> demosaic -> [2x2 binning] -> colour correction matrix + offsets
 *   (saturation folded in) -> tone curve (gamma, contrast, brightness folded
 *   in) -> colour conversion.
 *
 * Fixed point throughout (isp/kernels.h is the exact arithmetic): samples
 * are normalised to a 14-bit working range, 0 = black level, 16383 = white
 * level; the tone curve maps that to 8 bits (RGB/YUV outputs) or 16 bits
 * (RGB48). YUV is computed from the 8-bit RGB values.
 *
 * Work is split into horizontal bands run on a small thread pool; every
 * band writes straight into the output buffers. The caller's thread waits
 * for the bands; the ISP never calls user code. One struct ph_isp
 * processes one frame at a time (not thread-safe); use one per thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pinhole/format.h>

enum ph_isp_demosaic {
	PH_ISP_DEMOSAIC_FAST = 0, /* Malvar-He-Cutler class: preview and video */
	PH_ISP_DEMOSAIC_HQ = 1,	  /* gradient-directed, better than MHC: stills */
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

/*
 * One output: the format, where to write it and how.
 *
 * Sizes: width x height equal the crop, or with @binning exactly half of it
 * rounded down (an odd last row or column of the crop is dropped). A binned
 * pixel is the mean of a 2x2 block of the demosaiced linear image (before
 * the colour matrix and tone curve, so the mean is in linear light); a
 * binned output therefore runs CCM, tone and conversion at a quarter of the
 * pixels but still needs the full demosaic. With a linear tone curve it
 * equals the 2x2 mean of the full output within 1.
 *
 * YUV: Y = Kr R + Kg G + Kb B (BT.601: Kr 0.299, Kb 0.114; BT.709: Kr
 * 0.2126, Kb 0.0722), Cb = (B - Y) / (2 (1 - Kb)), Cr = (R - Y) / (2 (1 - Kr));
 * limited range scales Y to 16..235 and C to 16..240 about 128. Chroma is
 * sited at the centre of its pixels: the mean RGB of each 2x2 block (4:2:0)
 * or pair (4:2:2). Odd sizes: the last chroma sample covers the one column or
 * row there is. Coefficients are Q14 and results rounded to nearest.
 * Planes: RGB and 4:2:2 formats use planes[0]; NV12/NV21 planes[0] (Y) and
 * planes[1] (CbCr or CrCb pairs); YUV420 planes[0..2] (Y, Cb, Cr). Bytes
 * between the end of a line and the stride are never written.
 */
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
	 * bottom-right of the crop's 2x2 phase), on a 16-bit scale (a 10-bit
	 * value v is v << 6). Each must be below the white level. */
	uint16_t black_level[4];
	/* White level on a 16-bit scale; 0 means the format's maximum. */
	uint16_t white_level;
	/* White-balance gains for R, G, B (1.0 = none; ignored for mono). The
	 * total gain of a site, (16383 / (white - black)) x WB x LSC on the
	 * 16-bit scale, saturates at 4.0: about x16 relative to full range. */
	float wb_gains[3];
	/* Lens shading: gains per channel (R, G, B) on a grid of lsc_width x
	 * lsc_height points spanning the crop, interpolated bilinearly.
	 * lsc_width == 0 disables it. */
	uint32_t lsc_width, lsc_height;
	float lsc[3][PH_ISP_LSC_MAX * PH_ISP_LSC_MAX];
	/* Colour correction: rgb' = ccm * rgb + offsets, rgb linear in 0..1
	 * (row-major; coefficients saturate at -8..8). Skipped for mono. */
	float ccm[9];
	float ccm_offsets[3];
	/* Tone: gamma-encode with the sRGB curve (true) or keep linear (false). Then
	 * y = (y - 0.5) * contrast + 0.5 + brightness, clipped to 0..1. */
	bool gamma;
	/* Brightness -1..1 (0 = none), contrast (1 = none), saturation (1 = none;
	 * 0 = grey: luma-preserving, BT.709 weights on the linear values). */
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
	uint32_t subsample;	   /* use every Nth 2x2 quad in each direction (0, 1 = all) */
};

/*
 * Statistics of one frame, taken after black level and before lens shading
 * and white balance, per 2x2 CFA quad (R, average of the two G, B; mono:
 * the mean of the four) on a 16-bit scale. Quads start at the crop's
 * top-left; an odd last row or column is not counted. Quad (qx, qy) of a
 * crop of QW x QH quads falls in zone (qx * zones_x / QW, qy * zones_y / QH).
 * The exact arithmetic is the stats kernel's in isp/kernels.h. Sums are
 * integers, so the result does not depend on the thread count.
 */
struct ph_isp_stats {
	uint32_t zones_x, zones_y;
	struct ph_isp_zone {
		uint64_t sum_r, sum_g, sum_b; /* over unsaturated quads */
		uint32_t counted;	      /* unsaturated quads summed */
		uint32_t saturated;	      /* quads with any site at the white level */
	} zones[PH_ISP_STATS_MAX_ZONES];
	/* Luminance (0.299 R + 0.587 G + 0.114 B, before white balance) histogram of
	 * every sampled quad, saturated or not, 256 bins over 0..(white level -
	 * mean black level). */
	uint32_t histogram[PH_ISP_HIST_BINS];
	uint32_t quads; /* sampled quads */
};

struct ph_isp;

/*
 * @threads: bands run on this many threads (0 = one per online CPU, 1 = the
 * caller only), the caller included. If threads cannot be started the ISP
 * runs with fewer (at worst on the caller alone). @return NULL if out of memory.
 */
struct ph_isp *ph_isp_new(unsigned threads);
void ph_isp_free(struct ph_isp *isp);

/* Which implementation runs: "scalar", "sse4.1", "avx2", "avx512", "neon". */
const char *ph_isp_get_impl(const struct ph_isp *isp);
/*
 * Force an implementation (tests, benchmarks). @return 0, -ENOTSUP if the
 * CPU or this build lacks it, -EINVAL for an unknown name. All give the same
 * bytes (isp/kernels.h).
 */
int ph_isp_set_impl(struct ph_isp *isp, const char *name);

/*
 * Process one frame into @outputs (1 or 2, same crop; sizes per binning)
 * and, if @stats is not NULL, gather statistics per @stats_config (NULL:
 * 16 x 12 zones, no subsampling). Bayer crops must be at least 2 x 2 (the
 * demosaic mirrors the crop at its edges; pixels outside it are not read).
 * @return 0; -EINVAL for unsupported formats, sizes, strides, crops or
 * parameters, or neither an output nor statistics asked for; -ENOMEM if
 * growing the row buffers for a wider frame fails. On error nothing is written.
 */
int ph_isp_process(struct ph_isp *isp, const struct ph_isp_input *input,
		   const struct ph_isp_params *params, const struct ph_isp_output *outputs,
		   unsigned output_count, const struct ph_isp_stats_config *stats_config,
		   struct ph_isp_stats *stats);

/*
 * Unpack the crop of a raw frame (any format ph_isp_process() takes) to one
 * native value per pixel, 0 .. 2^depth - 1, with the fastest unpack kernel
 * of this CPU: row y of the crop goes to @dst + y * @dst_stride (in
 * samples, at least the crop width). For writers of raw files (DNG).
 * @return 0, or -EINVAL for an unsupported format, size, stride or crop.
 */
int ph_isp_unpack(const struct ph_isp_input *input, uint16_t *dst, size_t dst_stride);
