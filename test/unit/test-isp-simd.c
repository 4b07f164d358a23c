/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SIMD kernels against the scalar reference, byte for byte, for every SIMD
 * table this CPU runs (sse4.1, avx2, avx512): every kernel, on random and
 * structured rows, for widths 1..70 and large odd and even ones, every
 * unpack layout and depth, start offsets (CFA and packing phase), and guard
 * bytes past n that must stay untouched; then whole frames through
 * ph_isp_process, scalar against each table, for every input family, Bayer
 * order, crop phase, stride, output format, demosaic quality, binning, two
 * outputs, lens shading and statistics (1 and 2 threads). Inputs are
 * allocated to their exact size so ASan and valgrind catch any read past
 * them (valgrind's CPU has no AVX-512: that table runs natively and under
 * ASan). NEON: test-isp-neon.c.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "isp/isp.h"
#include "isp/kernels.h"

#define GUARD 64 /* bytes after each kernel output that must stay untouched */

/* ---- helpers ------------------------------------------------------------------------------ */

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 16);
}

/* The SIMD kernels under test (the group state): one run of every test per implementation. */
#define NEED_SIMD(k) (*(k) = *(const struct ph_isp_kernels *)*state)

/* The SIMD implementations, and whether this CPU runs each (checked apart from isp.c). */
static const char *const simd_impls[] = {"sse4.1", "avx2", "avx512", "neon"};
#define NIMPLS (sizeof(simd_impls) / sizeof(simd_impls[0]))

static bool cpu_runs(const char *name)
{
#if defined(__x86_64__)
	__builtin_cpu_init();
	if (!strcmp(name, "sse4.1"))
		return __builtin_cpu_supports("sse4.1");
	if (!strcmp(name, "avx2"))
		return __builtin_cpu_supports("avx2");
	if (!strcmp(name, "avx512"))
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi") &&
		       __builtin_cpu_supports("avx512vnni");
#elif defined(__aarch64__)
	if (!strcmp(name, "neon"))
		return true;
#endif
	return false;
}

/* The widths every kernel runs at. */
static const unsigned widths[] = {
	1,  2,	3,  4,	5,  6,	7,  8,	9,  10, 11, 12,	 13,  14,  15,	16,   17,   18,	 19, 20,
	21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,	 33,  34,  35,	36,   37,   38,	 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52,	 53,  54,  55,	56,   57,   58,	 59, 60,
	61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 95, 127, 128, 129, 255, 1000, 1921, 4057};
#define NWIDTHS (sizeof(widths) / sizeof(widths[0]))
#define MAXW	4096

/* A padded 16-bit row (PH_ISP_PAD samples each side), 32-byte aligned at index 0. */
struct row16 {
	uint16_t *mem, *p;
};

static struct row16 row16_new(void)
{
	struct row16 r;
	size_t n = 2 * MAXW + 2 * PH_ISP_PAD + 64;

	r.mem = aligned_alloc(64, n * sizeof(uint16_t));
	assert_non_null(r.mem);
	memset(r.mem, 0, n * sizeof(uint16_t));
	r.p = r.mem + PH_ISP_PAD;
	return r;
}

/* @kind 0: random below @max + 1; 1: all @max; 2: all 0; 3: ramp; 4: extremes alternating. */
static void fill16(uint16_t *d, unsigned n, unsigned max, unsigned kind, uint64_t *s)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned v = kind == 0	 ? rnd(s) % (max + 1)
			     : kind == 1 ? max
			     : kind == 2 ? 0
			     : kind == 3 ? (i * 977u) % (max + 1)
					 : ((i / 3) & 1 ? max : 0);

		d[i] = (uint16_t)v;
	}
}

static void fill8(uint8_t *d, unsigned n, unsigned kind, uint64_t *s)
{
	for (unsigned i = 0; i < n; i++)
		d[i] = (uint8_t)(kind == 0 ? rnd(s) : kind == 1 ? 255 : kind == 2 ? 0 : i * 37);
}

/* Two output buffers with the same guard pattern; compare all of them after running. */
struct outs {
	uint8_t *a, *b;
	size_t size;
};

static struct outs outs_new(size_t size)
{
	struct outs o = {malloc(size + GUARD), malloc(size + GUARD), size};

	assert_non_null(o.a);
	assert_non_null(o.b);
	memset(o.a, 0x5a, size + GUARD);
	memset(o.b, 0x5a, size + GUARD);
	return o;
}

static void outs_check(struct outs *o, const char *what, unsigned n, unsigned extra)
{
	if (memcmp(o->a, o->b, o->size + GUARD)) {
		for (size_t i = 0; i < o->size + GUARD; i++)
			if (o->a[i] != o->b[i]) {
				print_error("%s: n %u (%u): byte %zu of %zu: scalar %u simd %u\n",
					    what, n, extra, i, o->size, o->a[i], o->b[i]);
				break;
			}
		fail();
	}
	free(o->a);
	free(o->b);
}

/* ---- kernels ------------------------------------------------------------------------------ */

static void test_unpack(void **state)
{
	struct ph_isp_kernels k;
	const struct ph_isp_kernels *sc = &ph_isp_kernels_scalar;
	static const struct {
		enum ph_isp_unpack u;
		unsigned depth;
	} cases[] = {
		{PH_ISP_UNPACK_8, 8},	 {PH_ISP_UNPACK_16, 9},	  {PH_ISP_UNPACK_16, 10},
		{PH_ISP_UNPACK_16, 12},	 {PH_ISP_UNPACK_16, 14},  {PH_ISP_UNPACK_16, 16},
		{PH_ISP_UNPACK_10P, 10}, {PH_ISP_UNPACK_12P, 12},
	};
	uint64_t s = 0x1234567;

	NEED_SIMD(&k);
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (unsigned w = 0; w < NWIDTHS; w++)
			for (unsigned x0 = 0; x0 < 8; x0++)
				for (unsigned kind = 0; kind < 3; kind++) {
					unsigned n = widths[w], end = x0 + n;
					size_t bytes = cases[c].u == PH_ISP_UNPACK_8 ? end
						       : cases[c].u == PH_ISP_UNPACK_16
							       ? 2 * (size_t)end
						       : cases[c].u == PH_ISP_UNPACK_10P
							       ? (end + 3) / 4 * 5
							       : (end + 1) / 2 * 3;
					uint8_t *line = malloc(bytes); /* exact: overreads show */
					struct outs o = outs_new(2 * (size_t)n);

					assert_non_null(line);
					fill8(line, (unsigned)bytes, kind, &s);
					sc->unpack[cases[c].u](line, x0, n, cases[c].depth,
							       (uint16_t *)(void *)o.a);
					k.unpack[cases[c].u](line, x0, n, cases[c].depth,
							     (uint16_t *)(void *)o.b);
					outs_check(&o, "unpack", n, c * 8 + x0);
					free(line);
				}
}

static void test_linearise(void **state)
{
	struct ph_isp_kernels k;
	const struct ph_isp_kernels *sc = &ph_isp_kernels_scalar;
	static const unsigned depths[] = {8, 10, 12, 14, 16};
	struct row16 raw = row16_new(), gains = row16_new();
	uint64_t s = 99;

	NEED_SIMD(&k);
	for (unsigned d = 0; d < 5; d++)
		for (unsigned w = 0; w < NWIDTHS; w++)
			for (unsigned rep = 0; rep < 6; rep++) {
				unsigned n = widths[w], depth = depths[d];
				struct ph_isp_lin lin = {
					.shift = (uint8_t)(16 - depth),
					.gain_shift = (uint8_t)(14 + rep % 3),
				};

				for (unsigned i = 0; i < 2; i++) {
					lin.black[i] =
						(uint16_t)(rep == 5 ? 65535 : rnd(&s) % 8192);
					lin.gain[i] = (uint16_t)(rep == 4 ? 65535 : rnd(&s));
				}
				fill16(raw.p, n, (1u << depth) - 1, rep % 5, &s);
				fill16(gains.p, n, 65535, rep == 3 ? 1 : 0, &s);

				struct outs o = outs_new(2 * (size_t)n);

				sc->linearise(raw.p, n, &lin, (uint16_t *)(void *)o.a);
				k.linearise(raw.p, n, &lin, (uint16_t *)(void *)o.b);
				outs_check(&o, "linearise", n, d);
				o = outs_new(2 * (size_t)n);
				sc->linearise_lsc(raw.p, n, &lin, gains.p, (uint16_t *)(void *)o.a);
				k.linearise_lsc(raw.p, n, &lin, gains.p, (uint16_t *)(void *)o.b);
				outs_check(&o, "linearise_lsc", n, d);
			}
	free(raw.mem);
	free(gains.mem);
}

static void test_stats(void **state)
{
	struct ph_isp_kernels k;
	const struct ph_isp_kernels *sc = &ph_isp_kernels_scalar;
	struct row16 r0 = row16_new(), r1 = row16_new();
	struct ph_isp_zone *za = calloc(PH_ISP_STATS_MAX_ZONES, sizeof(*za));
	struct ph_isp_zone *zb = calloc(PH_ISP_STATS_MAX_ZONES, sizeof(*zb));
	uint32_t ca[PH_ISP_HIST_COPIES][PH_ISP_HIST_BINS], cb[PH_ISP_HIST_COPIES][PH_ISP_HIST_BINS];
	uint32_t ha[PH_ISP_HIST_BINS], hb[PH_ISP_HIST_BINS];
	uint8_t *zone = malloc(MAXW);
	uint64_t s = 7;

	NEED_SIMD(&k);
	assert_non_null(za);
	assert_non_null(zb);
	assert_non_null(zone);
	for (unsigned w = 0; w < NWIDTHS; w++)
		for (unsigned rep = 0; rep < 24; rep++) {
			unsigned n = widths[w] * 2, depth = 8 + 2 * (rep % 5);
			unsigned zones = 1 + rnd(&s) % 32, quads = n / 2;
			struct ph_isp_stats_row p = {
				.quads = quads,
				.step = rep % 4 == 1   ? 2
					: rep % 8 == 7 ? 1 + rnd(&s) % 4
						       : 1,
				.shift = (uint8_t)(16 - depth),
				.mono = rep % 6 == 5,
				.site_r = (uint8_t)(rep % 4),
				.white = (uint16_t)(rep % 3 == 0 ? 65535 - rnd(&s) % 20000 : 65535),
				.hist_scale = rep % 4 == 3 ? 1u << 24
							   : (256u << 16) / (1 + rnd(&s) % 65535),
				.zone = zone,
			};

			for (unsigned i = 0; i < 4; i++)
				p.black[i] = (uint16_t)(rnd(&s) % 4096);
			for (unsigned q = 0; q < quads; q++) /* monotone, or random (any table) */
				zone[q] = (uint8_t)(rep % 5 == 4 ? rnd(&s) % zones
								 : (uint64_t)q * zones / quads);
			fill16(r0.p, n, (1u << depth) - 1, rep % 5, &s);
			fill16(r1.p, n, (1u << depth) - 1, (rep + 1) % 5, &s);
			memset(za, 0, PH_ISP_STATS_MAX_ZONES * sizeof(*za));
			memset(zb, 0, PH_ISP_STATS_MAX_ZONES * sizeof(*zb));
			memset(ca, 0, sizeof(ca));
			memset(cb, 0, sizeof(cb));
			/* Twice into the same sums, as rows of a frame add up. */
			for (unsigned t = 0; t < 2; t++) {
				unsigned na = sc->stats(r0.p, r1.p, &p, za, ca);
				unsigned nb = k.stats(r0.p, r1.p, &p, zb, cb);

				assert_int_equal(na, nb);
			}
			/* The histogram is the sum of the copies, whichever copy counted a quad. */
			for (unsigned b = 0; b < PH_ISP_HIST_BINS; b++) {
				ha[b] = hb[b] = 0;
				for (unsigned c = 0; c < PH_ISP_HIST_COPIES; c++) {
					ha[b] += ca[c][b];
					hb[b] += cb[c][b];
				}
			}
			if (memcmp(ha, hb, sizeof(ha)) || memcmp(za, zb, zones * sizeof(*za)))
				print_error("stats: quads %u rep %u depth %u mono %u site_r %u\n",
					    quads, rep, depth, p.mono, p.site_r);
			assert_memory_equal(ha, hb, sizeof(ha));
			assert_memory_equal(za, zb, zones * sizeof(*za));
		}
	free(r0.mem);
	free(r1.mem);
	free(za);
	free(zb);
	free(zone);
}

/*
 * A valid 8-bit tone table (kernels.h): knots in 0..255 << 7 (k: plus 64), random
 * (@rep odd), rising, falling or with the extremes alternating.
 */
static void tone_table(struct ph_isp_tone8 *t, unsigned rep, uint64_t *s)
{
	uint16_t knot[PH_ISP_TONE_SEGS + 1];

	for (unsigned i = 0; i <= PH_ISP_TONE_SEGS; i++) {
		unsigned v = rep & 1	    ? rnd(s) % (32640 + 1)
			     : rep % 6 == 0 ? i * 32640 / PH_ISP_TONE_SEGS
			     : rep % 6 == 2 ? 32640 - i * 255
					    : (i & 1) * 32640;

		knot[i] = (uint16_t)v;
	}
	for (unsigned i = 0; i < PH_ISP_TONE_SEGS; i++) {
		t->k[i] = (uint16_t)(knot[i] + 64);
		t->d[i] = (int16_t)(knot[i + 1] - knot[i]);
	}
	for (unsigned x = 0; x <= PH_ISP_WMAX; x += 256) {
		uint16_t ramp[256];

		for (unsigned i = 0; i < 256; i++)
			ramp[i] = (uint16_t)(x + i);
		ph_isp_kernels_scalar.tone8(ramp, 256, t, t->lut + x);
	}
}

static void test_bin_ccm_tone(void **state)
{
	struct ph_isp_kernels k;
	const struct ph_isp_kernels *sc = &ph_isp_kernels_scalar;
	struct row16 a = row16_new(), b = row16_new(), c = row16_new();
	struct ph_isp_tone8 *tone = malloc(sizeof(*tone)); /* exact: gathers must stay inside */
	uint16_t *lut16 = malloc(2 * (PH_ISP_WMAX + 1));
	uint64_t s = 4242;

	NEED_SIMD(&k);
	assert_non_null(tone);
	assert_non_null(lut16);
	for (unsigned w = 0; w < NWIDTHS; w++)
		for (unsigned rep = 0; rep < 6; rep++) {
			unsigned n = widths[w];
			struct ph_isp_ccm m;

			fill16(a.p, 2 * n, PH_ISP_WMAX, rep % 5, &s);
			fill16(b.p, 2 * n, PH_ISP_WMAX, (rep + 2) % 5, &s);
			fill16(c.p, n, PH_ISP_WMAX, (rep + 3) % 5, &s);
			for (unsigned i = 0; i < 9; i++)
				m.m[i] =
					(int16_t)(rep == 5 ? (i & 1 ? 0x8000u : 0x7fffu) : rnd(&s));
			for (unsigned i = 0; i < 3; i++)
				m.offset[i] = (int32_t)(rnd(&s) % (2u * (PH_ISP_WMAX << 12) + 1)) -
					      (PH_ISP_WMAX << 12);
			for (unsigned i = 0; i <= PH_ISP_WMAX; i++)
				lut16[i] = (uint16_t)(rep & 1 ? rnd(&s) : i * 4);
			tone_table(tone, rep, &s);

			struct outs o = outs_new(2 * (size_t)n);

			sc->bin2x2(a.p, b.p, n, (uint16_t *)(void *)o.a);
			k.bin2x2(a.p, b.p, n, (uint16_t *)(void *)o.b);
			outs_check(&o, "bin2x2", n, rep);

			o = outs_new(6 * (size_t)n);
			uint16_t *qa = (uint16_t *)(void *)o.a, *qb = (uint16_t *)(void *)o.b;

			sc->ccm(a.p, b.p, c.p, n, &m, qa, qa + n, qa + 2 * n);
			k.ccm(a.p, b.p, c.p, n, &m, qb, qb + n, qb + 2 * n);
			outs_check(&o, "ccm", n, rep);

			o = outs_new(n);
			sc->tone8(a.p, n, tone, o.a);
			k.tone8(a.p, n, tone, o.b);
			outs_check(&o, "tone8", n, rep);

			/* Fused colour matrix and tone: the SIMD kernel, the composition. */
			for (unsigned with_m = 0; with_m < 2; with_m++) {
				const struct ph_isp_ccm *mp = with_m ? &m : NULL;

				o = outs_new(3 * (size_t)n);
				sc->ccm_tone8(a.p, b.p, c.p, n, mp, tone, o.a, o.a + n,
					      o.a + 2 * n);
				k.ccm_tone8(a.p, b.p, c.p, n, mp, tone, o.b, o.b + n, o.b + 2 * n);
				outs_check(&o, "ccm_tone8", n, rep * 2 + with_m);

				uint16_t *cc = malloc(6 * (size_t)n);

				assert_non_null(cc);
				o = outs_new(3 * (size_t)n);
				sc->ccm_tone8(a.p, b.p, c.p, n, mp, tone, o.a, o.a + n,
					      o.a + 2 * n);
				if (mp)
					sc->ccm(a.p, b.p, c.p, n, mp, cc, cc + n, cc + 2 * n);
				for (unsigned ch = 0; ch < 3; ch++)
					sc->tone8(mp ? cc + ch * n
						     : (const uint16_t *[]){a.p, b.p, c.p}[ch],
						  n, tone, o.b + ch * n);
				outs_check(&o, "ccm_tone8 = ccm + tone8", n, rep * 2 + with_m);
				free(cc);

				/* The optional fused packer: ccm_tone8, then pack. */
				for (unsigned bgr = 0; bgr < 2 && k.ccm_tone8_pack3; bgr++) {
					uint8_t *rows = malloc(3 * (size_t)n);

					assert_non_null(rows);
					o = outs_new(3 * (size_t)n);
					sc->ccm_tone8(a.p, b.p, c.p, n, mp, tone, rows, rows + n,
						      rows + 2 * n);
					sc->pack[bgr ? PH_ISP_PACK_BGR888 : PH_ISP_PACK_RGB888](
						rows, rows + n, rows + 2 * n, n, o.a);
					k.ccm_tone8_pack3(a.p, b.p, c.p, n, mp, tone, bgr, o.b);
					outs_check(&o, "ccm_tone8_pack3", n,
						   rep * 4 + with_m * 2 + bgr);
					free(rows);
				}
			}

			o = outs_new(2 * (size_t)n);
			sc->tone16(b.p, n, lut16, (uint16_t *)(void *)o.a);
			k.tone16(b.p, n, lut16, (uint16_t *)(void *)o.b);
			outs_check(&o, "tone16", n, rep);
		}
	free(a.mem);
	free(b.mem);
	free(c.mem);
	free(tone);
	free(lut16);
}

/* Five padded linear rows, the pads too (kernels may read PH_ISP_PAD beyond either end). */
static void fill_window(struct row16 *r, unsigned count, unsigned n, unsigned kind, uint64_t *s)
{
	for (unsigned i = 0; i < count; i++)
		fill16(r[i].p - PH_ISP_PAD, n + 2 * PH_ISP_PAD, PH_ISP_WMAX, (kind + i) % 5, s);
}

static void test_demosaic_fast(void **state)
{
	struct ph_isp_kernels k;
	const struct ph_isp_kernels *sc = &ph_isp_kernels_scalar;
	struct row16 r[5] = {row16_new(), row16_new(), row16_new(), row16_new(), row16_new()};
	uint64_t s = 77;

	NEED_SIMD(&k);
	for (unsigned w = 0; w < NWIDTHS; w++)
		for (unsigned rep = 0; rep < 10; rep++) {
			unsigned n = widths[w], g_first = rep & 1;
			const uint16_t *const rows[5] = {r[0].p, r[1].p, r[2].p, r[3].p, r[4].p};

			fill_window(r, 5, n, rep / 2, &s);

			struct outs o = outs_new(6 * (size_t)n);
			uint16_t *qa = (uint16_t *)(void *)o.a, *qb = (uint16_t *)(void *)o.b;

			sc->demosaic_fast(rows, n, g_first, qa, qa + n, qa + 2 * n);
			k.demosaic_fast(rows, n, g_first, qb, qb + n, qb + 2 * n);
			outs_check(&o, "demosaic_fast", n, rep);
		}
	for (unsigned i = 0; i < 5; i++)
		free(r[i].mem);
}

/* Rows of int16 colour differences, |v| <= WMAX, pads included. */
static void fill_diff(struct row16 *r, unsigned count, unsigned n, unsigned kind, uint64_t *s)
{
	for (unsigned i = 0; i < count; i++) {
		uint16_t *d = r[i].p - PH_ISP_PAD;

		fill16(d, n + 2 * PH_ISP_PAD, 2 * PH_ISP_WMAX, (kind + i) % 5, s);
		for (unsigned x = 0; x < n + 2 * PH_ISP_PAD; x++)
			d[x] = (uint16_t)(int16_t)((int)d[x] - PH_ISP_WMAX);
	}
}

static void test_demosaic_hq(void **state)
{
	struct ph_isp_kernels k;
	const struct ph_isp_kernels *sc = &ph_isp_kernels_scalar;
	struct row16 r[7], h[7], gr[5];
	uint64_t s = 78;

	NEED_SIMD(&k);
	for (unsigned i = 0; i < 7; i++) {
		r[i] = row16_new();
		h[i] = row16_new();
	}
	for (unsigned i = 0; i < 5; i++)
		gr[i] = row16_new();
	for (unsigned w = 0; w < NWIDTHS; w++)
		for (unsigned rep = 0; rep < 12; rep++) {
			unsigned n = widths[w], g_first = rep & 1;
			const uint16_t *const rows[5] = {r[0].p, r[1].p, r[2].p, r[3].p, r[4].p};
			const int16_t *dd[7];
			const uint16_t *gh[3], *gv[5];
			struct outs o;

			for (unsigned i = 0; i < 7; i++)
				dd[i] = (const int16_t *)(const void *)h[i].p;
			for (unsigned i = 0; i < 5;
			     i++) { /* grad_h: rows 0..2, grad_v: rows 0..4 */
				gv[i] = gr[i].p;
				if (i < 3)
					gh[i] = gr[i].p;
			}
			fill_window(r, 7, n, rep / 2, &s);
			fill_diff(h, 7, n, rep / 2 + 1, &s);
			/* Halved gradients: grad_h up to WMAX, grad_v up to 3 WMAX (kernels.h). */
			for (unsigned i = 0; i < 5; i++)
				fill16(gr[i].p - PH_ISP_PAD, n + 2 * PH_ISP_PAD,
				       i < 3 ? PH_ISP_WMAX : 3 * PH_ISP_WMAX, (rep / 2 + i) % 5,
				       &s);

			o = outs_new(4 * (size_t)n);
			int16_t *qa = (int16_t *)(void *)o.a, *qb = (int16_t *)(void *)o.b;
			sc->dm_hq_diff(rows, n, g_first, qa, qa + n);
			k.dm_hq_diff(rows, n, g_first, qb, qb + n);
			outs_check(&o, "dm_hq_diff", n, rep);

			o = outs_new(4 * (size_t)n);
			uint16_t *ga = (uint16_t *)(void *)o.a, *gb = (uint16_t *)(void *)o.b;
			sc->dm_hq_grad(dd[3], dd + 1, n, ga, ga + n);
			k.dm_hq_grad(dd[3], dd + 1, n, gb, gb + n);
			outs_check(&o, "dm_hq_grad", n, rep);

			o = outs_new(2 * (size_t)n);
			sc->dm_hq_green(r[2].p, dd[3], dd + 1, gh, gv, n, g_first,
					(uint16_t *)(void *)o.a);
			k.dm_hq_green(r[2].p, dd[3], dd + 1, gh, gv, n, g_first,
				      (uint16_t *)(void *)o.b);
			outs_check(&o, "dm_hq_green", n, rep);

			o = outs_new(2 * (size_t)n);
			sc->dm_hq_cross(rows, rows + 2, n, g_first, (uint16_t *)(void *)o.a);
			k.dm_hq_cross(rows, rows + 2, n, g_first, (uint16_t *)(void *)o.b);
			outs_check(&o, "dm_hq_cross", n, rep);

			const uint16_t *const grn[5] = {r[2].p, r[3].p, r[4].p, r[5].p, r[6].p};
			const uint16_t *const xr[3] = {r[6].p, r[5].p, r[0].p};

			o = outs_new(6 * (size_t)n);
			uint16_t *ua = (uint16_t *)(void *)o.a, *ub = (uint16_t *)(void *)o.b;
			sc->dm_hq_rgb(rows, grn, xr, n, g_first, ua, ua + n, ua + 2 * n);
			k.dm_hq_rgb(rows, grn, xr, n, g_first, ub, ub + n, ub + 2 * n);
			outs_check(&o, "dm_hq_rgb", n, rep);
		}
	for (unsigned i = 0; i < 7; i++) {
		free(r[i].mem);
		free(h[i].mem);
	}
	for (unsigned i = 0; i < 5; i++)
		free(gr[i].mem);
}

static void yuv_coeffs(struct ph_isp_yuv *c, unsigned which, uint64_t *s)
{
	/* BT.601 full, BT.709 limited (as isp.c derives them), or random. */
	static const struct ph_isp_yuv fixed[2] = {
		{{4899, 9617, 1868}, {-2765, -5427, 8192}, {8192, -6860, -1332}, 8192},
		{{2990, 10060, 1016}, {-1650, -5551, 7201}, {7201, -6541, -660}, (16 << 14) + 8192},
	};

	if (which < 2) {
		*c = fixed[which];
		return;
	}
	for (unsigned i = 0; i < 3; i++) {
		c->y[i] = (int16_t)(rnd(s) % 32768 - 16384);
		c->cb[i] = (int16_t)(rnd(s) % 32768 - 16384);
		c->cr[i] = (int16_t)(rnd(s) % 32768 - 16384);
	}
	c->y_offset = (int32_t)(rnd(s) % (256u << 14));
}

static void test_pack_yuv(void **state)
{
	struct ph_isp_kernels k;
	const struct ph_isp_kernels *sc = &ph_isp_kernels_scalar;
	uint8_t *rgb[6];
	struct row16 w16[3] = {row16_new(), row16_new(), row16_new()};
	uint64_t s = 31337;

	NEED_SIMD(&k);
	for (unsigned i = 0; i < 6; i++) {
		rgb[i] = malloc(MAXW);
		assert_non_null(rgb[i]);
	}
	for (unsigned w = 0; w < NWIDTHS; w++)
		for (unsigned rep = 0; rep < 4; rep++) {
			unsigned n = widths[w];
			struct ph_isp_yuv yc;
			struct outs o;

			for (unsigned i = 0; i < 6; i++)
				fill8(rgb[i], n, (rep + i) % 4, &s);
			for (unsigned i = 0; i < 3; i++)
				fill16(w16[i].p, n, 65535, (rep + i) % 5, &s);
			yuv_coeffs(&yc, rep % 3, &s);
			for (unsigned p = 0; p < PH_ISP_PACK_COUNT; p++) {
				o = outs_new(4 * (size_t)n);
				sc->pack[p](rgb[0], rgb[1], rgb[2], n, o.a);
				k.pack[p](rgb[0], rgb[1], rgb[2], n, o.b);
				outs_check(&o, "pack", n, p);
			}
			o = outs_new(6 * (size_t)n);
			sc->pack_rgb48(w16[0].p, w16[1].p, w16[2].p, n, o.a);
			k.pack_rgb48(w16[0].p, w16[1].p, w16[2].p, n, o.b);
			outs_check(&o, "pack_rgb48", n, rep);

			o = outs_new(n);
			sc->luma(rgb[0], rgb[1], rgb[2], n, &yc, o.a);
			k.luma(rgb[0], rgb[1], rgb[2], n, &yc, o.b);
			outs_check(&o, "luma", n, rep);

			o = outs_new(4 * (((size_t)n + 1) / 2));
			sc->yuyv(rgb[0], rgb[1], rgb[2], n, &yc, o.a);
			k.yuyv(rgb[0], rgb[1], rgb[2], n, &yc, o.b);
			outs_check(&o, "yuyv", n, rep);
			o = outs_new(4 * (((size_t)n + 1) / 2));
			sc->uyvy(rgb[0], rgb[1], rgb[2], n, &yc, o.a);
			k.uyvy(rgb[0], rgb[1], rgb[2], n, &yc, o.b);
			outs_check(&o, "uyvy", n, rep);

			/* I420 (u, v apart), NV12 (v = u + 1), NV21 (u = v + 1), a wider step. */
			static const unsigned steps[4] = {1, 2, 2, 3};
			for (unsigned m = 0; m < 4; m++) {
				size_t half = ((size_t)n + 1) / 2, size = 2 * steps[m] * half + 2;
				const uint8_t *r1 = rep == 3 ? rgb[0] : rgb[3]; /* last odd line */
				const uint8_t *g1 = rep == 3 ? rgb[1] : rgb[4];
				const uint8_t *b1 = rep == 3 ? rgb[2] : rgb[5];

				o = outs_new(size);
				for (unsigned t = 0; t < 2; t++) {
					uint8_t *base = t ? o.b : o.a;
					uint8_t *u = m == 0   ? base
						     : m == 3 ? base
						     : m == 2 ? base + 1
							      : base;
					uint8_t *v = m == 0   ? base + half
						     : m == 3 ? base + 1
						     : m == 2 ? base
							      : base + 1;

					(t ? k.chroma420 : sc->chroma420)(rgb[0], rgb[1], rgb[2],
									  r1, g1, b1, n, &yc, u, v,
									  steps[m]);
				}
				outs_check(&o, "chroma420", n, m);
			}
		}
	for (unsigned i = 0; i < 6; i++)
		free(rgb[i]);
	for (unsigned i = 0; i < 3; i++)
		free(w16[i].mem);
}

/* ---- whole frames ------------------------------------------------------------------------- */

struct frame_out {
	uint8_t *mem;
	size_t size;
	struct ph_isp_output o;
};

static size_t plane_setup(struct ph_isp_output *o, uint8_t *mem)
{
	unsigned w = o->width, h = o->height, half = (w + 1) / 2, hh = (h + 1) / 2;
	size_t y = 0, c = 0;

	switch (o->fourcc) {
	case PH_FORMAT_RGB888:
	case PH_FORMAT_BGR888:
		o->strides[0] = 3 * w + 5;
		break;
	case PH_FORMAT_XRGB8888:
	case PH_FORMAT_XBGR8888:
		o->strides[0] = 4 * w + 4;
		break;
	case PH_FORMAT_RGB565:
		o->strides[0] = 2 * w + 2;
		break;
	case PH_FORMAT_RGB48:
		o->strides[0] = 6 * w + 6;
		break;
	case PH_FORMAT_YUYV:
	case PH_FORMAT_UYVY:
		o->strides[0] = 4 * half + 3;
		break;
	case PH_FORMAT_NV12:
	case PH_FORMAT_NV21:
		o->strides[0] = w + 1;
		o->strides[1] = 2 * half + 1;
		c = (size_t)o->strides[1] * hh;
		break;
	default: /* YUV420 */
		o->strides[0] = w + 3;
		o->strides[1] = o->strides[2] = half + 1;
		c = 2 * (size_t)o->strides[1] * hh;
		break;
	}
	y = (size_t)o->strides[0] * h;
	if (mem) {
		o->planes[0] = mem;
		o->planes[1] = mem + y;
		if (o->fourcc == PH_FORMAT_YUV420)
			o->planes[2] = mem + y + (size_t)o->strides[1] * hh;
	}
	return y + c;
}

static void frame_out_new(struct frame_out *f, uint32_t fourcc, unsigned w, unsigned h, bool bin,
			  unsigned cs)
{
	memset(f, 0, sizeof(*f));
	f->o.fourcc = fourcc;
	f->o.width = bin ? w / 2 : w;
	f->o.height = bin ? h / 2 : h;
	f->o.binning = bin;
	f->o.colorspace = cs & 1 ? PH_ISP_BT709 : PH_ISP_BT601;
	f->o.full_range = cs & 2;
	f->size = plane_setup(&f->o, NULL);
	f->mem = malloc(f->size);
	assert_non_null(f->mem);
	memset(f->mem, 0xa5, f->size);
	plane_setup(&f->o, f->mem);
}

/* ISP objects reused by every frame of a test: scalar, and each SIMD table on 1 and 2 threads. */
struct frame_ctx {
	struct ph_isp *ref;
	struct ph_isp *simd[NIMPLS][2];
	const char *name[NIMPLS];
	unsigned count;
};

static void frame_ctx_init(struct frame_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->ref = ph_isp_new(1);
	assert_non_null(c->ref);
	assert_int_equal(ph_isp_set_impl(c->ref, "scalar"), 0);
	for (unsigned i = 0; i < NIMPLS; i++) {
		if (!cpu_runs(simd_impls[i]))
			continue;
		for (unsigned t = 0; t < 2; t++) {
			struct ph_isp *isp = ph_isp_new(t + 1);

			assert_non_null(isp);
			assert_int_equal(ph_isp_set_impl(isp, simd_impls[i]), 0);
			assert_string_equal(ph_isp_get_impl(isp), simd_impls[i]);
			c->simd[c->count][t] = isp;
		}
		c->name[c->count++] = simd_impls[i];
	}
}

static void frame_ctx_free(struct frame_ctx *c)
{
	ph_isp_free(c->ref);
	for (unsigned i = 0; i < c->count; i++)
		for (unsigned t = 0; t < 2; t++)
			ph_isp_free(c->simd[i][t]);
}

/*
 * Develop @in with the scalar kernels and with every SIMD table (with
 * stats: on 1 and 2 threads); all must agree to the byte.
 */
static void compare_frame(const struct frame_ctx *ctx, const struct ph_isp_input *in,
			  const struct ph_isp_params *p, const uint32_t *fourcc, const bool *bin,
			  unsigned count, unsigned cs, bool stats)
{
	struct frame_out ref[2], got[2];
	struct ph_isp_stats *sr = calloc(1, sizeof(*sr)), *sg = calloc(1, sizeof(*sg));
	struct ph_isp_stats_config scfg = {16, 12, 1};
	unsigned w = in->crop_width ? in->crop_width : in->width;
	unsigned h = in->crop_height ? in->crop_height : in->height;
	struct ph_isp_output oref[2], ogot[2];

	assert_non_null(sr);
	assert_non_null(sg);
	for (unsigned i = 0; i < count; i++) {
		frame_out_new(&ref[i], fourcc[i], w, h, bin[i], cs);
		oref[i] = ref[i].o;
	}
	assert_int_equal(ph_isp_process(ctx->ref, in, p, oref, count, &scfg, stats ? sr : NULL), 0);
	for (unsigned m = 0; m < ctx->count; m++)
		for (unsigned threads = 1; threads <= (stats ? 2u : 1u); threads++) {
			struct ph_isp *b = ctx->simd[m][threads - 1];

			for (unsigned i = 0; i < count; i++) {
				frame_out_new(&got[i], fourcc[i], w, h, bin[i], cs);
				ogot[i] = got[i].o;
			}
			memset(sg, 0, sizeof(*sg));
			assert_int_equal(
				ph_isp_process(b, in, p, ogot, count, &scfg, stats ? sg : NULL), 0);
			for (unsigned i = 0; i < count; i++) {
				if (memcmp(ref[i].mem, got[i].mem, ref[i].size)) {
					print_error(
						"%s: frame %ux%u fourcc %08x bin %d demosaic %d "
						"threads %u\n",
						ctx->name[m], w, h, fourcc[i], bin[i], p->demosaic,
						threads);
					fail();
				}
				free(got[i].mem);
			}
			if (stats)
				assert_memory_equal(sr, sg, sizeof(*sr));
		}
	for (unsigned i = 0; i < count; i++)
		free(ref[i].mem);
	free(sr);
	free(sg);
}

static unsigned frame_stride(uint32_t fourcc, unsigned w)
{
	const struct ph_format_info *info = ph_format_get_info(fourcc);

	if (info->packed)
		return info->bit_depth == 10 ? (w + 3) / 4 * 5 : (w + 1) / 2 * 3;
	return info->bit_depth == 8 ? w : 2 * w;
}

/* A random raw frame with smooth structure, exact size (+ @pad bytes per line). */
static uint8_t *raw_frame(uint32_t fourcc, unsigned w, unsigned h, unsigned pad, uint64_t *s,
			  unsigned *stride)
{
	const struct ph_format_info *info = ph_format_get_info(fourcc);
	unsigned st = frame_stride(fourcc, w) + pad;
	uint8_t *d = malloc((size_t)st * h);

	assert_non_null(d);
	for (size_t i = 0; i < (size_t)st * h; i++) {
		unsigned x = (unsigned)(i % st), y = (unsigned)(i / st);

		d[i] = (uint8_t)((y / 7 + x / 5) & 4 ? rnd(s) : x * 3 + y);
	}
	if (!info->packed && info->bit_depth > 8) /* keep 16-bit words inside the depth */
		for (size_t i = 1; i < (size_t)st * h; i += 2)
			d[i] &= (uint8_t)((1u << (info->bit_depth - 8)) - 1);
	*stride = st;
	return d;
}

static void test_frames(void **state)
{
	struct frame_ctx ctx;
	static const uint32_t inputs[] = {
		PH_FORMAT_SRGGB10_CSI2P, PH_FORMAT_SGRBG12_CSI2P, PH_FORMAT_SBGGR8,
		PH_FORMAT_SGBRG10,	 PH_FORMAT_SRGGB12,	  PH_FORMAT_SGRBG14,
		PH_FORMAT_SBGGR16,	 PH_FORMAT_GREY,	  PH_FORMAT_Y10,
		PH_FORMAT_Y16,
	};
	static const uint32_t outputs[] = {
		PH_FORMAT_RGB888, PH_FORMAT_BGR888, PH_FORMAT_XRGB8888, PH_FORMAT_XBGR8888,
		PH_FORMAT_RGB565, PH_FORMAT_RGB48,  PH_FORMAT_NV12,	PH_FORMAT_NV21,
		PH_FORMAT_YUV420, PH_FORMAT_YUYV,   PH_FORMAT_UYVY,
	};
	static const unsigned sizes[][2] = {{67, 21}, {2, 2}, {33, 9}, {130, 6}};
	uint64_t s = 2024;

	frame_ctx_init(&ctx);
	for (unsigned in = 0; in < sizeof(inputs) / sizeof(inputs[0]); in++)
		for (unsigned sz = 0; sz < 4; sz++)
			for (unsigned var = 0; var < 4; var++) {
				unsigned w = sizes[sz][0], h = sizes[sz][1], stride;
				unsigned depth = ph_format_get_info(inputs[in])->bit_depth;
				uint8_t *data =
					raw_frame(inputs[in], w, h, var & 1 ? 3 : 0, &s, &stride);
				struct ph_isp_input input = {
					.fourcc = inputs[in],
					.width = w,
					.height = h,
					.stride = stride,
					.data = data,
				};
				struct ph_isp_params p;

				ph_isp_params_identity(&p);
				if (var >= 2 && w > 4) { /* crop at an odd phase */
					input.crop_x = 1 + var % 2;
					input.crop_y = 1;
					input.crop_width = w - 3;
					input.crop_height = h - 1;
				}
				if (var) {
					static const float ccm[9] = {1.6f,   -0.45f, -0.15f,
								     -0.3f,  1.55f,  -0.25f,
								     -0.05f, -0.6f,  1.65f};

					memcpy(p.ccm, ccm, sizeof(ccm));
					p.gamma = true;
					p.wb_gains[0] = 1.9f;
					p.wb_gains[2] = 1.5f;
					for (unsigned i = 0; i < 4; i++)
						p.black_level[i] =
							(uint16_t)((16 + i) << (16 - depth));
					p.saturation = 1.2f;
				}
				if (var == 3) {
					p.lsc_width = 3;
					p.lsc_height = 2;
					for (unsigned c = 0; c < 3; c++)
						for (unsigned i = 0; i < 6; i++)
							p.lsc[c][i] = 1.0f + 0.1f * (float)(i + c);
					p.white_level =
						(uint16_t)(60000u >> (16 - depth) << (16 - depth));
				}
				for (unsigned o = 0; o < sizeof(outputs) / sizeof(outputs[0]); o++)
					for (unsigned q = 0; q < 2; q++) {
						uint32_t f2[2] = {outputs[o], PH_FORMAT_NV12};
						bool b2[2] = {false, true};
						bool two = (o + var) % 3 == 0 && w >= 4 && h >= 4;

						p.demosaic = q ? PH_ISP_DEMOSAIC_HQ
							       : PH_ISP_DEMOSAIC_FAST;
						compare_frame(&ctx, &input, &p, f2, b2, two ? 2 : 1,
							      (o + var) % 4, o % 2 == 0);
						if (w >= 4 && h >= 4 && q == 0) { /* binned only */
							b2[0] = true;
							compare_frame(&ctx, &input, &p, f2, b2, 1,
								      var, true);
						}
					}
				free(data);
			}
	frame_ctx_free(&ctx);
}

/* The benchmark's case at full HD once: 10-bit packed, every stage on, stats. */
static void test_frame_large(void **state)
{
	struct frame_ctx ctx;
	uint64_t s = 5;
	unsigned w = 1920, h = 64, stride;
	uint8_t *data;

	frame_ctx_init(&ctx);
	data = raw_frame(PH_FORMAT_SRGGB10_CSI2P, w, h, 0, &s, &stride);
	struct ph_isp_input in = {PH_FORMAT_SRGGB10_CSI2P, w, h, stride, data, 0, 0, 0, 0};
	struct ph_isp_params p;
	uint32_t f[2] = {PH_FORMAT_RGB888, PH_FORMAT_NV12};
	bool b[2] = {false, false};

	ph_isp_params_identity(&p);
	p.gamma = true;
	for (unsigned i = 0; i < 4; i++)
		p.black_level[i] = 64 << 6;
	for (unsigned q = 0; q < 2; q++) {
		p.demosaic = q ? PH_ISP_DEMOSAIC_HQ : PH_ISP_DEMOSAIC_FAST;
		compare_frame(&ctx, &in, &p, f, b, 2, 0, true);
	}
	free(data);
	frame_ctx_free(&ctx);
}

static void test_select(void **state)
{
	struct ph_isp *isp = ph_isp_new(1);

	assert_non_null(isp);
	assert_int_equal(ph_isp_set_impl(isp, "scalar"), 0);
	assert_string_equal(ph_isp_get_impl(isp), "scalar");
	assert_int_equal(ph_isp_set_impl(isp, "bogus"), -EINVAL);
	assert_int_equal(ph_isp_set_impl(isp, NULL), -EINVAL);
	for (unsigned i = 0; i < NIMPLS; i++) {
		if (cpu_runs(simd_impls[i])) {
			assert_int_equal(ph_isp_set_impl(isp, simd_impls[i]), 0);
			assert_string_equal(ph_isp_get_impl(isp), simd_impls[i]);
		} else {
			assert_int_equal(ph_isp_set_impl(isp, simd_impls[i]), -ENOTSUP);
		}
	}
	ph_isp_free(isp);
}

/*
 * The piecewise-linear 8-bit tone stays within one code of the exact sRGB
 * curve: every 16-bit grey level through the whole pipeline (Y16, gamma on),
 * against 255 * srgb(working value / WMAX) computed in double.
 */
static void test_tone_accuracy(void **state)
{
	const unsigned w = 256, h = 256;
	uint16_t *raw = malloc(2 * (size_t)w * h);
	uint8_t *out = malloc(3 * (size_t)w * h);
	struct ph_isp *isp = ph_isp_new(1);
	struct ph_isp_params p;
	double worst = 0;

	assert_non_null(raw);
	assert_non_null(out);
	assert_non_null(isp);
	for (unsigned i = 0; i < w * h; i++)
		raw[i] = (uint16_t)i;

	struct ph_isp_input in = {PH_FORMAT_Y16, w, h, 2 * w, (const uint8_t *)raw, 0, 0, 0, 0};
	struct ph_isp_output o = {.fourcc = PH_FORMAT_RGB888, .width = w, .height = h};

	o.planes[0] = out;
	o.strides[0] = 3 * w;
	ph_isp_params_identity(&p);
	p.gamma = true;
	assert_int_equal(ph_isp_process(isp, &in, &p, &o, 1, NULL, NULL), 0);
	for (unsigned i = 0; i < w * h; i++) {
		/* Working value: gain 16383 / 65535 in 16 fraction bits (isp.c), rounded. */
		unsigned lin = (unsigned)(((uint64_t)i * 16384 + 32768) >> 16);
		double v = (double)lin / PH_ISP_WMAX;
		double srgb = v <= 0.0031308 ? 12.92 * v : 1.055 * pow(v, 1 / 2.4) - 0.055;
		double err = fabs(out[3 * i] - 255 * srgb);

		worst = err > worst ? err : worst;
		assert_int_equal(out[3 * i], out[3 * i + 1]);
		assert_int_equal(out[3 * i], out[3 * i + 2]);
	}
	print_message("tone: worst error %.3f codes against the exact sRGB curve\n", worst);
	assert_true(worst < 1.0);
	ph_isp_free(isp);
	free(raw);
	free(out);
}

int main(void)
{
	const struct CMUnitTest select[] = {cmocka_unit_test(test_select),
					    cmocka_unit_test(test_tone_accuracy)};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unpack),	      cmocka_unit_test(test_linearise),
		cmocka_unit_test(test_stats),	      cmocka_unit_test(test_bin_ccm_tone),
		cmocka_unit_test(test_demosaic_fast), cmocka_unit_test(test_demosaic_hq),
		cmocka_unit_test(test_pack_yuv),
	};
	/* Whole frames: once, against every table this CPU runs. */
	const struct CMUnitTest frames[] = {cmocka_unit_test(test_frames),
					    cmocka_unit_test(test_frame_large)};
	int failed = cmocka_run_group_tests_name("select", select, NULL, NULL);
	unsigned ran = 0;

	/* Every test once per implementation this CPU runs, that implementation as the state. */
	for (unsigned i = 0; i < NIMPLS; i++) {
		struct ph_isp_kernels k;
		struct CMUnitTest t[sizeof(tests) / sizeof(tests[0])];

		if (!cpu_runs(simd_impls[i]))
			continue;
		if (!ph_isp_kernels_find(simd_impls[i], &k)) {
			fprintf(stderr, "%s: the CPU runs it but the ISP does not offer it\n",
				simd_impls[i]);
			return 1;
		}
		for (unsigned j = 0; j < sizeof(tests) / sizeof(tests[0]); j++) {
			t[j] = tests[j];
			t[j].initial_state = &k;
		}
		failed += cmocka_run_group_tests_name(simd_impls[i], t, NULL, NULL);
		ran++;
	}
	if (ran)
		failed += cmocka_run_group_tests_name("frames", frames, NULL, NULL);
	if (!ran) {
		printf("no SIMD implementation on this CPU: only the selection was tested\n");
		return failed ? 1 : 77;
	}
	return failed ? 1 : 0;
}
