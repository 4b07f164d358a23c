/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/**
 * @file controls.h
 * Controls (set in requests, reported in metadata) and properties (fixed
 * facts about a camera). The ids are generated from data/controls.yaml into
 * <pinhole/control_ids.h>; doc/controls.md describes each one.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pinhole/control_ids.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Element type of a control value. */
enum ph_control_type {
	PH_CONTROL_TYPE_BOOL = 1,
	PH_CONTROL_TYPE_INT32 = 2,
	PH_CONTROL_TYPE_INT64 = 3,
	PH_CONTROL_TYPE_FLOAT = 4,
	PH_CONTROL_TYPE_STRING = 5,
};

/** Where a control may appear. */
enum ph_control_direction {
	PH_CONTROL_DIR_IN = 1,	  /**< set in requests only */
	PH_CONTROL_DIR_OUT = 2,	  /**< reported in metadata only */
	PH_CONTROL_DIR_INOUT = 3, /**< both */
};

/** Largest element count of an array control. */
#define PH_CONTROL_MAX_ELEMENTS 16

/**
 * A control value: a scalar (count 1) or a fixed-size array. Strings are
 * not held here; see ph_control_list_get_string().
 */
struct ph_control_value {
	enum ph_control_type type;
	uint32_t count;
	union {
		bool b[PH_CONTROL_MAX_ELEMENTS];
		int32_t i32[PH_CONTROL_MAX_ELEMENTS];
		int64_t i64[PH_CONTROL_MAX_ELEMENTS];
		float f[PH_CONTROL_MAX_ELEMENTS];
	};
};

/** Static description of a control id, from data/controls.yaml. */
struct ph_control_desc {
	uint32_t id;
	const char *name; /**< CamelCase name, e.g. "ExposureTime" */
	enum ph_control_type type;
	uint32_t count;
	enum ph_control_direction direction;
	const char *unit;
	const char *description;
};

/** @return the description of control or property @p id, or NULL. */
const struct ph_control_desc *ph_control_desc_by_id(uint32_t id);
/** @return the description of the control named @p name (case-insensitive), or NULL. */
const struct ph_control_desc *ph_control_desc_by_name(const char *name);

/**
 * Parse a value of control @p id from text: "true"/"false"/"1"/"0" for
 * bools, numbers for the others, comma-separated elements for arrays.
 * @return 0, -ENOENT for an unknown id, -EINVAL for text that is not a
 * valid value (wrong type or element count).
 */
int ph_control_value_parse(uint32_t id, const char *text, struct ph_control_value *out);

/**
 * Format @p value as text, the way ph_control_value_parse() reads it.
 * @return the length snprintf() would return.
 */
int ph_control_value_format(const struct ph_control_value *value, char *buf, size_t size);

/** What a camera supports for one control: its range and default. */
struct ph_control_info {
	const struct ph_control_desc *desc;
	struct ph_control_value min;
	struct ph_control_value max;
	struct ph_control_value def;
};

/**
 * A list of control values keyed by id. Used for request controls,
 * metadata, properties and start controls.
 */
struct ph_control_list;

/** @return a new empty list, or NULL on allocation failure. Free with ph_control_list_free(). */
struct ph_control_list *ph_control_list_new(void);
/** Free a list created with ph_control_list_new(). NULL is allowed. */
void ph_control_list_free(struct ph_control_list *list);
/** Remove every value. */
void ph_control_list_clear(struct ph_control_list *list);
/** @return the number of values in the list. */
unsigned ph_control_list_count(const struct ph_control_list *list);
/** @return the id of the @p index-th value (in insertion order), or 0. */
uint32_t ph_control_list_id_at(const struct ph_control_list *list, unsigned index);
/** @return true if the list holds a value for @p id. */
bool ph_control_list_contains(const struct ph_control_list *list, uint32_t id);

/**
 * Set a value, replacing any earlier one for the same id. The value's type
 * and count must match the control's description.
 * @return 0, -ENOENT for an unknown id, -EINVAL for a type or count
 * mismatch, -ENOMEM.
 */
int ph_control_list_set(struct ph_control_list *list, uint32_t id,
			const struct ph_control_value *value);
int ph_control_list_set_bool(struct ph_control_list *list, uint32_t id, bool value);
int ph_control_list_set_int32(struct ph_control_list *list, uint32_t id, int32_t value);
int ph_control_list_set_int64(struct ph_control_list *list, uint32_t id, int64_t value);
int ph_control_list_set_float(struct ph_control_list *list, uint32_t id, float value);
/** Set an array value of @p count elements (@p values points to that many). */
int ph_control_list_set_int32_array(struct ph_control_list *list, uint32_t id,
				    const int32_t *values, unsigned count);
int ph_control_list_set_int64_array(struct ph_control_list *list, uint32_t id,
				    const int64_t *values, unsigned count);
int ph_control_list_set_float_array(struct ph_control_list *list, uint32_t id, const float *values,
				    unsigned count);
/** Set a string value; the list keeps its own copy. */
int ph_control_list_set_string(struct ph_control_list *list, uint32_t id, const char *value);

/** Remove the value for @p id. @return 0 or -ENOENT if absent. */
int ph_control_list_remove(struct ph_control_list *list, uint32_t id);

/**
 * Get a value. The typed getters read element 0 and fail with -EINVAL
 * if the stored type differs. @return 0, or -ENOENT if absent.
 */
int ph_control_list_get(const struct ph_control_list *list, uint32_t id,
			struct ph_control_value *out);
int ph_control_list_get_bool(const struct ph_control_list *list, uint32_t id, bool *out);
int ph_control_list_get_int32(const struct ph_control_list *list, uint32_t id, int32_t *out);
int ph_control_list_get_int64(const struct ph_control_list *list, uint32_t id, int64_t *out);
int ph_control_list_get_float(const struct ph_control_list *list, uint32_t id, float *out);
/** @return the string value (owned by the list, valid until changed), or NULL. */
const char *ph_control_list_get_string(const struct ph_control_list *list, uint32_t id);

/** Copy every value of @p src into @p dst, replacing values of the same id. */
int ph_control_list_merge(struct ph_control_list *dst, const struct ph_control_list *src);

#ifdef __cplusplus
}
#endif
