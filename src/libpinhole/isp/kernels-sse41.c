/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SSE4.1 kernels for x86-64 CPUs without AVX2, bit-exact with the scalar
 * reference (kernels-scalar.c; the arithmetic is in kernels.h). Every
 * function carries target("sse4.1"); isp.c only picks these kernels when
 * the CPU runs them.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "isp/isp.h"
#include "isp/kernels.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define SSE41 __attribute__((target("sse4.1")))

#define SC ph_isp_kernels_scalar

void ph_isp_kernels_sse41(struct ph_isp_kernels *k)
{
	*k = ph_isp_kernels_scalar; /* any kernel not below stays scalar */
	k->name = "sse4.1";
}

#else
typedef int ph_isp_kernels_sse41_unused; /* not an empty translation unit */
#endif
