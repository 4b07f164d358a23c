/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The NEON kernels against the scalar reference, byte for byte, for widths
 * 1..70 and large odd and even ones, random and structured rows, both CFA
 * phases, with guard bytes past n that must stay untouched. Standalone (no
 * cmocka, no library): built with the aarch64 cross compiler from the two
 * kernel files and run under qemu-aarch64 by run-neon-test.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isp/isp.h"
#include "isp/kernels.h"

#define GUARD 64
#define MAXW  4096
#define PAD   PH_ISP_PAD

static unsigned failures;

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 16);
}

static const unsigned widths[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10,  11,	12,   13,  14, 15,
				  16, 17, 18, 19, 20, 21, 22, 23, 24, 31,  32,	33,   47,  48, 49,
				  63, 64, 65, 66, 67, 68, 69, 70, 95, 127, 128, 1921, 4057};
#define NWIDTHS (sizeof(widths) / sizeof(widths[0]))

/* @kind 0: random to @max; 1: all @max; 2: zeros; 3: ramp; 4: extremes alternating. */
static void fill16(uint16_t *d, unsigned n, unsigned max, unsigned kind, uint64_t *s)
{
	for (unsigned i = 0; i < n; i++)
		d[i] = (uint16_t)(kind == 0   ? rnd(s) % (max + 1)
				  : kind == 1 ? max
				  : kind == 2 ? 0
				  : kind == 3 ? (i * 977u) % (max + 1)
					      : ((i / 3) & 1 ? max : 0));
}

static void fill8(uint8_t *d, unsigned n, unsigned kind, uint64_t *s)
{
	for (unsigned i = 0; i < n; i++)
		d[i] = (uint8_t)(kind == 0 ? rnd(s) : kind == 1 ? 255 : kind == 2 ? 0 : i * 37);
}

/* Scalar and NEON output buffers with the same guard pattern. */
static uint8_t out_a[6 * MAXW + GUARD], out_b[6 * MAXW + GUARD];

static void outs_reset(void)
{
	memset(out_a, 0x5a, sizeof(out_a));
	memset(out_b, 0x5a, sizeof(out_b));
}

static void outs_check(const char *what, unsigned n, unsigned extra)
{
	if (!memcmp(out_a, out_b, sizeof(out_a)))
		return;
	for (size_t i = 0; i < sizeof(out_a); i++)
		if (out_a[i] != out_b[i]) {
			fprintf(stderr, "%s: n %u (%u): byte %zu: scalar %u neon %u\n", what, n,
				extra, i, out_a[i], out_b[i]);
			break;
		}
	failures++;
}

static uint16_t rows_mem[5][2 * MAXW + 2 * PAD];

int main(void)
{
	const struct ph_isp_kernels *sc = &ph_isp_kernels_scalar;
	struct ph_isp_kernels k;
	uint16_t *rows[5], *gains = malloc(2 * MAXW);
	uint8_t *line = malloc(2 * MAXW + 64), *rgb[3];
	struct ph_isp_tone8 tone;
	uint64_t s = 42;
	unsigned checks = 0;

	if (!gains || !line)
		return 1;
	for (unsigned i = 0; i < 3; i++) {
		rgb[i] = malloc(MAXW);
		if (!rgb[i])
			return 1;
	}
	ph_isp_kernels_neon(&k);
	if (strcmp(k.name, "neon") || k.demosaic_fast == sc->demosaic_fast) {
		fprintf(stderr, "the NEON table replaces nothing\n");
		return 1;
	}
	for (unsigned i = 0; i < 5; i++)
		rows[i] = rows_mem[i] + PAD;
	for (unsigned i = 0; i < PH_ISP_TONE_SEGS; i++) {
		tone.k[i] = (uint16_t)(i * 255 + 64); /* kernels.h: k carries the rounding */
		tone.d[i] = 255;
	}

	for (unsigned w = 0; w < NWIDTHS; w++)
		for (unsigned rep = 0; rep < 10; rep++) {
			unsigned n = widths[w], kind = rep % 5, depth = 8 + 2 * (rep % 5);
			unsigned x0 = rep % 3;
			struct ph_isp_lin lin = {
				(uint8_t)(16 - depth),
				(uint8_t)(14 + rep % 3),
				{(uint16_t)(rnd(&s) % 8192), (uint16_t)(rnd(&s) % 8192)},
				{(uint16_t)rnd(&s), (uint16_t)rnd(&s)}};
			struct ph_isp_ccm m;

			for (unsigned i = 0; i < 9; i++)
				m.m[i] =
					(int16_t)(rep == 9 ? (i & 1 ? 0x8000u : 0x7fffu) : rnd(&s));
			for (unsigned i = 0; i < 3; i++)
				m.offset[i] = (int32_t)(rnd(&s) % (2u * (PH_ISP_WMAX << 12) + 1)) -
					      (PH_ISP_WMAX << 12);
			for (unsigned i = 0; i < 5; i++)
				fill16(rows[i] - PAD, n + 2 * PAD, PH_ISP_WMAX, (kind + i) % 5, &s);
			fill8(line, 2 * (n + x0), kind % 4, &s);
			fill16(gains, n, 65535, kind, &s);
			for (unsigned i = 0; i < 3; i++)
				fill8(rgb[i], n, (kind + i) % 4, &s);

			uint16_t *a16 = (uint16_t *)(void *)out_a, *b16 = (uint16_t *)(void *)out_b;

			outs_reset();
			sc->unpack[PH_ISP_UNPACK_8](line, x0, n, 8, a16);
			k.unpack[PH_ISP_UNPACK_8](line, x0, n, 8, b16);
			outs_check("unpack_8", n, rep);
			outs_reset();
			sc->unpack[PH_ISP_UNPACK_16](line, x0, n, depth, a16);
			k.unpack[PH_ISP_UNPACK_16](line, x0, n, depth, b16);
			outs_check("unpack_16", n, rep);

			fill16(rows[0], n, (1u << depth) - 1, kind, &s);
			outs_reset();
			sc->linearise(rows[0], n, &lin, a16);
			k.linearise(rows[0], n, &lin, b16);
			outs_check("linearise", n, rep);
			outs_reset();
			sc->linearise_lsc(rows[0], n, &lin, gains, a16);
			k.linearise_lsc(rows[0], n, &lin, gains, b16);
			outs_check("linearise_lsc", n, rep);
			fill16(rows[0] - PAD, n + 2 * PAD, PH_ISP_WMAX, kind, &s);

			const uint16_t *const win[5] = {rows[0], rows[1], rows[2], rows[3],
							rows[4]};

			outs_reset();
			sc->demosaic_fast(win, n, rep & 1, a16, a16 + n, a16 + 2 * n);
			k.demosaic_fast(win, n, rep & 1, b16, b16 + n, b16 + 2 * n);
			outs_check("demosaic_fast", n, rep);

			outs_reset();
			sc->bin2x2(rows[1], rows[2], n, a16);
			k.bin2x2(rows[1], rows[2], n, b16);
			outs_check("bin2x2", n, rep);

			outs_reset();
			sc->ccm(rows[1], rows[2], rows[3], n, &m, a16, a16 + n, a16 + 2 * n);
			k.ccm(rows[1], rows[2], rows[3], n, &m, b16, b16 + n, b16 + 2 * n);
			outs_check("ccm", n, rep);
			outs_reset();
			sc->ccm_tone8(rows[1], rows[2], rows[3], n, rep & 1 ? &m : NULL, &tone,
				      out_a, out_a + n, out_a + 2 * n);
			k.ccm_tone8(rows[1], rows[2], rows[3], n, rep & 1 ? &m : NULL, &tone, out_b,
				    out_b + n, out_b + 2 * n);
			outs_check("ccm_tone8", n, rep);

			for (unsigned p = 0; p < PH_ISP_PACK_COUNT; p++) {
				outs_reset();
				sc->pack[p](rgb[0], rgb[1], rgb[2], n, out_a);
				k.pack[p](rgb[0], rgb[1], rgb[2], n, out_b);
				outs_check("pack", n, p);
			}
			outs_reset();
			sc->pack_rgb48(rows[1], rows[2], rows[3], n, out_a);
			k.pack_rgb48(rows[1], rows[2], rows[3], n, out_b);
			outs_check("pack_rgb48", n, rep);
			checks += 13 + PH_ISP_PACK_COUNT;
		}
	printf("%u NEON kernel comparisons, %u failed\n", checks, failures);
	for (unsigned i = 0; i < 3; i++)
		free(rgb[i]);
	free(gains);
	free(line);
	return failures ? 1 : 0;
}
