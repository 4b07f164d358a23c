/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The simulated sensor as an IPA module sees it, for the tests that drive the manager. */

#include <pinhole/ipa/module.h>

static struct ph_ipa_sensor_info sim_sensor(void)
{
	struct ph_ipa_sensor_info s = {
		.size = sizeof(s),
		.model = "pinhole-sim",
		.width = 320,
		.height = 240,
		.bit_depth = 10,
		.black_level = 64 << 6,
		.exposure_delay = 2,
		.gain_delay = 1,
		.min_gain = 1,
		.max_gain = 16,
		.min_exposure_us = 10,
		.max_exposure_us = 1000000,
	};
	return s;
}
