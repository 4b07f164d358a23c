/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IPA manager: module loading and the ABI version check, tuning files
 * (every shipped one loads; a malformed one is reported with file, line and
 * key, and the defaults are used), the sensor database, and the simple
 * module driven directly through its descriptor.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/internal.h"
#include "ipa/ipa.h"
#include "ipa-test-sensor.h"

static char log_text[16384];
static size_t log_len;

static void log_handler(struct ph_context *ctx, enum ph_log_priority priority, void *data,
			const char *format, va_list args)
{
	int n;

	if (log_len >= sizeof(log_text) - 512)
		log_len = 0;
	n = vsnprintf(log_text + log_len, sizeof(log_text) - log_len, format, args);
	if (n > 0)
		log_len += (size_t)n < sizeof(log_text) - log_len ? (size_t)n
								  : sizeof(log_text) - log_len - 1;
}

#define expect_log(needle)                                                                         \
	do {                                                                                       \
		if (!strstr(log_text, (needle)))                                                   \
			fail_msg("expected a log message containing '%s', got:\n%s", (needle),     \
				 log_text);                                                        \
	} while (0)

static struct ph_context *new_context(void)
{
	struct ph_context_params params = {
		.size = sizeof(params),
		.log_handler = log_handler,
		.log_priority = PH_LOG_DEBUG,
	};
	struct ph_context *ctx;

	setenv("PINHOLE_VIRTUAL", "bogus-key=1", 1); /* no camera needed */
	unsetenv("PINHOLE_TUNING_FILE");
	unsetenv("PINHOLE_TUNING_PATH");
	unsetenv("PINHOLE_IPA_PATH");
	ctx = ph_context_new(&params);
	assert_non_null(ctx);
	log_len = 0;
	log_text[0] = '\0';
	return ctx;
}

static char *write_file(const char *text)
{
	char *path = strdup("/tmp/pinhole-tuning-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* A descriptor of another ABI version, or a short one, is refused with a clear message. */
static void test_abi_version_refused(void **state)
{
	struct ph_context *ctx = new_context();
	struct ph_ipa_module_desc desc = {.size = sizeof(desc),
					  .abi_version = PH_IPA_ABI_VERSION + 1,
					  .name = "fake",
					  .pipeline = "virtual"};
	struct ph_ipa_sensor_info sensor = sim_sensor();

	assert_int_equal(ph_ipa_check_desc(ctx, "fake.so", &desc), -EPROTO);
	expect_log("fake.so: IPA module built for ABI version 2, this library speaks version 1");
	desc.abi_version = PH_IPA_ABI_VERSION;
	desc.size = 8;
	assert_int_equal(ph_ipa_check_desc(ctx, "fake.so", &desc), -EINVAL);
	expect_log("descriptor of 8 bytes");
	desc.size = sizeof(desc);
	assert_int_equal(ph_ipa_check_desc(ctx, "fake.so", &desc), -EINVAL);
	expect_log("lacks a name, pipeline or entry point");
	assert_int_equal(ph_ipa_check_desc(ctx, "fake.so", NULL), -EINVAL);
	expect_log("no 'ph_ipa_module' symbol");

	/* A real shared object built for ABI version 2. */
	log_len = 0;
	assert_null(ph_ipa_load(ctx, BAD_MODULE_PATH, "virtual", &sensor));
	expect_log("IPA module built for ABI version 2");
	expect_log("module refused");
	/* And through PINHOLE_IPA_PATH: the bad module is skipped, none found. */
	setenv("PINHOLE_IPA_PATH", BAD_MODULE_DIR, 1);
	/* (the build tree's modules are still searched after it: the simple one loads) */
	{
		struct ph_ipa *ipa = ph_ipa_load(ctx, NULL, "virtual", &sensor);

		assert_non_null(ipa);
		assert_string_equal(ph_ipa_name(ipa), "simple");
		ph_ipa_free(ipa);
	}
	unsetenv("PINHOLE_IPA_PATH");
	/* Nothing serves an unknown pipeline. */
	assert_null(ph_ipa_load(ctx, NULL, "no-such-pipeline", &sensor));
	expect_log("no IPA module for pipeline 'no-such-pipeline'");
	ph_context_unref(ctx);
}

/* Every shipped tuning file loads, calibrated except the fallback. */
static void test_shipped_tuning(void **state)
{
	static const char *const names[] = {"pinhole-sim", "imx219", "imx477", "ov5640",
					    "uncalibrated"};
	struct ph_context *ctx = new_context();

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[4096];
		struct ph_ipa_tuning t;

		snprintf(path, sizeof(path), "%s/data/tuning/%s.yaml", SOURCE_ROOT, names[i]);
		if (ph_tuning_load(ctx, path, &t) != 0)
			fail_msg("%s: %s", path, log_text);
		assert_string_equal(t.sensor, names[i]);
		assert_int_equal(t.calibrated, i < 4);
		assert_true(t.ae_target > 0.1f && t.ae_target < 0.3f);
	}
	{
		struct ph_ipa_tuning t;
		char used[4096];

		/* By model, through the search path; an unknown sensor gets uncalibrated.yaml. */
		assert_int_equal(ph_tuning_load_for(ctx, "imx219", &t, used, sizeof(used)), 0);
		assert_non_null(strstr(used, "data/tuning/imx219.yaml"));
		assert_int_equal(t.ct_points, 7);
		assert_int_equal(t.ccm_points, 6);
		assert_true(fabsf(t.ccm[0].m[0] - 2.12089f) < 1e-5f);
		assert_int_equal(ph_tuning_load_for(ctx, "no-such-sensor", &t, used, sizeof(used)),
				 0);
		assert_non_null(strstr(used, "uncalibrated.yaml"));
		assert_int_equal(t.calibrated, 0);
	}
	ph_context_unref(ctx);
}

struct bad_case {
	const char *text;
	const char *message; /* after "<path>:" */
};

/* Malformed files: "<file>:<line>: key '<key>': <what>", then the defaults. */
static void test_malformed_tuning(void **state)
{
	static const struct bad_case cases[] = {
		{"version: 1\nae:\n  target: lots\n",
		 ":3: key 'ae.target': 'lots' is not a number"},
		{"version: 1\nae:\n  target: 2\n", ":3: key 'ae.target': 2 is out of range"},
		{"version: 1\nawb:\n  speed: 0.5\n  colour: 3\n",
		 ":4: key 'awb.colour': unknown key"},
		{"version: 1\nawb:\n  ct-curve:\n    - [3000, 1, 0.5]\n    - [2000, 1, 0.5]\n",
		 ":5: key 'awb.ct-curve': colour temperatures must rise"},
		{"version: 1\nccm:\n  - ct: 3000\n    matrix: [1, 0, 0]\n",
		 ":4: key 'ccm[0].matrix': expected a list of 9 numbers, found 3"},
		{"version: 2\n", ":1: key 'version': version '2' is not 1"},
		{"version: 1\nae: [1, 2\n", ":3: YAML error: did not find expected"},
		{"bogus: 1\n", ":1: key 'bogus': unknown key"},
	};
	struct ph_context *ctx = new_context();

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = write_file(cases[i].text);
		char expected[512];
		struct ph_ipa_tuning t, def;

		log_len = 0;
		log_text[0] = '\0';
		assert_int_equal(ph_tuning_load(ctx, path, &t), -EINVAL);
		snprintf(expected, sizeof(expected), "%s%s", path, cases[i].message);
		expect_log(expected);
		expect_log("using uncalibrated defaults");
		ph_tuning_default(&def);
		assert_memory_equal(&t, &def, sizeof(t));
		unlink(path);
		free(path);
	}
	/* The camera side: PINHOLE_TUNING_FILE names a broken file, the module still loads. */
	{
		char *path = write_file("version: 1\nae:\n  target: lots\n");
		struct ph_ipa_sensor_info sensor = sim_sensor();
		struct ph_ipa *ipa;

		setenv("PINHOLE_TUNING_FILE", path, 1);
		log_len = 0;
		ipa = ph_ipa_load(ctx, NULL, "virtual", &sensor);
		assert_non_null(ipa);
		expect_log(":3: key 'ae.target'");
		assert_int_equal(ph_ipa_tuning(ipa)->calibrated, 0);
		ph_ipa_free(ipa);
		unsetenv("PINHOLE_TUNING_FILE");
		unlink(path);
		free(path);
	}
	/* A missing file. */
	{
		struct ph_ipa_tuning t;

		assert_int_equal(ph_tuning_load(ctx, "/nonexistent/x.yaml", &t), -ENOENT);
		expect_log("/nonexistent/x.yaml: cannot open tuning file");
	}
	ph_context_unref(ctx);
}

static void test_sensor_db(void **state)
{
	const struct ph_sensor_db_entry *e = ph_sensor_db_find("imx219");

	assert_non_null(e);
	assert_int_equal(ph_sensor_db_black_level16(e), 4096);
	assert_true(fabs(ph_sensor_db_gain_from_code(e, 0) - 1.0) < 1e-9);
	assert_true(fabs(ph_sensor_db_gain_from_code(e, 128) - 2.0) < 1e-9);
	assert_int_equal(ph_sensor_db_code_from_gain(e, 2.0), 128);
	assert_int_equal(ph_sensor_db_code_from_gain(e, 100.0), 232); /* clamped */
	e = ph_sensor_db_find("imx477");
	assert_non_null(e);
	assert_int_equal(ph_sensor_db_black_level16(e), 4096);
	assert_true(fabs(ph_sensor_db_gain_from_code(e, 512) - 2.0) < 1e-9);
	e = ph_sensor_db_find("ov5640");
	assert_non_null(e);
	assert_true(fabs(ph_sensor_db_gain_from_code(e, 32) - 2.0) < 1e-9);
	assert_int_equal(ph_sensor_db_code_from_gain(e, 2.0), 32);
	assert_null(ph_sensor_db_find("nonexistent"));
	assert_null(ph_sensor_db_find(NULL));
}

/*
 * A sensor without a tuning file (vivid's, say) gets the uncalibrated tuning,
 * which has no colour temperature curve: the first frame is still processed
 * and reported with neutral colour gains, never 0,0, and grey world on a
 * tinted grey then moves them towards the grey's inverse.
 */
static void test_uncalibrated_first_frame(void **state)
{
	struct ph_context *ctx = new_context();
	struct ph_ipa_sensor_info sensor = sim_sensor();
	struct ph_ipa_config config = {
		.size = sizeof(config),
		.width = 320,
		.height = 240,
		.line_time_us = 33333.0 / 260,
		.min_frame_duration_us = 33333,
		.max_frame_duration_us = 33333,
		.zones_x = 4,
		.zones_y = 3,
		.exposure_margin_lines = 4,
	};
	struct ph_ipa_frame_info start = {.size = sizeof(start), .exposure_us = 10000, .gain = 1};
	struct ph_control_list *sensor_controls = ph_control_list_new();
	struct ph_ipa_stats *stats = calloc(1, sizeof(*stats));
	struct ph_ipa *ipa;
	struct ph_control_value gains;

	assert_non_null(sensor_controls);
	assert_non_null(stats);
	snprintf(sensor.model, sizeof(sensor.model), "no-such-sensor");
	ipa = ph_ipa_load(ctx, NULL, "simple", &sensor);
	assert_non_null(ipa);
	assert_int_equal(ph_ipa_tuning(ipa)->ct_points, 0);
	assert_int_equal(ph_ipa_configure(ipa, &config), 0);
	assert_int_equal(ph_ipa_start(ipa, &start, NULL), 0);

	/* A grey lit reddish: R/G 1.25, B/G 0.8, a third of full scale. */
	stats->size = sizeof(*stats);
	stats->zones_x = config.zones_x;
	stats->zones_y = config.zones_y;
	stats->full_scale = 65535 - sensor.black_level;
	for (unsigned z = 0; z < config.zones_x * config.zones_y; z++)
		stats->zones[z] =
			(struct ph_ipa_zone){100 * 25000, 100 * 20000, 100 * 16000, 100, 0};
	stats->quads = 100 * config.zones_x * config.zones_y;

	for (uint64_t frame = 0; frame < 8; frame++) {
		struct ph_ipa_isp_params params = {.size = sizeof(params)};
		struct ph_ipa_frame_info taken = {.size = sizeof(taken),
						  .sequence = frame,
						  .exposure_us = 10000,
						  .gain = 1,
						  .frame_duration_us = 33333};
		struct ph_control_list *md = ph_control_list_new();

		assert_non_null(md);
		ph_control_list_clear(sensor_controls);
		assert_int_equal(ph_ipa_prepare(ipa, frame, &params, sensor_controls), 0);
		assert_int_equal(ph_ipa_process_stats(ipa, frame, &taken, stats, md), 0);
		assert_int_equal(ph_control_list_get(md, PH_CONTROL_COLOUR_GAINS, &gains), 0);
		assert_int_equal(gains.count, 2);
		/* What the frame was processed with is what its metadata says. */
		assert_true(gains.f[0] == params.wb_gains[0] && gains.f[1] == params.wb_gains[2]);
		if (frame == 0) {
			assert_true(gains.f[0] == 1.0f && gains.f[1] == 1.0f);
		} else {
			/* Moving from neutral towards 0.8, 1.25, never past. */
			assert_true(gains.f[0] < 1.0f && gains.f[0] >= 0.8f - 1e-4f);
			assert_true(gains.f[1] > 1.0f && gains.f[1] <= 1.25f + 1e-4f);
		}
		ph_control_list_free(md);
	}
	/* Converged: within 1% of the grey's inverse. */
	assert_true(fabsf(gains.f[0] - 0.8f) < 0.008f && fabsf(gains.f[1] - 1.25f) < 0.0125f);
	ph_ipa_stop(ipa);
	ph_ipa_free(ipa);
	free(stats);
	ph_control_list_free(sensor_controls);
	ph_context_unref(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abi_version_refused),
		cmocka_unit_test(test_shipped_tuning),
		cmocka_unit_test(test_malformed_tuning),
		cmocka_unit_test(test_sensor_db),
		cmocka_unit_test(test_uncalibrated_first_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
