/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tuning files: one YAML file per sensor model (schema in doc/tuning.md),
 * parsed with libyaml into struct ph_ipa_tuning. Every error names the
 * file, the line and the key; the caller then runs on the uncalibrated
 * defaults rather than failing.
 */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "config.h"
#include "core/internal.h"
#include "ipa/ipa.h"

void ph_tuning_default(struct ph_ipa_tuning *t)
{
	memset(t, 0, sizeof(*t));
	t->size = sizeof(*t);
	snprintf(t->sensor, sizeof(t->sensor), "uncalibrated");
	t->calibrated = 0;
	t->black_level = 0; /* the sensor's */
	t->ae_target = 0.18f;
	t->ae_max_gain = 8.0f;
	t->ae_speed = 0.6f;
	t->ae_metering = 0;
	t->ct_points = 0; /* plain grey world */
	t->awb_default_ct = 5000.0f;
	t->awb_speed = 0.5f;
	t->ccm_points = 0; /* identity */
	t->lux_exposure_us = 10000.0f;
	t->lux_gain = 1.0f;
	t->lux_y = 0.18f;
	t->lux_lux = 400.0f;
	t->gamma = 1;
}

struct parse {
	struct ph_context *ctx;
	const char *path;
	yaml_document_t *doc;
	struct ph_ipa_tuning *t;
};

static unsigned line_of(const yaml_node_t *n)
{
	return n ? (unsigned)n->start_mark.line + 1 : 1;
}

static int fail(struct parse *p, const yaml_node_t *node, const char *key, const char *fmt, ...)
	PH_PRINTF(4, 5);

/* Log "<file>:<line>: key '<key>': <what>"; @return -EINVAL. */
static int fail(struct parse *p, const yaml_node_t *node, const char *key, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ph_err(p->ctx, "%s:%u: key '%s': %s\n", p->path, line_of(node), key, msg);
	return -EINVAL;
}

static int get_number(struct parse *p, yaml_node_t *n, const char *key, double lo, double hi,
		      double *out)
{
	char *end;
	double d;

	if (!n || n->type != YAML_SCALAR_NODE)
		return fail(p, n, key, "expected a number");
	errno = 0;
	d = strtod((const char *)n->data.scalar.value, &end);
	if (errno || end == (char *)n->data.scalar.value || *end || !isfinite(d))
		return fail(p, n, key, "'%s' is not a number", (const char *)n->data.scalar.value);
	if (d < lo || d > hi)
		return fail(p, n, key, "%g is out of range %g..%g", d, lo, hi);
	*out = d;
	return 0;
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A sequence of exactly @count numbers. */
static int get_numbers(struct parse *p, yaml_node_t *n, const char *key, unsigned count, double lo,
		       double hi, double *out)
{
	unsigned i = 0;

	if (!n || n->type != YAML_SEQUENCE_NODE)
		return fail(p, n, key, "expected a list of %u numbers", count);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++, i++) {
		if (i >= count)
			break;
		int ret = get_number(p, yaml_document_get_node(p->doc, *it), key, lo, hi, &out[i]);

		if (ret)
			return ret;
	}
	if ((unsigned)(n->data.sequence.items.top - n->data.sequence.items.start) != count)
		return fail(p, n, key, "expected a list of %u numbers, found %d", count,
			    (int)(n->data.sequence.items.top - n->data.sequence.items.start));
	return 0;
}

typedef int (*section_fn)(struct parse *p, const char *key, yaml_node_t *value);

/* Call @fn for each key of mapping @n; @prefix names the section in errors. */
static int each_key(struct parse *p, yaml_node_t *n, const char *prefix, section_fn fn)
{
	if (!n || n->type != YAML_MAPPING_NODE)
		return fail(p, n, prefix, "expected a mapping");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
		const char *name = scalar(k);
		char full[96];
		int ret;

		if (!name)
			return fail(p, k, prefix, "keys must be plain words");
		snprintf(full, sizeof(full), "%s%s%s", prefix, *prefix ? "." : "", name);
		ret = fn(p, full, v);
		if (ret == -ENOENT)
			return fail(p, k, full, "unknown key (see doc/tuning.md)");
		if (ret)
			return ret;
	}
	return 0;
}

static int ae_key(struct parse *p, const char *key, yaml_node_t *v)
{
	struct ph_ipa_tuning *t = p->t;
	double d;
	int ret;

	if (!strcmp(key, "ae.metering")) {
		const char *s = scalar(v);

		if (s && !strcmp(s, "centre-weighted"))
			t->ae_metering = 0;
		else if (s && !strcmp(s, "matrix"))
			t->ae_metering = 1;
		else if (s && !strcmp(s, "spot"))
			t->ae_metering = 2;
		else
			return fail(p, v, key, "expected centre-weighted, matrix or spot");
		return 0;
	}
	if (!strcmp(key, "ae.target")) {
		ret = get_number(p, v, key, 0.01, 0.9, &d);
		t->ae_target = (float)d;
		return ret;
	}
	if (!strcmp(key, "ae.max-gain")) {
		ret = get_number(p, v, key, 1, 1024, &d);
		t->ae_max_gain = (float)d;
		return ret;
	}
	if (!strcmp(key, "ae.speed")) {
		ret = get_number(p, v, key, 0.05, 1, &d);
		t->ae_speed = (float)d;
		return ret;
	}
	return -ENOENT;
}

static int awb_key(struct parse *p, const char *key, yaml_node_t *v)
{
	struct ph_ipa_tuning *t = p->t;
	double d;
	int ret;

	if (!strcmp(key, "awb.default-ct")) {
		ret = get_number(p, v, key, 1000, 40000, &d);
		t->awb_default_ct = (float)d;
		return ret;
	}
	if (!strcmp(key, "awb.speed")) {
		ret = get_number(p, v, key, 0.05, 1, &d);
		t->awb_speed = (float)d;
		return ret;
	}
	if (!strcmp(key, "awb.ct-curve")) {
		unsigned n = 0;

		if (!v || v->type != YAML_SEQUENCE_NODE)
			return fail(p, v, key, "expected a list of [ct, r, b] points");
		for (yaml_node_item_t *it = v->data.sequence.items.start;
		     it < v->data.sequence.items.top; it++, n++) {
			yaml_node_t *pt = yaml_document_get_node(p->doc, *it);
			double x[3];

			if (n >= PH_IPA_TUNING_MAX_POINTS)
				return fail(p, pt, key, "more than %d points",
					    PH_IPA_TUNING_MAX_POINTS);
			ret = get_numbers(p, pt, key, 3, 0.001, 40000, x);
			if (ret)
				return ret;
			if (x[0] < 1000 || (n && x[0] <= t->ct_curve[n - 1].ct))
				return fail(p, pt, key,
					    "colour temperatures must rise, from 1000 K (%g)",
					    x[0]);
			if (x[1] > 16 || x[2] > 16)
				return fail(p, pt, key, "ratios must be below 16");
			t->ct_curve[n] =
				(struct ph_ipa_ct_point){(float)x[0], (float)x[1], (float)x[2]};
		}
		if (n < 2)
			return fail(p, v, key, "needs at least 2 points");
		t->ct_points = n;
		return 0;
	}
	return -ENOENT;
}

static int ccm_entry_key(struct parse *p, const char *key, yaml_node_t *v)
{
	struct ph_ipa_ccm_point *c = &p->t->ccm[p->t->ccm_points];
	double d[9];
	int ret;

	if (!strcmp(strrchr(key, '.') + 1, "ct")) {
		ret = get_number(p, v, key, 1000, 40000, d);
		c->ct = (float)d[0];
		return ret;
	}
	if (!strcmp(strrchr(key, '.') + 1, "matrix")) {
		ret = get_numbers(p, v, key, 9, -16, 16, d);
		for (unsigned i = 0; i < 9; i++)
			c->m[i] = (float)d[i];
		return ret;
	}
	return -ENOENT;
}

static int lux_key(struct parse *p, const char *key, yaml_node_t *v)
{
	struct ph_ipa_tuning *t = p->t;
	double d;
	int ret;

	if (!strcmp(key, "lux.exposure-us")) {
		ret = get_number(p, v, key, 1, 1e8, &d);
		t->lux_exposure_us = (float)d;
	} else if (!strcmp(key, "lux.gain")) {
		ret = get_number(p, v, key, 1, 1024, &d);
		t->lux_gain = (float)d;
	} else if (!strcmp(key, "lux.y")) {
		ret = get_number(p, v, key, 0.001, 1, &d);
		t->lux_y = (float)d;
	} else if (!strcmp(key, "lux.lux")) {
		ret = get_number(p, v, key, 0.001, 1e6, &d);
		t->lux_lux = (float)d;
	} else {
		return -ENOENT;
	}
	return ret;
}

static int top_key(struct parse *p, const char *key, yaml_node_t *v)
{
	struct ph_ipa_tuning *t = p->t;
	double d;
	int ret;

	if (!strcmp(key, "version")) {
		const char *s = scalar(v);

		if (!s || strcmp(s, "1"))
			return fail(p, v, key, "version '%s' is not 1, the one this library reads",
				    s ? s : "?");
		return 0;
	}
	if (!strcmp(key, "sensor")) {
		const char *s = scalar(v);

		if (!s || !*s || strlen(s) >= sizeof(t->sensor))
			return fail(p, v, key, "expected a name of 1 to %zu characters",
				    sizeof(t->sensor) - 1);
		snprintf(t->sensor, sizeof(t->sensor), "%s", s);
		return 0;
	}
	if (!strcmp(key, "black-level")) {
		ret = get_number(p, v, key, 0, 65535, &d);
		t->black_level = (uint32_t)d;
		return ret;
	}
	if (!strcmp(key, "gamma")) {
		const char *s = scalar(v);

		if (s && !strcmp(s, "srgb"))
			t->gamma = 1;
		else if (s && !strcmp(s, "linear"))
			t->gamma = 0;
		else
			return fail(p, v, key, "expected srgb or linear");
		return 0;
	}
	if (!strcmp(key, "ae"))
		return each_key(p, v, key, ae_key);
	if (!strcmp(key, "awb"))
		return each_key(p, v, key, awb_key);
	if (!strcmp(key, "lux"))
		return each_key(p, v, key, lux_key);
	if (!strcmp(key, "ccm")) {
		if (!v || v->type != YAML_SEQUENCE_NODE)
			return fail(p, v, key, "expected a list of {ct, matrix} entries");
		t->ccm_points = 0;
		for (yaml_node_item_t *it = v->data.sequence.items.start;
		     it < v->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(p->doc, *it);
			char name[32];
			struct ph_ipa_ccm_point *c;

			if (t->ccm_points >= PH_IPA_TUNING_MAX_POINTS)
				return fail(p, e, key, "more than %d matrices",
					    PH_IPA_TUNING_MAX_POINTS);
			c = &t->ccm[t->ccm_points];
			c->ct = 0;
			c->m[0] = NAN;
			snprintf(name, sizeof(name), "ccm[%u]", t->ccm_points);
			ret = each_key(p, e, name, ccm_entry_key);
			if (ret)
				return ret;
			if (c->ct == 0 || isnan(c->m[0]))
				return fail(p, e, name, "needs both ct and matrix");
			if (t->ccm_points && c->ct <= t->ccm[t->ccm_points - 1].ct)
				return fail(p, e, name, "colour temperatures must rise");
			t->ccm_points++;
		}
		return 0;
	}
	return -ENOENT;
}

int ph_tuning_load(struct ph_context *ctx, const char *path, struct ph_ipa_tuning *t)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct parse p = {ctx, path, &doc, t};
	yaml_node_t *root;
	int ret;
	FILE *f;

	ph_tuning_default(t);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		ph_err(ctx, "%s: cannot open tuning file: %s; using uncalibrated defaults\n", path,
		       strerror(errno));
		return ret;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		ph_err(ctx, "%s:%zu: YAML error: %s; using uncalibrated defaults\n", path,
		       parser.problem_mark.line + 1, parser.problem ? parser.problem : "malformed");
		yaml_parser_delete(&parser);
		fclose(f);
		return parser.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		ph_err(ctx, "%s:1: empty tuning file; using uncalibrated defaults\n", path);
		ret = -EINVAL;
	} else {
		snprintf(t->sensor, sizeof(t->sensor), "unnamed");
		ret = each_key(&p, root, "", top_key);
		if (ret)
			ph_err(ctx, "%s: tuning file rejected; using uncalibrated defaults\n",
			       path);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	if (ret) {
		ph_tuning_default(t);
		return ret;
	}
	t->calibrated = strcmp(t->sensor, "uncalibrated") != 0;
	return 0;
}

bool ph_ipa_uninstalled(void)
{
	Dl_info info;
	size_t n = strlen(PH_BUILD_ROOT);
	char exe[4096];
	const char *path;
	ssize_t len;

	if (!dladdr((void *)ph_ipa_uninstalled, &info) || !info.dli_fname)
		return false;
	path = info.dli_fname;
	/* Linked into a program (the CLI, tests), dladdr gives the name the
	 * program was started by, maybe relative: ask the kernel instead. */
	if (path[0] != '/') {
		len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (len <= 0)
			return false;
		exe[len] = '\0';
		path = exe;
	}
	return !strncmp(path, PH_BUILD_ROOT, n) && path[n] == '/';
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Look for @name in the tuning directories: @return true with @out filled. */
static bool find_tuning(const char *name, char *out, size_t size)
{
	const char *env = getenv("PINHOLE_TUNING_PATH");

	if (env && *env) {
		char *copy = strdup(env), *save = NULL;
		bool found = false;

		if (!copy)
			return false;
		for (char *dir = strtok_r(copy, ":", &save); dir && !found;
		     dir = strtok_r(NULL, ":", &save)) {
			snprintf(out, size, "%s/%s.yaml", dir, name);
			found = is_file(out);
		}
		free(copy);
		if (found)
			return true;
	}
	snprintf(out, size, "%s/%s.yaml",
		 ph_ipa_uninstalled() ? PH_SOURCE_ROOT "/data/tuning" : PH_TUNING_DIR, name);
	return is_file(out);
}

int ph_tuning_load_for(struct ph_context *ctx, const char *model, struct ph_ipa_tuning *t,
		       char *path_out, size_t path_size)
{
	char path[4096];
	const char *forced = getenv("PINHOLE_TUNING_FILE");
	bool found;

	if (path_out && path_size)
		*path_out = '\0';
	if (forced && *forced) {
		snprintf(path, sizeof(path), "%s", forced);
		found = true;
	} else {
		found = find_tuning(model, path, sizeof(path));
		if (!found) {
			ph_info(ctx, "no tuning file for sensor %s; using uncalibrated.yaml\n",
				model);
			found = find_tuning("uncalibrated", path, sizeof(path));
		}
	}
	if (!found) {
		ph_warn(ctx, "no tuning file for sensor %s; using built-in defaults\n", model);
		ph_tuning_default(t);
		return -ENOENT;
	}
	if (path_out && path_size)
		snprintf(path_out, path_size, "%s", path);
	return ph_tuning_load(ctx, path, t);
}
