/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What Pinhole knows about sensors, shared by pipeline handlers and the IPA
 * manager. Sources:
 * - imx219: Sony IMX219PQ datasheet; Linux drivers/media/i2c/imx219.c
 *   (3280x2464, 1.12 um, 10-bit, black level 64, gain 256 / (256 - code),
 *   code 0..232); control delays as libcamera's camera sensor properties.
 * - imx477: Sony IMX477 (Raspberry Pi HQ camera) product brief; Linux
 *   drivers/media/i2c/imx477.c (4056x3040, 1.55 um, 12-bit, black level
 *   256, gain 1024 / (1024 - code), code 0..978).
 * - ov5640: OmniVision OV5640 datasheet (2592x1944, 1.4 um, 10-bit, gain in
 *   1/16 steps, 0x3ff max; black level target 16 at 10 bits).
 * - pinhole-sim: the simulated sensor (doc/virtual-camera.md).
 */
#include <math.h>
#include <string.h>

#include "ipa/ipa.h"

static const struct ph_sensor_db_entry sensors[] = {
	{"pinhole-sim",
	 1920,
	 1080,
	 {1120, 1120},
	 10,
	 64,
	 2,
	 1,
	 PH_SENSOR_GAIN_LINEAR,
	 256,
	 256,
	 4096},
	{"imx219", 3280, 2464, {1120, 1120}, 10, 64, 2, 1, PH_SENSOR_GAIN_RECIPROCAL, 256, 0, 232},
	{"imx477",
	 4056,
	 3040,
	 {1550, 1550},
	 12,
	 256,
	 2,
	 1,
	 PH_SENSOR_GAIN_RECIPROCAL,
	 1024,
	 0,
	 978},
	{"ov5640", 2592, 1944, {1400, 1400}, 10, 16, 2, 2, PH_SENSOR_GAIN_LINEAR, 16, 16, 1023},
};

const struct ph_sensor_db_entry *ph_sensor_db_find(const char *model)
{
	if (!model)
		return NULL;
	for (unsigned i = 0; i < sizeof(sensors) / sizeof(sensors[0]); i++)
		if (!strcmp(sensors[i].model, model))
			return &sensors[i];
	return NULL;
}

double ph_sensor_db_gain_from_code(const struct ph_sensor_db_entry *e, uint32_t code)
{
	if (code < e->gain_code_min)
		code = e->gain_code_min;
	if (code > e->gain_code_max)
		code = e->gain_code_max;
	if (e->gain_model == PH_SENSOR_GAIN_RECIPROCAL)
		return (double)e->gain_unit / (double)(e->gain_unit - code);
	return (double)code / e->gain_unit;
}

uint32_t ph_sensor_db_code_from_gain(const struct ph_sensor_db_entry *e, double gain)
{
	double code;

	if (!(gain > 0))
		return e->gain_code_min;
	if (e->gain_model == PH_SENSOR_GAIN_RECIPROCAL)
		code = e->gain_unit - e->gain_unit / gain;
	else
		code = gain * e->gain_unit;
	code = floor(code + 1e-9);
	if (code < e->gain_code_min)
		return e->gain_code_min;
	if (code > e->gain_code_max)
		return e->gain_code_max;
	return (uint32_t)code;
}

uint32_t ph_sensor_db_black_level16(const struct ph_sensor_db_entry *e)
{
	return e->black_level << (16 - e->bit_depth);
}
