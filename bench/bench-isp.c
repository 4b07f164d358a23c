/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Software ISP throughput against the alternatives, in one process on the
 * same frames (see issue 3, "Benchmark"): Pinhole's full pipeline (CSI-2
 * packed 10-bit RGGB -> black level, white balance, demosaic, CCM, gamma ->
 * output, with statistics) per demosaic quality and output format with the
 * best kernels the CPU runs, and the RGB888 cases with every other kernel
 * set it runs (avx2, sse4.1, scalar...); OpenCV's
 * cvtColor Bayer demosaics (bilinear, VNG, edge-aware; 8 and 16 bits);
 * libv4lconvert's Bayer -> RGB24; and memcpy of the same input + output
 * bytes as the memory-bandwidth ceiling. Figures only: never a pass/fail.
 *
 * Usage: bench-isp [--quick] [--fastest] [--threads N] [--stages]
 *   --quick      shorter measurements (a smoke run)
 *   --stages     only the per-stage breakdown: each kernel over a whole 1080p
 *                frame in isolation, one thread (where the pipeline's time goes)
 *   --fastest    report each contender's fastest frame instead of the median:
 *                steadier on a machine shared with other work
 *   --threads N  the "all threads" column uses N threads (default: every CPU)
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "isp/isp.h"
#include "isp/kernels.h"
#include "opencv_ref.h"
#include "pipeline/virtual/sim.h"

#if defined(PH_BENCH_HAVE_V4LCONVERT) && PH_BENCH_HAVE_V4LCONVERT
#include <libv4l-plugin.h>
#include <pwd.h>
#include <sys/mman.h>
#include <libv4lconvert.h>
#include <linux/videodev2.h>
#define HAVE_V4LCONVERT 1
#else
#define HAVE_V4LCONVERT 0
#endif

/* The frames of one size, in every input layout the contenders take. */
struct frames {
	uint32_t width, height;
	uint8_t *packed10; /* SRGGB10_CSI2P, what Pinhole develops */
	uint32_t packed_stride;
	uint8_t *raw8;	  /* SRGGB8: libv4lconvert, OpenCV 8-bit */
	uint16_t *raw16;  /* SRGGB16 holding the 10-bit values: OpenCV 16-bit */
	uint8_t *out;	  /* output, large enough for RGB48 */
	uint8_t *scratch; /* memcpy destination */
	size_t out_size;
	struct ph_isp_stats *stats;
};

/* One measured row of the table. */
struct result {
	char name[64];
	double ms;     /* median per frame; < 0: not available */
	double mpix_s; /* megapixels per second */
};

struct bench {
	bool quick;
	bool fastest; /* the fastest frame, not the median */
	bool stages;  /* only the per-stage breakdown */
	unsigned all_threads;
	struct ph_isp_params params;
	struct ph_isp_stats_config stats_config;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define MAX_RUNS 400

/* What a measurement runs: one frame per call. @return 0 or -errno. */
typedef int (*run_fn)(void *ctx);

/*
 * Median (or with @p fastest the least) seconds per call of @p fn over
 * about @p budget seconds; < 0 on error.
 */
static double measure(run_fn fn, void *ctx, double budget, bool fastest)
{
	double times[MAX_RUNS];
	unsigned n = 0;
	double start;

	if (fn(ctx) < 0) /* warm-up: caches, pages, thread pools */
		return -1;
	start = now_s();
	while (n < MAX_RUNS && (n < 3 || now_s() - start < budget)) {
		double t = now_s();

		if (fn(ctx) < 0)
			return -1;
		times[n++] = now_s() - t;
	}
	qsort(times, n, sizeof(times[0]), cmp_double);
	return times[fastest ? 0 : n / 2];
}

static void set_result(struct result *r, const char *name, double seconds, const struct frames *f)
{
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->ms = seconds < 0 ? -1 : seconds * 1e3;
	r->mpix_s = seconds <= 0 ? 0 : (double)f->width * f->height / seconds / 1e6;
}

/* Pinhole. */
struct isp_run {
	struct ph_isp *isp;
	const struct bench *bench;
	struct frames *f;
	struct ph_isp_params params;
	struct ph_isp_output outputs[2];
	unsigned output_count;
	struct ph_isp_stats_config stats_config;
};

static int run_isp(void *ctx)
{
	struct isp_run *r = ctx;
	const struct ph_isp_input input = {
		.fourcc = PH_FORMAT_SRGGB10_CSI2P,
		.width = r->f->width,
		.height = r->f->height,
		.stride = r->f->packed_stride,
		.data = r->f->packed10,
	};

	return ph_isp_process(r->isp, &input, &r->params, r->outputs, r->output_count,
			      &r->stats_config, r->f->stats);
}

/* Set @p out to write @p fourcc at @p mem. */
static void isp_output(struct ph_isp_output *out, uint32_t fourcc, uint32_t w, uint32_t h,
		       uint8_t *mem)
{
	memset(out, 0, sizeof(*out));
	out->fourcc = fourcc;
	out->width = w;
	out->height = h;
	out->colorspace = PH_ISP_BT709;
	out->planes[0] = mem;
	switch (fourcc) {
	case PH_FORMAT_NV12:
		out->strides[0] = out->strides[1] = w;
		out->planes[1] = mem + (size_t)w * h;
		break;
	case PH_FORMAT_XRGB8888:
		out->strides[0] = w * 4;
		break;
	case PH_FORMAT_RGB48:
		out->strides[0] = w * 6;
		break;
	default:
		out->strides[0] = w * 3;
		break;
	}
}

/* OpenCV. */
struct cv_run {
	enum ph_ref_demosaic method;
	unsigned depth;
	struct frames *f;
};

static int run_cv(void *ctx)
{
	struct cv_run *r = ctx;
	struct frames *f = r->f;

	if (r->depth == 8)
		return ph_ref_opencv_demosaic(r->method, 8, f->raw8, f->width, f->out,
					      (size_t)f->width * 3, f->width, f->height);
	return ph_ref_opencv_demosaic(r->method, 16, f->raw16, (size_t)f->width * 2, f->out,
				      (size_t)f->width * 6, f->width, f->height);
}

/* libv4lconvert. */
#if HAVE_V4LCONVERT
/*
 * No device behind the converter: it is a capture device with no controls and
 * no formats, so libv4lconvert turns its optional processing off and only
 * converts.
 */
static int v4l_fake_ioctl(void *priv, int fd, unsigned long request, void *arg)
{
	(void)priv, (void)fd;
	if (request == VIDIOC_QUERYCAP) {
		struct v4l2_capability *cap = arg;

		memset(cap, 0, sizeof(*cap));
		snprintf((char *)cap->driver, sizeof(cap->driver), "bench");
		snprintf((char *)cap->card, sizeof(cap->card), "bench-isp");
		cap->capabilities = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
		cap->device_caps = cap->capabilities;
		return 0;
	}
	errno = EINVAL;
	return -1;
}

static const struct libv4l_dev_ops v4l_ops = {.ioctl = v4l_fake_ioctl};

/*
 * libv4lcontrol keeps its software controls in a POSIX shared memory object
 * named after the user, bus and card, which outlives the process: remove ours.
 */
static void v4l_remove_shm(void)
{
	struct passwd *pw = getpwuid(geteuid());
	char name[128];

	snprintf(name, sizeof(name), "/libv4l-%s::bench-isp", pw ? pw->pw_name : "");
	shm_unlink(name);
}

struct v4l_run {
	struct v4lconvert_data *conv;
	struct v4l2_format src, dst;
	struct frames *f;
};

static int run_v4l(void *ctx)
{
	struct v4l_run *r = ctx;
	int n = v4lconvert_convert(r->conv, &r->src, &r->dst, r->f->raw8,
				   (int)(r->f->width * r->f->height), r->f->out,
				   (int)(r->f->width * r->f->height * 3));

	return n < 0 ? -EIO : 0;
}
#endif

/* memcpy of input + output bytes. */
struct copy_run {
	struct frames *f;
	size_t bytes;
	volatile uint8_t sink;
};

static int run_copy(void *ctx)
{
	struct copy_run *r = ctx;

	memcpy(r->f->scratch, r->f->out, r->bytes);
	r->sink = r->f->scratch[r->bytes / 2];
	return 0;
}

static void frames_free(struct frames *f)
{
	free(f->packed10);
	free(f->raw8);
	free(f->raw16);
	free(f->out);
	free(f->scratch);
	free(f->stats);
	memset(f, 0, sizeof(*f));
}

/* Render the simulated sensor's chart at @p w x @p h, 10 bits, with noise. */
static int frames_init(struct frames *f, uint32_t w, uint32_t h)
{
	struct ph_sim_params params;
	struct ph_sim_frame frame = {.exposure_us = 1000, .gain = 2};
	struct ph_sim_scene *scene;
	size_t pixels = (size_t)w * h;
	uint16_t *unpacked;
	int ret;

	memset(f, 0, sizeof(*f));
	f->width = w;
	f->height = h;
	f->packed_stride = (w + 3) / 4 * 5;
	/* Output: RGB48 or NV12 + RGB888 (dual output) at most; memcpy copies packed + RGB48. */
	f->out_size = pixels * 6;
	f->packed10 = malloc((size_t)f->packed_stride * h);
	f->raw8 = malloc(pixels);
	f->raw16 = malloc(pixels * 2);
	/* Page-aligned, as the mmap()ed buffers of a camera are. */
	f->out = aligned_alloc(4096, (f->out_size + (size_t)f->packed_stride * h + 4095) & ~4095ul);
	f->scratch = malloc(f->out_size + (size_t)f->packed_stride * h);
	f->stats = malloc(sizeof(*f->stats));
	if (!f->packed10 || !f->raw8 || !f->raw16 || !f->out || !f->scratch || !f->stats) {
		frames_free(f);
		return -ENOMEM;
	}
	memset(f->out, 0, f->out_size + (size_t)f->packed_stride * h);
	memset(f->scratch, 0, f->out_size + (size_t)f->packed_stride * h);

	ph_sim_params_default(&params);
	params.width = w;
	params.height = h;
	params.order = PH_BAYER_RGGB;
	params.bit_depth = 10;
	scene = ph_sim_scene_new(&params);
	if (!scene) {
		frames_free(f);
		return -EINVAL;
	}
	/* Expose mid-grey (18%) at a fifth of the range, as an auto exposure would. */
	frame.exposure_us = 1000;
	frame.exposure_us *=
		0.2 * ((1 << 10) - params.black_level) / ph_sim_expected_level(scene, &frame, 0.18);
	unpacked = f->raw16;
	ret = ph_sim_render_raw(scene, &frame, PH_FORMAT_SRGGB10_CSI2P, f->packed10,
				f->packed_stride);
	if (!ret)
		ret = ph_sim_render_raw(scene, &frame, PH_FORMAT_SRGGB10, (uint8_t *)unpacked,
					w * 2);
	ph_sim_scene_free(scene);
	if (ret) {
		frames_free(f);
		return ret;
	}
	for (size_t i = 0; i < pixels; i++)
		f->raw8[i] = (uint8_t)(unpacked[i] >> 2);
	return 0;
}

static void print_header(void)
{
	printf("  %-44s %8s %8s %8s %8s %8s %8s %8s %8s\n", "", "ms/frame", "MPix/s", "/v4lconv",
	       "/CVbil8", "/CVEA8", "/CVbil16", "/CVEA16", "/memcpy");
}

static void print_ratio(double a, double b)
{
	if (a > 0 && b > 0)
		printf(" %8.2f", a / b);
	else
		printf(" %8s", "n/a");
}

/* One row: time, rate and the rate over each alternative's (@ratios: v4l, 4 OpenCV, memcpy). */
static void print_row(const struct result *r, const struct result *const ratios[6])
{
	if (r->ms < 0) {
		printf("  %-44s %8s %8s\n", r->name, "n/a", "n/a");
		return;
	}
	printf("  %-44s %8.3f %8.1f", r->name, r->ms, r->mpix_s);
	for (unsigned i = 0; i < 6 && ratios; i++)
		print_ratio(r->mpix_s, ratios[i]->mpix_s);
	printf("\n");
}

/* The Pinhole configurations measured, with the best kernels this CPU runs. */
static const struct isp_case {
	const char *name;
	enum ph_isp_demosaic demosaic;
	uint32_t fourcc[2];
	unsigned count;
	bool every_quad; /* statistics of every quad, not every other one (1-thread tables only) */
} isp_cases[] = {
	{"FAST -> RGB888", PH_ISP_DEMOSAIC_FAST, {PH_FORMAT_RGB888}, 1, false},
	{"FAST -> NV12", PH_ISP_DEMOSAIC_FAST, {PH_FORMAT_NV12}, 1, false},
	{"FAST -> XRGB8888", PH_ISP_DEMOSAIC_FAST, {PH_FORMAT_XRGB8888}, 1, false},
	{"FAST -> NV12 + RGB888",
	 PH_ISP_DEMOSAIC_FAST,
	 {PH_FORMAT_NV12, PH_FORMAT_RGB888},
	 2,
	 false},
	{"HQ -> RGB888", PH_ISP_DEMOSAIC_HQ, {PH_FORMAT_RGB888}, 1, false},
	{"HQ -> NV12", PH_ISP_DEMOSAIC_HQ, {PH_FORMAT_NV12}, 1, false},
	{"HQ -> RGB48", PH_ISP_DEMOSAIC_HQ, {PH_FORMAT_RGB48}, 1, false},
	{"FAST -> RGB888, every quad", PH_ISP_DEMOSAIC_FAST, {PH_FORMAT_RGB888}, 1, true},
};
#define CASE_FAST_ALL_QUADS 7
#define ISP_CASES	    (sizeof(isp_cases) / sizeof(isp_cases[0]))

/* Every other implementation runs the RGB888 cases (isp_cases[0] and [4]). */
static const char *const impls[] = {"avx512", "avx2", "sse4.1", "neon", "scalar"};
#define IMPLS	 (sizeof(impls) / sizeof(impls[0]))
#define ISP_ROWS (ISP_CASES + 2 * IMPLS)
#define CV_BIL8	 0
#define CV_BIL16 1
#define CV_EA8	 2
#define CV_EA16	 3
#define CV_CASES 5

/* Results of one frame size and thread count. */
struct table {
	unsigned threads;
	char impl[16];
	struct result isp[ISP_ROWS];
	unsigned isp_rows;
	struct result cv[CV_CASES]; /* bilinear 8, bilinear 16, EA 8, EA 16, VNG 8 */
	struct result v4l, copy;
};

/* Measure @c with the kernels @impl into @r; n/a when this CPU does not run them. */
static void measure_isp(const struct bench *b, struct frames *f, struct ph_isp *isp,
			const struct isp_case *c, const char *impl, struct result *r)
{
	struct isp_run run = {.isp = isp,
			      .bench = b,
			      .f = f,
			      .params = b->params,
			      .stats_config = b->stats_config};
	uint8_t *mem = f->out;
	char name[64];
	double s = -1;

	run.params.demosaic = c->demosaic;
	if (c->every_quad)
		run.stats_config.subsample = 1;
	run.output_count = c->count;
	for (unsigned o = 0; o < c->count; o++) {
		isp_output(&run.outputs[o], c->fourcc[o], f->width, f->height, mem);
		mem += (size_t)f->width * f->height * 3 / 2; /* NV12 first, then RGB */
	}
	if (ph_isp_set_impl(isp, impl) == 0)
		s = measure(run_isp, &run, b->quick ? 0.05 : 0.4, b->fastest);
	snprintf(name, sizeof(name), "pinhole %s (%s)", c->name, impl);
	set_result(r, name, s, f);
}

static int run_table(const struct bench *b, struct frames *f, unsigned threads, struct table *t)
{
	double budget = b->quick ? 0.05 : 0.4;
	struct ph_isp *isp = ph_isp_new(threads);

	memset(t, 0, sizeof(*t));
	t->threads = threads;
	if (!isp)
		return -ENOMEM;
	snprintf(t->impl, sizeof(t->impl), "%s", ph_isp_get_impl(isp));

	for (unsigned i = 0; i < ISP_CASES; i++)
		if (!isp_cases[i].every_quad || threads == 1)
			measure_isp(b, f, isp, &isp_cases[i], t->impl, &t->isp[t->isp_rows++]);
	for (unsigned i = 0; i < IMPLS; i++) {
		if (!strcmp(impls[i], t->impl) || ph_isp_set_impl(isp, impls[i]) != 0)
			continue; /* the default, measured above, or not on this CPU */
		measure_isp(b, f, isp, &isp_cases[0], impls[i], &t->isp[t->isp_rows++]);
		measure_isp(b, f, isp, &isp_cases[4], impls[i], &t->isp[t->isp_rows++]);
	}
	ph_isp_set_impl(isp, t->impl);
	ph_isp_free(isp);

	static const struct {
		const char *name;
		enum ph_ref_demosaic method;
		unsigned depth;
	} cv_cases[] = {
		{"OpenCV bilinear 8-bit", PH_REF_BILINEAR, 8},
		{"OpenCV bilinear 16-bit", PH_REF_BILINEAR, 16},
		{"OpenCV EA 8-bit", PH_REF_EA, 8},
		{"OpenCV EA 16-bit", PH_REF_EA, 16},
		{"OpenCV VNG 8-bit", PH_REF_VNG, 8},
	};
	ph_ref_opencv_set_threads((int)threads);
	for (unsigned i = 0; i < CV_CASES; i++) {
		struct cv_run r = {cv_cases[i].method, cv_cases[i].depth, f};
		double s = ph_ref_opencv_available() ? measure(run_cv, &r, budget, b->fastest) : -1;

		set_result(&t->cv[i], cv_cases[i].name, s, f);
	}

	double s = -1;
#if HAVE_V4LCONVERT
	struct v4l_run v = {.f = f};

	v.conv = v4lconvert_create_with_dev_ops(-1, NULL, &v4l_ops);
	if (v.conv) {
		v.src.type = v.dst.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		v.src.fmt.pix = (struct v4l2_pix_format){
			.width = f->width,
			.height = f->height,
			.pixelformat = V4L2_PIX_FMT_SRGGB8,
			.field = V4L2_FIELD_NONE,
			.bytesperline = f->width,
			.sizeimage = f->width * f->height,
		};
		v.dst.fmt.pix = v.src.fmt.pix;
		v.dst.fmt.pix.pixelformat = V4L2_PIX_FMT_RGB24;
		v.dst.fmt.pix.bytesperline = f->width * 3;
		v.dst.fmt.pix.sizeimage = f->width * f->height * 3;
		s = measure(run_v4l, &v, budget, b->fastest);
		v4lconvert_destroy(v.conv);
		v4l_remove_shm();
	}
#endif
	set_result(&t->v4l, "libv4lconvert SRGGB8 -> RGB24 (1 thread)", s, f);

	/* The full pipeline's bytes: packed 10-bit in, RGB888 out. */
	struct copy_run c = {.f = f,
			     .bytes = (size_t)f->packed_stride * f->height +
				      (size_t)f->width * f->height * 3};

	set_result(&t->copy, "memcpy in+out bytes (1 thread)",
		   measure(run_copy, &c, budget, b->fastest), f);
	return 0;
}

static void print_table(const struct frames *f, const struct table *t)
{
	printf("\n%ux%u, %u thread%s (ISP %s)\n", f->width, f->height, t->threads,
	       t->threads == 1 ? "" : "s", t->impl);
	const struct result *const ratios[6] = {&t->v4l,	  &t->cv[CV_BIL8], &t->cv[CV_EA8],
						&t->cv[CV_BIL16], &t->cv[CV_EA16], &t->copy};

	print_header();
	for (unsigned i = 0; i < t->isp_rows; i++)
		print_row(&t->isp[i], ratios);
	for (unsigned i = 0; i < CV_CASES; i++)
		print_row(&t->cv[i], ratios);
	print_row(&t->v4l, ratios);
	print_row(&t->copy, NULL);
}

/* ---- per-stage breakdown ---------------------------------------------------------------- */

/*
 * Rings of rows in the kernels' layouts (padded as isp.c pads them), so
 * that each kernel can run over every row of a frame on its own, its input
 * rows in cache as in the pipeline. Each stage reads what the previous one
 * left in the rings (the data are the frame's last rows: any values do for
 * timing).
 */
#define STAGE_RING 16
struct stages {
	struct ph_isp_kernels k;
	struct frames *f;
	unsigned w, h;
	size_t stride;				  /* samples per padded row */
	uint16_t *raw, *lin, *gh, *gv, *grn, *xo; /* STAGE_RING padded rows each */
	int16_t *dh, *dv;
	uint16_t *dm[3]; /* one demosaiced row */
	uint8_t *rgb8[3];
	struct ph_isp_lin lin_row;
	struct ph_isp_ccm ccm;
	struct ph_isp_tone8 tone;
	struct ph_isp_stats_row srow;
	struct ph_isp_stats stats;
	uint32_t hist[PH_ISP_HIST_COPIES][PH_ISP_HIST_BINS];
	uint8_t *zone;
	unsigned stage;
};

/* Padded row @y of a ring. */
#define STAGE_ROW(st, base, y)                                                                     \
	((base) + (size_t)((unsigned)(y) % STAGE_RING) * (st)->stride + PH_ISP_PAD)

enum stage_id {
	ST_UNPACK,
	ST_STATS,
	ST_LINEARISE,
	ST_FAST,
	ST_CCM_TONE8,
	ST_PACK,
	ST_HQ_DIFF,
	ST_HQ_GRAD,
	ST_HQ_GREEN,
	ST_HQ_CROSS,
	ST_HQ_RGB,
	ST_COUNT,
};

static const char *const stage_names[ST_COUNT] = {
	"unpack CSI-2 10-bit", "statistics",	   "linearise (black, gains)",
	"demosaic FAST",       "CCM + 8-bit tone", "pack RGB888",
	"HQ 1: differences",   "HQ 2: gradients",  "HQ 3: green",
	"HQ 4: cross colour",  "HQ 5: R, G, B",
};

static int run_stage(void *ctx)
{
	struct stages *st = ctx;
	const struct ph_isp_kernels *k = &st->k;
	const unsigned w = st->w;

	for (int y = STAGE_RING; y < (int)st->h + STAGE_RING; y++) {
		uint16_t *raw = STAGE_ROW(st, st->raw, y), *lin = STAGE_ROW(st, st->lin, y);
		unsigned gf = (unsigned)(y & 1) ^ 1; /* RGGB */
		const uint16_t *win[5], *grn[5], *xr[3], *gh[3], *gv[5];
		const int16_t *dv[5], *dv_grad[2];

		for (int d = 0; d < 5; d++) {
			win[d] = STAGE_ROW(st, st->lin, y + d - 2);
			grn[d] = STAGE_ROW(st, st->grn, y + d - 2);
			dv[d] = STAGE_ROW(st, st->dv, y + d - 2);
			gv[d] = STAGE_ROW(st, st->gv, y + d - 2);
		}
		dv_grad[0] = dv[1];
		dv_grad[1] = dv[3];
		for (int d = 0; d < 3; d++) {
			gh[d] = STAGE_ROW(st, st->gh, y + d - 1);
			xr[d] = STAGE_ROW(st, st->xo, y + d - 1);
		}
		switch (st->stage) {
		case ST_UNPACK:
			k->unpack[PH_ISP_UNPACK_10P](st->f->packed10 + (size_t)(y - STAGE_RING) *
									       st->f->packed_stride,
						     0, w, 10, raw);
			break;
		case ST_STATS:
			if ((y & 1) && ((unsigned)y / 2) % st->srow.step == 0)
				k->stats(STAGE_ROW(st, st->raw, y - 1), raw, &st->srow,
					 &st->stats.zones[(unsigned)(y - STAGE_RING) / 2 * 12 /
							  (st->h / 2) * 16],
					 st->hist);
			break;
		case ST_LINEARISE:
			k->linearise(raw, w, &st->lin_row, lin);
			break;
		case ST_FAST:
			k->demosaic_fast(win, w, gf, st->dm[0], st->dm[1], st->dm[2]);
			break;
		case ST_CCM_TONE8:
			k->ccm_tone8(win[0], win[1], win[2], w, &st->ccm, &st->tone, st->rgb8[0],
				     st->rgb8[1], st->rgb8[2]);
			break;
		case ST_PACK:
			k->pack[PH_ISP_PACK_RGB888](st->rgb8[0], st->rgb8[1], st->rgb8[2], w,
						    st->f->out + (size_t)(y - STAGE_RING) * w * 3);
			break;
		case ST_HQ_DIFF:
			k->dm_hq_diff(win, w, gf, (int16_t *)STAGE_ROW(st, st->dh, y),
				      (int16_t *)STAGE_ROW(st, st->dv, y));
			break;
		case ST_HQ_GRAD:
			k->dm_hq_grad(STAGE_ROW(st, st->dh, y), dv_grad, w,
				      STAGE_ROW(st, st->gh, y), STAGE_ROW(st, st->gv, y));
			break;
		case ST_HQ_GREEN:
			k->dm_hq_green(lin, STAGE_ROW(st, st->dh, y), dv, gh, gv, w, gf,
				       STAGE_ROW(st, st->grn, y));
			break;
		case ST_HQ_CROSS:
			k->dm_hq_cross(win + 1, grn + 1, w, gf, STAGE_ROW(st, st->xo, y));
			break;
		case ST_HQ_RGB:
			k->dm_hq_rgb(win + 1, grn, xr, w, gf, st->dm[0], st->dm[1], st->dm[2]);
			break;
		}
	}
	return 0;
}

static void stages_free(struct stages *st)
{
	free(st->raw);
	free(st->lin);
	free(st->gh);
	free(st->gv);
	free(st->grn);
	free(st->xo);
	free(st->dh);
	free(st->dv);
	for (unsigned c = 0; c < 3; c++) {
		free(st->dm[c]);
		free(st->rgb8[c]);
	}
	free(st->zone);
}

/* Plausible tables: the bench's black level and gains, a ramp for the tone curve. */
static void stages_tables(struct stages *st, const struct bench *b)
{
	for (unsigned i = 0; i < 9; i++)
		st->ccm.m[i] = (int16_t)(b->params.ccm[i] * (1 << PH_ISP_CCM_SHIFT));
	for (unsigned i = 0; i < PH_ISP_TONE_SEGS; i++) {
		unsigned k0 = i * (255u << 7) / PH_ISP_TONE_SEGS;

		st->tone.k[i] = (uint16_t)k0;
		st->tone.d[i] = (int16_t)((255u << 7) / PH_ISP_TONE_SEGS);
	}
	for (unsigned x = 0; x <= PH_ISP_WMAX; x++)
		st->tone.lut[x] = (uint8_t)(x >> 6);
	/* An R/G row with the bench's black level and red gain, as isp.c derives them. */
	st->lin_row =
		(struct ph_isp_lin){.shift = 6,
				    .gain_shift = 16,
				    .black = {b->params.black_level[0], b->params.black_level[1]},
				    .gain = {33226, 17487}};
	st->srow = (struct ph_isp_stats_row){.quads = st->w / 2,
					     .step = b->stats_config.subsample,
					     .shift = 6,
					     .black = {4096, 4096, 4096, 4096},
					     .white = 65472,
					     .hist_scale = (256u << 16) / (65472 - 4096),
					     .zone = st->zone};
	for (unsigned q = 0; q < st->w / 2; q++)
		st->zone[q] = (uint8_t)(q * 16 / (st->w / 2));
}

/*
 * Each kernel over every row of the 1080p frame, one thread, in pipeline
 * order (each stage's input is the previous stage's output), then the full
 * pipelines for comparison.
 */
static int run_stages(const struct bench *b, struct frames *f)
{
	struct stages st = {.f = f, .w = f->width, .h = f->height};
	size_t ring;
	struct ph_isp *isp = ph_isp_new(1);

	if (!isp)
		return -ENOMEM;
	st.stride = f->width + 2 * PH_ISP_PAD;
	ring = st.stride * STAGE_RING * sizeof(uint16_t);
	st.raw = calloc(1, ring);
	st.lin = calloc(1, ring);
	st.gh = calloc(1, ring);
	st.gv = calloc(1, ring);
	st.grn = calloc(1, ring);
	st.xo = calloc(1, ring);
	st.dh = calloc(1, ring);
	st.dv = calloc(1, ring);
	st.zone = calloc(1, f->width);
	bool ok = st.raw && st.lin && st.gh && st.gv && st.grn && st.xo && st.dh && st.dv &&
		  st.zone && ph_isp_kernels_find(ph_isp_get_impl(isp), &st.k);
	for (unsigned c = 0; c < 3; c++) {
		st.dm[c] = calloc(f->width + 2 * PH_ISP_PAD, sizeof(uint16_t));
		st.rgb8[c] = calloc(f->width + 2 * PH_ISP_PAD, 1);
		ok = ok && st.dm[c] && st.rgb8[c];
	}
	if (!ok) {
		stages_free(&st);
		ph_isp_free(isp);
		return -ENOMEM;
	}
	stages_tables(&st, b);

	double fast = 0, hq = 0;
	printf("\nPer-stage breakdown, 1920x1080, 1 thread (ISP %s): each kernel over a whole "
	       "frame\n",
	       st.k.name);
	printf("  %-44s %8s %8s\n", "", "ms/frame", "MPix/s");
	for (st.stage = 0; st.stage < ST_COUNT; st.stage++) {
		struct result r;

		set_result(&r, stage_names[st.stage],
			   measure(run_stage, &st, b->quick ? 0.05 : 0.3, b->fastest), f);
		print_row(&r, NULL);
		if (st.stage < ST_HQ_DIFF)
			fast += r.ms;
		if (st.stage != ST_FAST)
			hq += r.ms;
	}
	printf("  %-44s %8.3f\n  %-44s %8.3f\n", "sum of the FAST stages", fast,
	       "sum of the HQ stages", hq);
	for (unsigned i = 0; i < ISP_CASES; i += 4) { /* the RGB888 cases */
		struct result r;

		measure_isp(b, f, isp, &isp_cases[i], st.k.name, &r);
		print_row(&r, NULL);
	}
	stages_free(&st);
	ph_isp_free(isp);
	return 0;
}

static void print_verdict(const char *what, double value, double target, const char *unit)
{
	if (value <= 0 || target <= 0)
		printf("  %-62s n/a\n", what);
	else
		printf("  %-62s %7.2f%s (target %.2f%s): %s\n", what, value, unit, target, unit,
		       value >= target ? "met" : "NOT met");
}

/* The targets of the issue, from the 1-thread and 2-thread tables of one frame size. */
static void print_targets(const struct frames *f, const struct table *one, const struct table *two)
{
	const struct result *fast = &one->isp[0], *hq = &one->isp[4];

	printf("\nTargets (%ux%u, one thread unless said)\n", f->width, f->height);
	print_verdict("FAST RGB888 pipeline / libv4lconvert demosaic",
		      fast->mpix_s / one->v4l.mpix_s, 1.0, "x");
	print_verdict("  the same with statistics of every quad",
		      one->isp[CASE_FAST_ALL_QUADS].mpix_s / one->v4l.mpix_s, 1.0, "x");
	print_verdict("FAST RGB888 pipeline / OpenCV 8-bit bilinear",
		      fast->mpix_s / one->cv[CV_BIL8].mpix_s, 0.4, "x");
	print_verdict("HQ RGB888 pipeline / OpenCV 16-bit EA", hq->mpix_s / one->cv[CV_EA16].mpix_s,
		      1.0, "x");
	print_verdict("FAST RGB888 scaling, 2 threads / 1 thread",
		      two->isp[0].mpix_s / fast->mpix_s, 1.8, "x");
	print_verdict("HQ RGB888 scaling, 2 threads / 1 thread", two->isp[4].mpix_s / hq->mpix_s,
		      1.8, "x");
	/* libcamera's CPU ISP with a CCM: 11.3 ms per 1080p frame on one thread, as quoted. */
	if (f->width == 1920 && f->height == 1080)
		print_verdict("FAST RGB888 pipeline / libcamera soft ISP with CCM (quoted)",
			      fast->mpix_s / (1920.0 * 1080 / 11.3e-3 / 1e6), 5.0, "x");
}

/* Other processes skew the figures: say how busy the machine was. */
static void print_load(const char *when)
{
	double load[3];

	if (getloadavg(load, 3) == 3)
		printf("Load average %s: %.2f %.2f %.2f\n", when, load[0], load[1], load[2]);
}

int main(int argc, char **argv)
{
	static const uint32_t sizes[][2] = {{1920, 1080}, {4056, 3040}};
	/* A plausible sensor: black level 64 at 10 bits, daylight gains, a saturating CCM. */
	static const float ccm[9] = {1.60f,  -0.45f, -0.15f, -0.30f, 1.55f,
				     -0.25f, -0.05f, -0.60f, 1.65f};
	/* Statistics as the virtual and simple cameras ask for them: 16x12 zones, every other quad.
	 */
	struct bench b = {.stats_config = {16, 12, 2}};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	b.all_threads = cpus > 0 ? (unsigned)cpus : 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			b.quick = true;
		} else if (!strcmp(argv[i], "--fastest")) {
			b.fastest = true;
		} else if (!strcmp(argv[i], "--stages")) {
			b.stages = true;
		} else if (!strcmp(argv[i], "--threads") && i + 1 < argc && atoi(argv[i + 1]) > 0) {
			b.all_threads = (unsigned)atoi(argv[++i]);
		} else {
			fprintf(stderr,
				"usage: %s [--quick] [--fastest] [--threads N] [--stages]\n",
				argv[0]);
			return 2;
		}
	}

	ph_isp_params_identity(&b.params);
	for (unsigned i = 0; i < 4; i++)
		b.params.black_level[i] = 64 << 6;
	b.params.wb_gains[0] = 1.9f;
	b.params.wb_gains[2] = 1.6f;
	memcpy(b.params.ccm, ccm, sizeof(ccm));
	b.params.gamma = true;

	printf("Software ISP benchmark: CSI-2 packed 10-bit RGGB (simulated sensor, chart with "
	       "noise) -> BLC, WB, demosaic, CCM, gamma -> output, with 16x12 zone statistics of "
	       "every other quad (as the cameras gather them; the \"every quad\" row: of every "
	       "quad)\n");
	printf("OpenCV %s; libv4lconvert %s; %ld CPUs online. MPix/s from the %s frame "
	       "time; ratios are MPix/s over the column's MPix/s.\n",
	       ph_ref_opencv_version(), HAVE_V4LCONVERT ? "linked" : "n/a", cpus,
	       b.fastest ? "fastest" : "median");
	print_load("at start");

	if (b.stages) {
		struct frames f;
		int ret = frames_init(&f, sizes[0][0], sizes[0][1]);

		if (!ret)
			ret = run_stages(&b, &f);
		frames_free(&f);
		if (ret < 0) {
			fprintf(stderr, "cannot run the stages: %s\n", strerror(-ret));
			return 1;
		}
		print_load("at end");
		return 0;
	}
	for (unsigned s = 0; s < 2; s++) {
		unsigned threads[3] = {1, 2, b.all_threads};
		struct table tables[3];
		struct frames f;
		int ret = frames_init(&f, sizes[s][0], sizes[s][1]);

		if (ret < 0) {
			fprintf(stderr, "cannot make the %ux%u frames: %s\n", sizes[s][0],
				sizes[s][1], strerror(-ret));
			return 1;
		}
		for (unsigned t = 0; t < 3; t++) {
			if (t == 2 && b.all_threads <= 2)
				break;
			ret = run_table(&b, &f, threads[t], &tables[t]);
			if (ret < 0) {
				fprintf(stderr, "cannot run the ISP: %s\n", strerror(-ret));
				frames_free(&f);
				return 1;
			}
			print_table(&f, &tables[t]);
			fflush(stdout);
		}
		print_targets(&f, &tables[0], &tables[1]);
		frames_free(&f);
	}
	print_load("at end");
	return 0;
}
