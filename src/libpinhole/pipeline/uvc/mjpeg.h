/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Motion-JPEG frames decoded with libjpeg-turbo (TurboJPEG) into Pinhole
 * formats: RGB straight from the decoder, YUV from the decoder's planes
 * (JFIF: BT.601, full range) with the chroma resampled to the format's.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ph_mjpeg;

struct ph_mjpeg *ph_mjpeg_new(void);
void ph_mjpeg_free(struct ph_mjpeg *mjpeg);

bool ph_mjpeg_can_decode_to(uint32_t fourcc);
unsigned ph_mjpeg_format_count(void);
uint32_t ph_mjpeg_format_at(unsigned index);

/*
 * Decode @len bytes of @jpeg, which must be @width x @height, into
 * @fourcc at @planes with @strides (the Pinhole layout of the format).
 * @return 0, -EINVAL for a corrupt frame or another size, -ENOMEM.
 */
int ph_mjpeg_decode(struct ph_mjpeg *mjpeg, const uint8_t *jpeg, size_t len, uint32_t fourcc,
		    uint32_t width, uint32_t height, uint8_t *const planes[3],
		    const uint32_t strides[3]);
