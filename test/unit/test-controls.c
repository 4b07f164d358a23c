/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Control lists and control values: set, get, replace, remove, merge,
 * clear, type checking, strings, name lookup, parsing and formatting.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/pinhole.h>

static void test_set_get_replace(void **state)
{
	struct ph_control_list *list = ph_control_list_new();
	int32_t i32 = 0;
	float f = 0;
	bool b = false;
	int64_t i64 = 0;

	assert_non_null(list);
	assert_int_equal(ph_control_list_count(list), 0);
	assert_false(ph_control_list_contains(list, PH_CONTROL_EXPOSURE_TIME));
	assert_int_equal(ph_control_list_get_int32(list, PH_CONTROL_EXPOSURE_TIME, &i32), -ENOENT);
	assert_int_equal(ph_control_list_id_at(list, 0), 0);

	assert_int_equal(ph_control_list_set_int32(list, PH_CONTROL_EXPOSURE_TIME, 1000), 0);
	assert_int_equal(ph_control_list_set_float(list, PH_CONTROL_ANALOGUE_GAIN, 2.5f), 0);
	assert_int_equal(ph_control_list_set_bool(list, PH_CONTROL_AE_ENABLE, true), 0);
	assert_int_equal(ph_control_list_set_int64(list, PH_CONTROL_SENSOR_TIMESTAMP, 1ll << 40),
			 0);
	assert_int_equal(ph_control_list_count(list), 4);
	assert_true(ph_control_list_contains(list, PH_CONTROL_EXPOSURE_TIME));

	/* Insertion order. */
	assert_int_equal(ph_control_list_id_at(list, 0), PH_CONTROL_EXPOSURE_TIME);
	assert_int_equal(ph_control_list_id_at(list, 1), PH_CONTROL_ANALOGUE_GAIN);
	assert_int_equal(ph_control_list_id_at(list, 2), PH_CONTROL_AE_ENABLE);
	assert_int_equal(ph_control_list_id_at(list, 3), PH_CONTROL_SENSOR_TIMESTAMP);
	assert_int_equal(ph_control_list_id_at(list, 4), 0);

	assert_int_equal(ph_control_list_get_int32(list, PH_CONTROL_EXPOSURE_TIME, &i32), 0);
	assert_int_equal(i32, 1000);
	assert_int_equal(ph_control_list_get_float(list, PH_CONTROL_ANALOGUE_GAIN, &f), 0);
	assert_true(f == 2.5f);
	assert_int_equal(ph_control_list_get_bool(list, PH_CONTROL_AE_ENABLE, &b), 0);
	assert_true(b);
	assert_int_equal(ph_control_list_get_int64(list, PH_CONTROL_SENSOR_TIMESTAMP, &i64), 0);
	assert_true(i64 == 1ll << 40);

	/* Replace: same id keeps its place and the count. */
	assert_int_equal(ph_control_list_set_int32(list, PH_CONTROL_EXPOSURE_TIME, 2000), 0);
	assert_int_equal(ph_control_list_count(list), 4);
	assert_int_equal(ph_control_list_id_at(list, 0), PH_CONTROL_EXPOSURE_TIME);
	assert_int_equal(ph_control_list_get_int32(list, PH_CONTROL_EXPOSURE_TIME, &i32), 0);
	assert_int_equal(i32, 2000);

	/* A NULL out pointer only checks presence. */
	assert_int_equal(ph_control_list_get_int32(list, PH_CONTROL_EXPOSURE_TIME, NULL), 0);
	assert_int_equal(ph_control_list_get(list, PH_CONTROL_EXPOSURE_TIME, NULL), 0);

	/* Many entries: the list grows. */
	for (int i = 0; i < 50; i++)
		assert_int_equal(ph_control_list_set_int32(list, PH_CONTROL_EXPOSURE_TIME, i), 0);
	assert_int_equal(ph_control_list_count(list), 4);

	ph_control_list_free(list);
}

static void test_arrays(void **state)
{
	struct ph_control_list *list = ph_control_list_new();
	struct ph_control_value v;
	const float gains[2] = {1.5f, 2.25f};
	const int64_t fdl[2] = {33333, 66666};
	const int32_t bl[4] = {4096, 4097, 4098, 4099};
	float f = 0;

	assert_int_equal(ph_control_list_set_float_array(list, PH_CONTROL_COLOUR_GAINS, gains, 2),
			 0);
	assert_int_equal(
		ph_control_list_set_int64_array(list, PH_CONTROL_FRAME_DURATION_LIMITS, fdl, 2), 0);
	assert_int_equal(
		ph_control_list_set_int32_array(list, PH_CONTROL_SENSOR_BLACK_LEVELS, bl, 4), 0);

	assert_int_equal(ph_control_list_get(list, PH_CONTROL_COLOUR_GAINS, &v), 0);
	assert_int_equal(v.type, PH_CONTROL_TYPE_FLOAT);
	assert_int_equal(v.count, 2);
	assert_true(v.f[0] == 1.5f && v.f[1] == 2.25f);
	/* The typed getter reads element 0. */
	assert_int_equal(ph_control_list_get_float(list, PH_CONTROL_COLOUR_GAINS, &f), 0);
	assert_true(f == 1.5f);

	assert_int_equal(ph_control_list_get(list, PH_CONTROL_FRAME_DURATION_LIMITS, &v), 0);
	assert_int_equal(v.type, PH_CONTROL_TYPE_INT64);
	assert_int_equal(v.count, 2);
	assert_true(v.i64[0] == 33333 && v.i64[1] == 66666);

	assert_int_equal(ph_control_list_get(list, PH_CONTROL_SENSOR_BLACK_LEVELS, &v), 0);
	assert_int_equal(v.count, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(v.i32[i], bl[i]);

	/* Generic set with a full value. */
	memset(&v, 0, sizeof(v));
	v.type = PH_CONTROL_TYPE_FLOAT;
	v.count = 9;
	for (int i = 0; i < 9; i++)
		v.f[i] = (float)i;
	assert_int_equal(ph_control_list_set(list, PH_CONTROL_COLOUR_CORRECTION_MATRIX, &v), 0);
	memset(&v, 0, sizeof(v));
	assert_int_equal(ph_control_list_get(list, PH_CONTROL_COLOUR_CORRECTION_MATRIX, &v), 0);
	assert_int_equal(v.count, 9);
	assert_true(v.f[8] == 8.0f);

	ph_control_list_free(list);
}

static void test_mismatch(void **state)
{
	struct ph_control_list *list = ph_control_list_new();
	const float gains[3] = {1, 2, 3};
	const int32_t two[2] = {1, 2};
	float big[PH_CONTROL_MAX_ELEMENTS + 1] = {0};
	struct ph_control_value v = {.type = PH_CONTROL_TYPE_INT32, .count = 1, .i32 = {5}};
	int32_t i32;
	float f;
	bool b;
	int64_t i64;

	/* Wrong element type. */
	assert_int_equal(ph_control_list_set_float(list, PH_CONTROL_EXPOSURE_TIME, 1.0f), -EINVAL);
	assert_int_equal(ph_control_list_set_int32(list, PH_CONTROL_ANALOGUE_GAIN, 1), -EINVAL);
	assert_int_equal(ph_control_list_set_int64(list, PH_CONTROL_EXPOSURE_TIME, 1), -EINVAL);
	assert_int_equal(ph_control_list_set_bool(list, PH_CONTROL_EXPOSURE_TIME, true), -EINVAL);
	/* Wrong element count. */
	assert_int_equal(ph_control_list_set_float(list, PH_CONTROL_COLOUR_GAINS, 1.0f), -EINVAL);
	assert_int_equal(ph_control_list_set_float_array(list, PH_CONTROL_COLOUR_GAINS, gains, 3),
			 -EINVAL);
	assert_int_equal(ph_control_list_set_float_array(list, PH_CONTROL_COLOUR_GAINS, gains, 1),
			 -EINVAL);
	assert_int_equal(ph_control_list_set_int32_array(list, PH_CONTROL_EXPOSURE_TIME, two, 2),
			 -EINVAL);
	assert_int_equal(ph_control_list_set_float_array(list, PH_CONTROL_COLOUR_CORRECTION_MATRIX,
							 big, PH_CONTROL_MAX_ELEMENTS + 1),
			 -EINVAL);
	assert_int_equal(ph_control_list_set_float_array(list, PH_CONTROL_COLOUR_GAINS, gains, 0),
			 -EINVAL);
	assert_int_equal(ph_control_list_set_float_array(list, PH_CONTROL_COLOUR_GAINS, NULL, 2),
			 -EINVAL);
	v.count = 2;
	assert_int_equal(ph_control_list_set(list, PH_CONTROL_EXPOSURE_TIME, &v), -EINVAL);
	v.count = 1;
	v.type = PH_CONTROL_TYPE_STRING;
	assert_int_equal(ph_control_list_set(list, PH_CONTROL_EXPOSURE_TIME, &v), -EINVAL);
	/* Strings only through set_string, and only for string controls. */
	assert_int_equal(ph_control_list_set(list, PH_PROPERTY_MODEL, &v), -EINVAL);
	assert_int_equal(ph_control_list_set_int32(list, PH_PROPERTY_MODEL, 1), -EINVAL);
	assert_int_equal(ph_control_list_set_string(list, PH_CONTROL_EXPOSURE_TIME, "1"), -EINVAL);
	/* Unknown ids. */
	assert_int_equal(ph_control_list_set_int32(list, 0, 1), -ENOENT);
	assert_int_equal(ph_control_list_set_int32(list, 0xdead, 1), -ENOENT);
	assert_int_equal(ph_control_list_set_string(list, 0xdead, "x"), -ENOENT);
	/* NULLs. */
	assert_int_equal(ph_control_list_set(NULL, PH_CONTROL_EXPOSURE_TIME, &v), -EINVAL);
	assert_int_equal(ph_control_list_set(list, PH_CONTROL_EXPOSURE_TIME, NULL), -EINVAL);
	assert_int_equal(ph_control_list_set_int32(NULL, PH_CONTROL_EXPOSURE_TIME, 1), -EINVAL);
	assert_int_equal(ph_control_list_set_string(NULL, PH_PROPERTY_MODEL, "x"), -EINVAL);
	assert_int_equal(ph_control_list_set_string(list, PH_PROPERTY_MODEL, NULL), -EINVAL);
	/* Nothing of the above was stored. */
	assert_int_equal(ph_control_list_count(list), 0);

	/* Typed getters check the stored type. */
	assert_int_equal(ph_control_list_set_int32(list, PH_CONTROL_EXPOSURE_TIME, 7), 0);
	assert_int_equal(ph_control_list_get_float(list, PH_CONTROL_EXPOSURE_TIME, &f), -EINVAL);
	assert_int_equal(ph_control_list_get_bool(list, PH_CONTROL_EXPOSURE_TIME, &b), -EINVAL);
	assert_int_equal(ph_control_list_get_int64(list, PH_CONTROL_EXPOSURE_TIME, &i64), -EINVAL);
	assert_int_equal(ph_control_list_get_int32(list, PH_CONTROL_ANALOGUE_GAIN, &i32), -ENOENT);
	assert_int_equal(ph_control_list_get_int32(NULL, PH_CONTROL_EXPOSURE_TIME, &i32), -ENOENT);
	assert_null(ph_control_list_get_string(list, PH_CONTROL_EXPOSURE_TIME));
	assert_int_equal(ph_control_list_count(NULL), 0);
	assert_false(ph_control_list_contains(NULL, PH_CONTROL_EXPOSURE_TIME));

	ph_control_list_free(list);
	ph_control_list_free(NULL);
	ph_control_list_clear(NULL);
}

static void test_strings(void **state)
{
	struct ph_control_list *list = ph_control_list_new();
	struct ph_control_value v;
	char name[16];

	strcpy(name, "sensor-a");
	assert_int_equal(ph_control_list_set_string(list, PH_PROPERTY_MODEL, name), 0);
	/* The list keeps its own copy. */
	strcpy(name, "XXXXXXXX");
	assert_string_equal(ph_control_list_get_string(list, PH_PROPERTY_MODEL), "sensor-a");
	assert_int_equal(ph_control_list_get(list, PH_PROPERTY_MODEL, &v), 0);
	assert_int_equal(v.type, PH_CONTROL_TYPE_STRING);

	/* Replace, including with the empty string. */
	assert_int_equal(ph_control_list_set_string(list, PH_PROPERTY_MODEL, "sensor-b"), 0);
	assert_int_equal(ph_control_list_count(list), 1);
	assert_string_equal(ph_control_list_get_string(list, PH_PROPERTY_MODEL), "sensor-b");
	assert_int_equal(ph_control_list_set_string(list, PH_PROPERTY_MODEL, ""), 0);
	assert_string_equal(ph_control_list_get_string(list, PH_PROPERTY_MODEL), "");

	/* Remove frees it (leak checkers watch), then it is gone. */
	assert_int_equal(ph_control_list_remove(list, PH_PROPERTY_MODEL), 0);
	assert_null(ph_control_list_get_string(list, PH_PROPERTY_MODEL));

	/* Clear frees strings too; free frees what is left. */
	assert_int_equal(ph_control_list_set_string(list, PH_PROPERTY_MODEL, "sensor-c"), 0);
	ph_control_list_clear(list);
	assert_null(ph_control_list_get_string(list, PH_PROPERTY_MODEL));
	assert_int_equal(ph_control_list_set_string(list, PH_PROPERTY_MODEL, "sensor-d"), 0);
	ph_control_list_free(list);
}

static void test_remove_clear(void **state)
{
	struct ph_control_list *list = ph_control_list_new();
	int32_t i32;

	assert_int_equal(ph_control_list_set_int32(list, PH_CONTROL_EXPOSURE_TIME, 1), 0);
	assert_int_equal(ph_control_list_set_float(list, PH_CONTROL_ANALOGUE_GAIN, 2), 0);
	assert_int_equal(ph_control_list_set_int32(list, PH_CONTROL_TEST_PATTERN_MODE, 3), 0);

	/* Remove from the middle keeps the others in order. */
	assert_int_equal(ph_control_list_remove(list, PH_CONTROL_ANALOGUE_GAIN), 0);
	assert_int_equal(ph_control_list_count(list), 2);
	assert_int_equal(ph_control_list_id_at(list, 0), PH_CONTROL_EXPOSURE_TIME);
	assert_int_equal(ph_control_list_id_at(list, 1), PH_CONTROL_TEST_PATTERN_MODE);
	assert_int_equal(ph_control_list_get_int32(list, PH_CONTROL_TEST_PATTERN_MODE, &i32), 0);
	assert_int_equal(i32, 3);
	assert_false(ph_control_list_contains(list, PH_CONTROL_ANALOGUE_GAIN));
	assert_int_equal(ph_control_list_remove(list, PH_CONTROL_ANALOGUE_GAIN), -ENOENT);
	assert_int_equal(ph_control_list_remove(NULL, PH_CONTROL_ANALOGUE_GAIN), -ENOENT);

	/* Remove the last one. */
	assert_int_equal(ph_control_list_remove(list, PH_CONTROL_TEST_PATTERN_MODE), 0);
	assert_int_equal(ph_control_list_count(list), 1);

	ph_control_list_clear(list);
	assert_int_equal(ph_control_list_count(list), 0);
	assert_false(ph_control_list_contains(list, PH_CONTROL_EXPOSURE_TIME));
	/* Usable after clear. */
	assert_int_equal(ph_control_list_set_int32(list, PH_CONTROL_EXPOSURE_TIME, 9), 0);
	assert_int_equal(ph_control_list_count(list), 1);
	assert_int_equal(ph_control_list_get_int32(list, PH_CONTROL_EXPOSURE_TIME, &i32), 0);
	assert_int_equal(i32, 9);
	ph_control_list_free(list);
}

static void test_merge(void **state)
{
	struct ph_control_list *dst = ph_control_list_new();
	struct ph_control_list *src = ph_control_list_new();
	const float gains[2] = {1.25f, 3.0f};
	struct ph_control_value v;
	int32_t i32;
	float f;

	assert_int_equal(ph_control_list_set_int32(dst, PH_CONTROL_EXPOSURE_TIME, 100), 0);
	assert_int_equal(ph_control_list_set_int32(dst, PH_CONTROL_TEST_PATTERN_MODE, 1), 0);
	assert_int_equal(ph_control_list_set_string(dst, PH_PROPERTY_MODEL, "old"), 0);

	assert_int_equal(ph_control_list_set_int32(src, PH_CONTROL_EXPOSURE_TIME, 200), 0);
	assert_int_equal(ph_control_list_set_float(src, PH_CONTROL_ANALOGUE_GAIN, 4.0f), 0);
	assert_int_equal(ph_control_list_set_float_array(src, PH_CONTROL_COLOUR_GAINS, gains, 2),
			 0);
	assert_int_equal(ph_control_list_set_string(src, PH_PROPERTY_MODEL, "new"), 0);

	assert_int_equal(ph_control_list_merge(dst, src), 0);
	assert_int_equal(ph_control_list_count(dst), 5);
	assert_int_equal(ph_control_list_get_int32(dst, PH_CONTROL_EXPOSURE_TIME, &i32), 0);
	assert_int_equal(i32, 200);
	assert_int_equal(ph_control_list_get_int32(dst, PH_CONTROL_TEST_PATTERN_MODE, &i32), 0);
	assert_int_equal(i32, 1);
	assert_int_equal(ph_control_list_get_float(dst, PH_CONTROL_ANALOGUE_GAIN, &f), 0);
	assert_true(f == 4.0f);
	assert_int_equal(ph_control_list_get(dst, PH_CONTROL_COLOUR_GAINS, &v), 0);
	assert_true(v.count == 2 && v.f[1] == 3.0f);
	assert_string_equal(ph_control_list_get_string(dst, PH_PROPERTY_MODEL), "new");
	/* The source is unchanged and independent of the destination. */
	assert_int_equal(ph_control_list_count(src), 4);
	ph_control_list_free(src);
	assert_string_equal(ph_control_list_get_string(dst, PH_PROPERTY_MODEL), "new");

	/* Merging an empty list changes nothing; NULLs fail. */
	src = ph_control_list_new();
	assert_int_equal(ph_control_list_merge(dst, src), 0);
	assert_int_equal(ph_control_list_count(dst), 5);
	assert_int_equal(ph_control_list_merge(NULL, src), -EINVAL);
	assert_int_equal(ph_control_list_merge(dst, NULL), -EINVAL);
	ph_control_list_free(src);
	ph_control_list_free(dst);
}

static void test_desc_lookup(void **state)
{
	const struct ph_control_desc *d;

	d = ph_control_desc_by_name("ExposureTime");
	assert_non_null(d);
	assert_int_equal(d->id, PH_CONTROL_EXPOSURE_TIME);
	assert_int_equal(d->type, PH_CONTROL_TYPE_INT32);
	assert_int_equal(d->count, 1);
	assert_ptr_equal(ph_control_desc_by_name("exposuretime"), d);
	assert_ptr_equal(ph_control_desc_by_name("EXPOSURETIME"), d);
	assert_ptr_equal(ph_control_desc_by_name("eXpOsUrEtImE"), d);
	assert_ptr_equal(ph_control_desc_by_id(PH_CONTROL_EXPOSURE_TIME), d);

	d = ph_control_desc_by_name("colourgains");
	assert_non_null(d);
	assert_int_equal(d->id, PH_CONTROL_COLOUR_GAINS);
	assert_int_equal(d->count, 2);
	d = ph_control_desc_by_name("model");
	assert_non_null(d);
	assert_int_equal(d->id, PH_PROPERTY_MODEL);
	assert_int_equal(d->type, PH_CONTROL_TYPE_STRING);
	d = ph_control_desc_by_name("FrameDuration");
	assert_non_null(d);
	assert_int_equal(d->direction, PH_CONTROL_DIR_OUT);

	assert_null(ph_control_desc_by_name("Exposure"));
	assert_null(ph_control_desc_by_name("ExposureTimeX"));
	assert_null(ph_control_desc_by_name(""));
	assert_null(ph_control_desc_by_name(NULL));
	assert_null(ph_control_desc_by_id(0));
	assert_null(ph_control_desc_by_id(0xffffffffu));
}

static void test_parse(void **state)
{
	struct ph_control_value v;

	/* Scalars. */
	assert_int_equal(ph_control_value_parse(PH_CONTROL_EXPOSURE_TIME, "1000", &v), 0);
	assert_int_equal(v.type, PH_CONTROL_TYPE_INT32);
	assert_int_equal(v.count, 1);
	assert_int_equal(v.i32[0], 1000);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_EXPOSURE_TIME, "-5", &v), 0);
	assert_int_equal(v.i32[0], -5);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_EXPOSURE_TIME, "2147483647", &v), 0);
	assert_int_equal(v.i32[0], INT32_MAX);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_EXPOSURE_TIME, "-2147483648", &v), 0);
	assert_int_equal(v.i32[0], INT32_MIN);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_ANALOGUE_GAIN, "2.5", &v), 0);
	assert_true(v.f[0] == 2.5f);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_AE_ENABLE, "true", &v), 0);
	assert_true(v.b[0]);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_AE_ENABLE, "0", &v), 0);
	assert_false(v.b[0]);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_AE_ENABLE, "FALSE", &v), 0);
	assert_false(v.b[0]);
	assert_int_equal(
		ph_control_value_parse(PH_CONTROL_SENSOR_TIMESTAMP, "9223372036854775807", &v), 0);
	assert_true(v.i64[0] == INT64_MAX);

	/* Arrays, with spaces after the commas. */
	assert_int_equal(ph_control_value_parse(PH_CONTROL_COLOUR_GAINS, "1.5, 2.25", &v), 0);
	assert_int_equal(v.count, 2);
	assert_true(v.f[0] == 1.5f && v.f[1] == 2.25f);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_FRAME_DURATION_LIMITS, "100,200", &v),
			 0);
	assert_true(v.i64[0] == 100 && v.i64[1] == 200);

	/* Wrong element count. */
	assert_int_equal(ph_control_value_parse(PH_CONTROL_COLOUR_GAINS, "1.5", &v), -EINVAL);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_COLOUR_GAINS, "1,2,3", &v), -EINVAL);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_EXPOSURE_TIME, "1,2", &v), -EINVAL);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_EXPOSURE_TIME, "", &v), -EINVAL);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_EXPOSURE_TIME, ",,,", &v), -EINVAL);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_SENSOR_BLACK_LEVELS, "1,2,3", &v),
			 -EINVAL);

	/* Garbage. */
	assert_int_equal(ph_control_value_parse(PH_CONTROL_EXPOSURE_TIME, "abc", &v), -EINVAL);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_EXPOSURE_TIME, "10x", &v), -EINVAL);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_EXPOSURE_TIME, "1.5", &v), -EINVAL);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_ANALOGUE_GAIN, "fast", &v), -EINVAL);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_ANALOGUE_GAIN, "nan", &v), -EINVAL);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_ANALOGUE_GAIN, "inf", &v), -EINVAL);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_AE_ENABLE, "maybe", &v), -EINVAL);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_AE_ENABLE, "2", &v), -EINVAL);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_COLOUR_GAINS, "1.5,x", &v), -EINVAL);

	/* Overflow. */
	assert_int_equal(ph_control_value_parse(PH_CONTROL_EXPOSURE_TIME, "2147483648", &v),
			 -EINVAL);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_EXPOSURE_TIME, "-2147483649", &v),
			 -EINVAL);
	assert_int_equal(
		ph_control_value_parse(PH_CONTROL_EXPOSURE_TIME, "99999999999999999999", &v),
		-EINVAL);
	assert_int_equal(
		ph_control_value_parse(PH_CONTROL_SENSOR_TIMESTAMP, "9223372036854775808", &v),
		-EINVAL);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_ANALOGUE_GAIN, "1e40", &v), -EINVAL);

	/* Unknown id, string controls, NULLs. */
	assert_int_equal(ph_control_value_parse(0xdead, "1", &v), -ENOENT);
	assert_int_equal(ph_control_value_parse(PH_PROPERTY_MODEL, "x", &v), -EINVAL);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_EXPOSURE_TIME, NULL, &v), -EINVAL);
	assert_int_equal(ph_control_value_parse(PH_CONTROL_EXPOSURE_TIME, "1", NULL), -EINVAL);

	/* Very long text is rejected, not overflowed. */
	{
		char longtext[1024];

		memset(longtext, '1', sizeof(longtext) - 1);
		longtext[sizeof(longtext) - 1] = '\0';
		assert_int_equal(ph_control_value_parse(PH_CONTROL_EXPOSURE_TIME, longtext, &v),
				 -EINVAL);
	}
}

/* Format @v, parse it back as control @id and compare. */
static void round_trip(uint32_t id, const struct ph_control_value *v, const char *expected)
{
	struct ph_control_value back;
	char buf[512];
	int len = ph_control_value_format(v, buf, sizeof(buf));

	assert_int_equal(len, (int)strlen(buf));
	if (expected)
		assert_string_equal(buf, expected);
	assert_int_equal(ph_control_value_parse(id, buf, &back), 0);
	assert_int_equal(back.type, v->type);
	assert_int_equal(back.count, v->count);
	for (unsigned i = 0; i < v->count; i++) {
		switch (v->type) {
		case PH_CONTROL_TYPE_BOOL:
			assert_int_equal(back.b[i], v->b[i]);
			break;
		case PH_CONTROL_TYPE_INT32:
			assert_int_equal(back.i32[i], v->i32[i]);
			break;
		case PH_CONTROL_TYPE_INT64:
			assert_true(back.i64[i] == v->i64[i]);
			break;
		case PH_CONTROL_TYPE_FLOAT:
			assert_true(back.f[i] == v->f[i]);
			break;
		default:
			fail();
		}
	}
}

static void test_format(void **state)
{
	struct ph_control_value v = {.type = PH_CONTROL_TYPE_INT32, .count = 1, .i32 = {-42}};
	char small[4];
	int len;

	round_trip(PH_CONTROL_EXPOSURE_TIME, &v, "-42");
	v = (struct ph_control_value){.type = PH_CONTROL_TYPE_BOOL, .count = 1, .b = {true}};
	round_trip(PH_CONTROL_AE_ENABLE, &v, "true");
	v.b[0] = false;
	round_trip(PH_CONTROL_AE_ENABLE, &v, "false");
	v = (struct ph_control_value){
		.type = PH_CONTROL_TYPE_FLOAT, .count = 2, .f = {1.5f, 0.25f}};
	round_trip(PH_CONTROL_COLOUR_GAINS, &v, "1.5,0.25");
	v = (struct ph_control_value){
		.type = PH_CONTROL_TYPE_INT64, .count = 2, .i64 = {INT64_MIN, INT64_MAX}};
	round_trip(PH_CONTROL_FRAME_DURATION_LIMITS, &v, NULL);
	v = (struct ph_control_value){
		.type = PH_CONTROL_TYPE_INT32, .count = 4, .i32 = {0, INT32_MAX, INT32_MIN, 7}};
	round_trip(PH_CONTROL_SENSOR_BLACK_LEVELS, &v, NULL);
	v = (struct ph_control_value){.type = PH_CONTROL_TYPE_FLOAT, .count = 9};
	for (int i = 0; i < 9; i++)
		v.f[i] = (float)(i - 4) * 0.5f;
	round_trip(PH_CONTROL_COLOUR_CORRECTION_MATRIX, &v, "-2,-1.5,-1,-0.5,0,0.5,1,1.5,2");

	/* Every parseable control round-trips a parsed value. */
	for (uint32_t id = 1; id < 0x20; id++) {
		const struct ph_control_desc *d = ph_control_desc_by_id(id);
		struct ph_control_value p;
		char text[256] = "";

		if (!d || d->type == PH_CONTROL_TYPE_STRING)
			continue;
		for (unsigned i = 0; i < d->count; i++)
			strcat(text, i ? ",1" : "1");
		assert_int_equal(ph_control_value_parse(id, text, &p), 0);
		round_trip(id, &p, d->type == PH_CONTROL_TYPE_BOOL ? NULL : text);
	}

	/* Truncation: returns the full length like snprintf, stays terminated. */
	v = (struct ph_control_value){.type = PH_CONTROL_TYPE_INT32, .count = 1, .i32 = {123456}};
	len = ph_control_value_format(&v, small, sizeof(small));
	assert_int_equal(len, 6);
	assert_string_equal(small, "123");
	assert_int_equal(ph_control_value_format(&v, NULL, 0), 6);
	assert_true(ph_control_value_format(NULL, small, sizeof(small)) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_get_replace), cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_mismatch),	cmocka_unit_test(test_strings),
		cmocka_unit_test(test_remove_clear),	cmocka_unit_test(test_merge),
		cmocka_unit_test(test_desc_lookup),	cmocka_unit_test(test_parse),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
