/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/internal.h"

struct ph_control_entry {
	uint32_t id;
	struct ph_control_value value;
	char *string; /* for PH_CONTROL_TYPE_STRING */
};

struct ph_control_list {
	struct ph_control_entry *entries;
	unsigned count, capacity;
};

PH_EXPORT const struct ph_control_desc *ph_control_desc_by_id(uint32_t id)
{
	for (unsigned i = 0; i < ph_control_desc_count; i++)
		if (ph_control_descs[i].id == id)
			return &ph_control_descs[i];
	return NULL;
}

PH_EXPORT const struct ph_control_desc *ph_control_desc_by_name(const char *name)
{
	if (!name)
		return NULL;
	for (unsigned i = 0; i < ph_control_desc_count; i++)
		if (!strcasecmp(ph_control_descs[i].name, name))
			return &ph_control_descs[i];
	return NULL;
}

struct ph_control_value ph_control_value_bool(bool v)
{
	return (struct ph_control_value){.type = PH_CONTROL_TYPE_BOOL, .count = 1, .b = {v}};
}

struct ph_control_value ph_control_value_int32(int32_t v)
{
	return (struct ph_control_value){.type = PH_CONTROL_TYPE_INT32, .count = 1, .i32 = {v}};
}

struct ph_control_value ph_control_value_int64(int64_t v)
{
	return (struct ph_control_value){.type = PH_CONTROL_TYPE_INT64, .count = 1, .i64 = {v}};
}

struct ph_control_value ph_control_value_float(float v)
{
	return (struct ph_control_value){.type = PH_CONTROL_TYPE_FLOAT, .count = 1, .f = {v}};
}

static int parse_element(enum ph_control_type type, const char *text, struct ph_control_value *v,
			 unsigned i)
{
	char *end;

	errno = 0;
	switch (type) {
	case PH_CONTROL_TYPE_BOOL:
		if (!strcasecmp(text, "true") || !strcmp(text, "1") || !strcasecmp(text, "on"))
			v->b[i] = true;
		else if (!strcasecmp(text, "false") || !strcmp(text, "0") ||
			 !strcasecmp(text, "off"))
			v->b[i] = false;
		else
			return -EINVAL;
		return 0;
	case PH_CONTROL_TYPE_INT32: {
		long long n = strtoll(text, &end, 0);

		if (errno || end == text || *end || n < INT32_MIN || n > INT32_MAX)
			return -EINVAL;
		v->i32[i] = (int32_t)n;
		return 0;
	}
	case PH_CONTROL_TYPE_INT64: {
		long long n = strtoll(text, &end, 0);

		if (errno || end == text || *end)
			return -EINVAL;
		v->i64[i] = n;
		return 0;
	}
	case PH_CONTROL_TYPE_FLOAT: {
		float f = strtof(text, &end);

		if (errno || end == text || *end || !isfinite(f))
			return -EINVAL;
		v->f[i] = f;
		return 0;
	}
	default:
		return -EINVAL;
	}
}

PH_EXPORT int ph_control_value_parse(uint32_t id, const char *text, struct ph_control_value *out)
{
	const struct ph_control_desc *desc = ph_control_desc_by_id(id);
	char buf[256], *rest, *tok;
	unsigned n = 0;

	if (!desc)
		return -ENOENT;
	if (!text || !out || desc->type == PH_CONTROL_TYPE_STRING || strlen(text) >= sizeof(buf))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->type = desc->type;
	out->count = desc->count;
	strcpy(buf, text);
	rest = buf;
	/* strsep, unlike strtok, keeps empty fields: "1,,2" is an error. */
	while ((tok = strsep(&rest, ","))) {
		while (*tok == ' ')
			tok++;
		if (n >= desc->count || parse_element(desc->type, tok, out, n) < 0)
			return -EINVAL;
		n++;
	}
	return n == desc->count ? 0 : -EINVAL;
}

PH_EXPORT int ph_control_value_format(const struct ph_control_value *value, char *buf, size_t size)
{
	size_t len = 0;

	if (!value || (!buf && size))
		return -EINVAL;
	if (size)
		buf[0] = '\0';
	for (unsigned i = 0; i < value->count && i < PH_CONTROL_MAX_ELEMENTS; i++) {
		char el[48];

		switch (value->type) {
		case PH_CONTROL_TYPE_BOOL:
			snprintf(el, sizeof(el), "%s", value->b[i] ? "true" : "false");
			break;
		case PH_CONTROL_TYPE_INT32:
			snprintf(el, sizeof(el), "%" PRId32, value->i32[i]);
			break;
		case PH_CONTROL_TYPE_INT64:
			snprintf(el, sizeof(el), "%" PRId64, value->i64[i]);
			break;
		case PH_CONTROL_TYPE_FLOAT:
			/* The shortest text that reads back as the same float. */
			for (int digits = 6; digits <= 9; digits++) {
				snprintf(el, sizeof(el), "%.*g", digits, (double)value->f[i]);
				if (strtof(el, NULL) == value->f[i])
					break;
			}
			break;
		default:
			snprintf(el, sizeof(el), "?");
			break;
		}
		len += (size_t)snprintf(size > len ? buf + len : NULL, size > len ? size - len : 0,
					"%s%s", i ? "," : "", el);
	}
	return (int)len;
}

static int compare_element(enum ph_control_type type, const struct ph_control_value *a, unsigned i,
			   const struct ph_control_value *b, unsigned j)
{
	switch (type) {
	case PH_CONTROL_TYPE_BOOL:
		return (int)a->b[i] - (int)b->b[j];
	case PH_CONTROL_TYPE_INT32:
		return a->i32[i] < b->i32[j] ? -1 : a->i32[i] > b->i32[j];
	case PH_CONTROL_TYPE_INT64:
		return a->i64[i] < b->i64[j] ? -1 : a->i64[i] > b->i64[j];
	case PH_CONTROL_TYPE_FLOAT:
		return a->f[i] < b->f[j] ? -1 : a->f[i] > b->f[j];
	default:
		return 0;
	}
}

static void copy_element(enum ph_control_type type, struct ph_control_value *dst, unsigned i,
			 const struct ph_control_value *src, unsigned j)
{
	switch (type) {
	case PH_CONTROL_TYPE_BOOL:
		dst->b[i] = src->b[j];
		break;
	case PH_CONTROL_TYPE_INT32:
		dst->i32[i] = src->i32[j];
		break;
	case PH_CONTROL_TYPE_INT64:
		dst->i64[i] = src->i64[j];
		break;
	case PH_CONTROL_TYPE_FLOAT:
		dst->f[i] = src->f[j];
		break;
	default:
		break;
	}
}

bool ph_control_clamp(const struct ph_control_info *info, struct ph_control_value *value)
{
	bool changed = false;

	for (unsigned i = 0; i < value->count && i < PH_CONTROL_MAX_ELEMENTS; i++) {
		/* A scalar range bounds every element of an array. */
		unsigned lo = info->min.count > i ? i : 0;
		unsigned hi = info->max.count > i ? i : 0;

		if (compare_element(value->type, value, i, &info->min, lo) < 0) {
			copy_element(value->type, value, i, &info->min, lo);
			changed = true;
		} else if (compare_element(value->type, value, i, &info->max, hi) > 0) {
			copy_element(value->type, value, i, &info->max, hi);
			changed = true;
		}
	}
	return changed;
}

PH_EXPORT struct ph_control_list *ph_control_list_new(void)
{
	return calloc(1, sizeof(struct ph_control_list));
}

PH_EXPORT void ph_control_list_clear(struct ph_control_list *list)
{
	if (!list)
		return;
	for (unsigned i = 0; i < list->count; i++)
		free(list->entries[i].string);
	list->count = 0;
}

PH_EXPORT void ph_control_list_free(struct ph_control_list *list)
{
	if (!list)
		return;
	ph_control_list_clear(list);
	free(list->entries);
	free(list);
}

PH_EXPORT unsigned ph_control_list_count(const struct ph_control_list *list)
{
	return list ? list->count : 0;
}

PH_EXPORT uint32_t ph_control_list_id_at(const struct ph_control_list *list, unsigned index)
{
	return list && index < list->count ? list->entries[index].id : 0;
}

static struct ph_control_entry *find(const struct ph_control_list *list, uint32_t id)
{
	if (!list)
		return NULL;
	for (unsigned i = 0; i < list->count; i++)
		if (list->entries[i].id == id)
			return &list->entries[i];
	return NULL;
}

PH_EXPORT bool ph_control_list_contains(const struct ph_control_list *list, uint32_t id)
{
	return find(list, id) != NULL;
}

static struct ph_control_entry *find_or_add(struct ph_control_list *list, uint32_t id)
{
	struct ph_control_entry *e = find(list, id);

	if (e)
		return e;
	if (list->count == list->capacity) {
		unsigned cap = list->capacity ? list->capacity * 2 : 8;
		struct ph_control_entry *n = realloc(list->entries, cap * sizeof(*n));

		if (!n)
			return NULL;
		list->entries = n;
		list->capacity = cap;
	}
	e = &list->entries[list->count++];
	memset(e, 0, sizeof(*e));
	e->id = id;
	return e;
}

PH_EXPORT int ph_control_list_set(struct ph_control_list *list, uint32_t id,
				  const struct ph_control_value *value)
{
	const struct ph_control_desc *desc = ph_control_desc_by_id(id);
	struct ph_control_entry *e;

	if (!list || !value)
		return -EINVAL;
	if (!desc)
		return -ENOENT;
	if (desc->type == PH_CONTROL_TYPE_STRING || value->type != desc->type ||
	    value->count != desc->count)
		return -EINVAL;
	e = find_or_add(list, id);
	if (!e)
		return -ENOMEM;
	e->value = *value;
	return 0;
}

PH_EXPORT int ph_control_list_set_bool(struct ph_control_list *list, uint32_t id, bool value)
{
	struct ph_control_value v = ph_control_value_bool(value);

	return ph_control_list_set(list, id, &v);
}

PH_EXPORT int ph_control_list_set_int32(struct ph_control_list *list, uint32_t id, int32_t value)
{
	struct ph_control_value v = ph_control_value_int32(value);

	return ph_control_list_set(list, id, &v);
}

PH_EXPORT int ph_control_list_set_int64(struct ph_control_list *list, uint32_t id, int64_t value)
{
	struct ph_control_value v = ph_control_value_int64(value);

	return ph_control_list_set(list, id, &v);
}

PH_EXPORT int ph_control_list_set_float(struct ph_control_list *list, uint32_t id, float value)
{
	struct ph_control_value v = ph_control_value_float(value);

	return ph_control_list_set(list, id, &v);
}

static int set_array(struct ph_control_list *list, uint32_t id, enum ph_control_type type,
		     const void *values, size_t elem_size, unsigned count)
{
	struct ph_control_value v = {.type = type, .count = count};

	if (!values || count == 0 || count > PH_CONTROL_MAX_ELEMENTS)
		return -EINVAL;
	memcpy(&v.i32, values, elem_size * count);
	return ph_control_list_set(list, id, &v);
}

PH_EXPORT int ph_control_list_set_int32_array(struct ph_control_list *list, uint32_t id,
					      const int32_t *values, unsigned count)
{
	return set_array(list, id, PH_CONTROL_TYPE_INT32, values, sizeof(*values), count);
}

PH_EXPORT int ph_control_list_set_int64_array(struct ph_control_list *list, uint32_t id,
					      const int64_t *values, unsigned count)
{
	return set_array(list, id, PH_CONTROL_TYPE_INT64, values, sizeof(*values), count);
}

PH_EXPORT int ph_control_list_set_float_array(struct ph_control_list *list, uint32_t id,
					      const float *values, unsigned count)
{
	return set_array(list, id, PH_CONTROL_TYPE_FLOAT, values, sizeof(*values), count);
}

PH_EXPORT int ph_control_list_set_string(struct ph_control_list *list, uint32_t id,
					 const char *value)
{
	const struct ph_control_desc *desc = ph_control_desc_by_id(id);
	struct ph_control_entry *e;
	char *copy;

	if (!list || !value)
		return -EINVAL;
	if (!desc)
		return -ENOENT;
	if (desc->type != PH_CONTROL_TYPE_STRING)
		return -EINVAL;
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	e = find_or_add(list, id);
	if (!e) {
		free(copy);
		return -ENOMEM;
	}
	free(e->string);
	e->string = copy;
	e->value = (struct ph_control_value){.type = PH_CONTROL_TYPE_STRING, .count = 1};
	return 0;
}

PH_EXPORT int ph_control_list_remove(struct ph_control_list *list, uint32_t id)
{
	struct ph_control_entry *e = find(list, id);

	if (!e)
		return -ENOENT;
	free(e->string);
	memmove(e, e + 1, (size_t)(&list->entries[list->count] - (e + 1)) * sizeof(*e));
	list->count--;
	return 0;
}

PH_EXPORT int ph_control_list_get(const struct ph_control_list *list, uint32_t id,
				  struct ph_control_value *out)
{
	const struct ph_control_entry *e = find(list, id);

	if (!e)
		return -ENOENT;
	if (out)
		*out = e->value;
	return 0;
}

static const struct ph_control_value *get_typed(const struct ph_control_list *list, uint32_t id,
						enum ph_control_type type, int *err)
{
	const struct ph_control_entry *e = find(list, id);

	*err = !e ? -ENOENT : e->value.type != type ? -EINVAL : 0;
	return *err ? NULL : &e->value;
}

PH_EXPORT int ph_control_list_get_bool(const struct ph_control_list *list, uint32_t id, bool *out)
{
	int err;
	const struct ph_control_value *v = get_typed(list, id, PH_CONTROL_TYPE_BOOL, &err);

	if (v && out)
		*out = v->b[0];
	return err;
}

PH_EXPORT int ph_control_list_get_int32(const struct ph_control_list *list, uint32_t id,
					int32_t *out)
{
	int err;
	const struct ph_control_value *v = get_typed(list, id, PH_CONTROL_TYPE_INT32, &err);

	if (v && out)
		*out = v->i32[0];
	return err;
}

PH_EXPORT int ph_control_list_get_int64(const struct ph_control_list *list, uint32_t id,
					int64_t *out)
{
	int err;
	const struct ph_control_value *v = get_typed(list, id, PH_CONTROL_TYPE_INT64, &err);

	if (v && out)
		*out = v->i64[0];
	return err;
}

PH_EXPORT int ph_control_list_get_float(const struct ph_control_list *list, uint32_t id, float *out)
{
	int err;
	const struct ph_control_value *v = get_typed(list, id, PH_CONTROL_TYPE_FLOAT, &err);

	if (v && out)
		*out = v->f[0];
	return err;
}

PH_EXPORT const char *ph_control_list_get_string(const struct ph_control_list *list, uint32_t id)
{
	const struct ph_control_entry *e = find(list, id);

	return e ? e->string : NULL;
}

PH_EXPORT int ph_control_list_merge(struct ph_control_list *dst, const struct ph_control_list *src)
{
	if (!dst || !src)
		return -EINVAL;
	for (unsigned i = 0; i < src->count; i++) {
		const struct ph_control_entry *e = &src->entries[i];
		int ret = e->string ? ph_control_list_set_string(dst, e->id, e->string)
				    : ph_control_list_set(dst, e->id, &e->value);

		if (ret < 0)
			return ret;
	}
	return 0;
}
