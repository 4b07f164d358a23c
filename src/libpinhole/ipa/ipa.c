/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IPA manager: finds, checks and loads IPA modules, and runs one
 * module context per camera (ipa.h). A module signed by this build runs
 * in-process (trust.c); any other, or every one with
 * PINHOLE_IPA_FORCE_ISOLATION=1, runs in a sandboxed worker (isolate.c)
 * behind the same calls.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "core/internal.h"
#include "ipa/ipa.h"
#include "ipa/isolate.h"

#define IPA_CONTROLS_MAX 32

struct ph_ipa {
	struct ph_context *ctx;
	void *handle;
	const struct ph_ipa_module_desc *desc; /* in-process */
	struct ph_ipa_context *module_ctx;
	struct ph_ipa_worker *worker; /* isolated */
	struct ph_ipa_stats *stats;   /* in-process: ph_ipa_stats_buffer() */
	char name[32];
	char path[PATH_MAX];
	char tuning_path[PATH_MAX];
	struct ph_ipa_tuning tuning;
	struct ph_ipa_sensor_info sensor;
	/* Scratch lists for the boundary: no allocation per frame. */
	struct ph_ipa_control items[IPA_CONTROLS_MAX];
};

static void module_log(void *data, enum ph_ipa_log_priority priority, const char *message)
{
	struct ph_ipa *ipa = data;
	enum ph_log_priority p = priority <= PH_IPA_LOG_ERROR	  ? PH_LOG_ERROR
				 : priority == PH_IPA_LOG_WARNING ? PH_LOG_WARNING
				 : priority == PH_IPA_LOG_INFO	  ? PH_LOG_INFO
								  : PH_LOG_DEBUG;

	ph_log(ipa->ctx, p, "ipa %s: %s", ipa->name, message);
}

/* The checks of ph_ipa_check_desc(), on what a descriptor or a worker's hello says. */
static int check_fields(struct ph_context *ctx, const char *path, uint32_t abi_version,
			uint32_t size, bool complete)
{
	/* The version first: the rest of the layout depends on it. */
	if (abi_version != PH_IPA_ABI_VERSION) {
		ph_err(ctx,
		       "%s: IPA module built for ABI version %u, this library speaks version %u; "
		       "module refused (rebuild it against this libpinhole)\n",
		       path, abi_version, PH_IPA_ABI_VERSION);
		return -EPROTO;
	}
	if (size < sizeof(struct ph_ipa_module_desc)) {
		ph_err(ctx,
		       "%s: IPA module descriptor of %u bytes, at least %zu expected; refused\n",
		       path, size, sizeof(struct ph_ipa_module_desc));
		return -EINVAL;
	}
	if (!complete) {
		ph_err(ctx,
		       "%s: IPA module descriptor lacks a name, pipeline or entry point; "
		       "refused\n",
		       path);
		return -EINVAL;
	}
	return 0;
}

static void no_symbol(struct ph_context *ctx, const char *path)
{
	ph_err(ctx, "%s: not an IPA module: no '%s' symbol\n", path, PH_IPA_MODULE_SYMBOL);
}

int ph_ipa_check_desc(struct ph_context *ctx, const char *path,
		      const struct ph_ipa_module_desc *desc)
{
	if (!desc) {
		no_symbol(ctx, path);
		return -EINVAL;
	}
	if (desc->abi_version != PH_IPA_ABI_VERSION || desc->size < sizeof(*desc))
		return check_fields(ctx, path, desc->abi_version, desc->size, false);
	return check_fields(ctx, path, desc->abi_version, desc->size,
			    desc->name && desc->pipeline && desc->init && desc->configure &&
				    desc->start && desc->queue_request && desc->prepare &&
				    desc->process_stats && desc->stop && desc->destroy);
}

static bool pipeline_matches(const char *list, const char *pipeline)
{
	size_t n = strlen(pipeline);

	/* A comma-separated list of pipeline names. */
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, pipeline, n))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

static bool force_isolation(void)
{
	const char *env = getenv("PINHOLE_IPA_FORCE_ISOLATION");

	return env && !strcmp(env, "1");
}

/* dlopen the module open on @fd (checked against its signature) and check its descriptor. */
static int open_in_process(struct ph_ipa *ipa, int fd, const char *path, const char *pipeline)
{
	struct stat checked, named;
	void *handle;
	const struct ph_ipa_module_desc *desc;
	int ret;

	/* The file whose signature was checked must be the one @path names. (Not
	 * dlopen("/proc/self/fd/N"): the loader would take a module loaded earlier
	 * from another file under the same name for this one.) */
	if (fstat(fd, &checked) < 0 || stat(path, &named) < 0 || checked.st_dev != named.st_dev ||
	    checked.st_ino != named.st_ino) {
		ph_err(ipa->ctx, "%s: the module changed while it was checked; not loaded\n", path);
		return -EAGAIN;
	}
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		const char *err = dlerror();

		ph_err(ipa->ctx, "%s: cannot load IPA module: %s\n", path, err ? err : "?");
		return -ENOEXEC;
	}
	desc = dlsym(handle, PH_IPA_MODULE_SYMBOL);
	ret = ph_ipa_check_desc(ipa->ctx, path, desc);
	if (!ret && pipeline && !pipeline_matches(desc->pipeline, pipeline)) {
		ph_dbg(ipa->ctx, "%s: IPA module '%s' serves '%s', not '%s'\n", path, desc->name,
		       desc->pipeline, pipeline);
		ret = -ENOENT;
	}
	if (ret) {
		dlclose(handle);
		return ret;
	}
	ipa->handle = handle;
	ipa->desc = desc;
	snprintf(ipa->name, sizeof(ipa->name), "%s", desc->name);
	return 0;
}

/* Start a worker for the module and check what it reports of the descriptor. */
static int open_isolated(struct ph_ipa *ipa, const char *path, const char *pipeline)
{
	struct ph_ipc_hello hello;
	struct ph_ipa_worker *w = ph_ipa_worker_new(ipa->ctx, path, &hello);
	int ret;

	if (!w)
		return -ENOEXEC;
	if (hello.status == -ENOENT) {
		no_symbol(ipa->ctx, path);
		ret = -EINVAL;
	} else if (hello.status) {
		ret = -ENOEXEC; /* the worker logged why */
	} else {
		ret = check_fields(ipa->ctx, path, hello.abi_version, hello.desc_size,
				   hello.complete);
	}
	if (!ret && pipeline && !pipeline_matches(hello.pipeline, pipeline)) {
		ph_dbg(ipa->ctx, "%s: IPA module '%s' serves '%s', not '%s'\n", path, hello.name,
		       hello.pipeline, pipeline);
		ret = -ENOENT;
	}
	if (ret) {
		ph_ipa_worker_free(w);
		return ret;
	}
	ipa->worker = w;
	snprintf(ipa->name, sizeof(ipa->name), "%s", hello.name);
	return 0;
}

/* Load @path in-process if this build signed it, else isolated. @return 0 once loaded. */
static int open_module(struct ph_ipa *ipa, const char *path, const char *pipeline)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0) {
		ph_err(ipa->ctx, "%s: cannot load IPA module: %s\n", path, strerror(errno));
		return -ENOEXEC;
	}
	if (ph_ipa_module_trusted(ipa->ctx, fd, path) && !force_isolation())
		ret = open_in_process(ipa, fd, path, pipeline);
	else
		ret = open_isolated(ipa, path, pipeline);
	close(fd);
	if (!ret) {
		snprintf(ipa->path, sizeof(ipa->path), "%s", path);
		ph_dbg(ipa->ctx, "%s: IPA module '%s' runs %s\n", path, ipa->name,
		       ipa->worker ? "isolated" : "in-process");
	}
	return ret;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

/* Try every *.so in @dir (and, with @depth, its subdirectories). @return 0 once one loads. */
static int scan_dir(struct ph_ipa *ipa, const char *dir, const char *pipeline, int depth)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), ret = -ENOENT;

	if (n < 0)
		return -ENOENT;
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct stat st;

		if (ret == 0 || names[i]->d_name[0] == '.')
			goto next;
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) >=
		    (int)sizeof(path))
			goto next;
		if (stat(path, &st) < 0)
			goto next;
		if (S_ISDIR(st.st_mode) && depth > 0)
			ret = scan_dir(ipa, path, pipeline, depth - 1) == 0 ? 0 : ret;
		else if (S_ISREG(st.st_mode) && has_suffix(names[i]->d_name, ".so") &&
			 open_module(ipa, path, pipeline) == 0)
			ret = 0;
	next:
		free(names[i]);
	}
	free(names);
	return ret;
}

static int find_module(struct ph_ipa *ipa, const char *pipeline)
{
	const char *env = getenv("PINHOLE_IPA_PATH");

	if (env && *env) {
		char *copy = strdup(env), *save = NULL;
		int ret = -ENOENT;

		if (!copy)
			return -ENOMEM;
		for (char *dir = strtok_r(copy, ":", &save); dir && ret;
		     dir = strtok_r(NULL, ":", &save))
			ret = scan_dir(ipa, dir, pipeline, 1);
		free(copy);
		if (!ret)
			return 0;
	}
	if (ph_ipa_uninstalled())
		return scan_dir(ipa, PH_BUILD_ROOT "/src/ipa", pipeline, 1);
	return scan_dir(ipa, PH_IPA_DIR, pipeline, 0);
}

struct ph_ipa *ph_ipa_load(struct ph_context *ctx, const char *path, const char *pipeline,
			   const struct ph_ipa_sensor_info *sensor)
{
	struct ph_ipa *ipa = calloc(1, sizeof(*ipa));
	struct ph_ipa_init_info info;
	int ret;

	if (!ipa)
		return NULL;
	ipa->ctx = ctx;
	ret = path ? open_module(ipa, path, pipeline) : find_module(ipa, pipeline);
	if (ret) {
		if (!path)
			ph_warn(ctx,
				"no IPA module for pipeline '%s' found (PINHOLE_IPA_PATH, %s)\n",
				pipeline,
				ph_ipa_uninstalled() ? PH_BUILD_ROOT "/src/ipa" : PH_IPA_DIR);
		free(ipa);
		return NULL;
	}
	ipa->sensor = *sensor;
	ipa->sensor.size = sizeof(ipa->sensor);
	/* What the pipeline left unknown, from the sensor database. */
	{
		const struct ph_sensor_db_entry *db = ph_sensor_db_find(sensor->model);

		if (db && !ipa->sensor.exposure_delay && !ipa->sensor.gain_delay) {
			ipa->sensor.exposure_delay = db->exposure_delay;
			ipa->sensor.gain_delay = db->gain_delay;
		}
		if (db && ipa->sensor.black_level == PH_IPA_BLACK_LEVEL_UNKNOWN &&
		    ipa->sensor.bit_depth == db->bit_depth)
			ipa->sensor.black_level = ph_sensor_db_black_level16(db);
	}
	ph_tuning_load_for(ctx, sensor->model, &ipa->tuning, ipa->tuning_path,
			   sizeof(ipa->tuning_path));
	info = (struct ph_ipa_init_info){
		.size = sizeof(info),
		.sensor = &ipa->sensor,
		.tuning = &ipa->tuning,
		.tuning_path = ipa->tuning_path[0] ? ipa->tuning_path : NULL,
		.log = module_log,
		.log_data = ipa,
	};
	if (ipa->worker)
		ret = ph_ipa_worker_init(ipa->worker, &ipa->sensor, &ipa->tuning);
	else if ((ipa->stats = malloc(sizeof(*ipa->stats))))
		ipa->module_ctx = ipa->desc->init(&info);
	else
		ret = -ENOMEM;
	if (ret || (!ipa->worker && !ipa->module_ctx)) {
		ph_err(ctx, "%s: IPA module '%s' failed to initialise\n", ipa->path, ipa->name);
		ph_ipa_free(ipa);
		return NULL;
	}
	ph_dbg(ctx, "IPA module '%s' loaded from %s, tuning %s\n", ipa->name, ipa->path,
	       ipa->tuning_path[0] ? ipa->tuning_path : "(built-in defaults)");
	return ipa;
}

void ph_ipa_free(struct ph_ipa *ipa)
{
	if (!ipa)
		return;
	ph_ipa_worker_free(ipa->worker);
	if (ipa->module_ctx)
		ipa->desc->destroy(ipa->module_ctx);
	if (ipa->handle)
		dlclose(ipa->handle);
	free(ipa->stats);
	free(ipa);
}

const char *ph_ipa_name(const struct ph_ipa *ipa)
{
	return ipa->name;
}

bool ph_ipa_isolated(const struct ph_ipa *ipa)
{
	return ipa->worker != NULL;
}

struct ph_ipa_worker *ph_ipa_get_worker(struct ph_ipa *ipa)
{
	return ipa->worker;
}

void ph_ipa_set_camera(struct ph_ipa *ipa, struct ph_camera *camera)
{
	if (ipa->worker)
		ph_ipa_worker_set_camera(ipa->worker, camera);
}

struct ph_ipa_stats *ph_ipa_stats_buffer(struct ph_ipa *ipa)
{
	return ipa->worker ? ph_ipa_worker_stats_buffer(ipa->worker) : ipa->stats;
}

const char *ph_ipa_path(const struct ph_ipa *ipa)
{
	return ipa->path;
}

const struct ph_ipa_tuning *ph_ipa_tuning(const struct ph_ipa *ipa)
{
	return &ipa->tuning;
}

/* Control list -> boundary list (ids the list holds, in order; at most IPA_CONTROLS_MAX). */
static void to_ipa(struct ph_ipa *ipa, const struct ph_control_list *list,
		   struct ph_ipa_controls *out)
{
	unsigned n = list ? ph_control_list_count(list) : 0;

	*out = (struct ph_ipa_controls){.size = sizeof(*out),
					.count = 0,
					.capacity = IPA_CONTROLS_MAX,
					.items = ipa->items};
	for (unsigned i = 0; i < n && out->count < IPA_CONTROLS_MAX; i++) {
		struct ph_ipa_control *c = &ipa->items[out->count];

		c->id = ph_control_list_id_at(list, i);
		c->reserved = 0;
		if (ph_control_list_get(list, c->id, &c->value) == 0)
			out->count++;
	}
}

static void empty(struct ph_ipa *ipa, struct ph_ipa_controls *out)
{
	*out = (struct ph_ipa_controls){.size = sizeof(*out),
					.count = 0,
					.capacity = IPA_CONTROLS_MAX,
					.items = ipa->items};
}

/* Boundary list -> control list; values of the wrong shape are dropped. */
static int from_ipa(struct ph_ipa *ipa, const struct ph_ipa_controls *in,
		    struct ph_control_list *list)
{
	uint32_t n = in->count < IPA_CONTROLS_MAX ? in->count : IPA_CONTROLS_MAX;

	for (uint32_t i = 0; i < n; i++) {
		int ret = ph_control_list_set(list, in->items[i].id, &in->items[i].value);

		if (ret == -ENOMEM)
			return ret;
		if (ret < 0)
			ph_dbg(ipa->ctx, "ipa %s: control 0x%x of the wrong type dropped\n",
			       ipa->name, in->items[i].id);
	}
	return 0;
}

int ph_ipa_configure(struct ph_ipa *ipa, const struct ph_ipa_config *config)
{
	if (ipa->worker)
		return ph_ipa_worker_configure(ipa->worker, config);
	return ipa->desc->configure(ipa->module_ctx, config);
}

int ph_ipa_start(struct ph_ipa *ipa, const struct ph_ipa_frame_info *sensor,
		 const struct ph_control_list *controls)
{
	struct ph_ipa_controls in;

	to_ipa(ipa, controls, &in);
	if (ipa->worker)
		return ph_ipa_worker_start(ipa->worker, sensor, &in);
	return ipa->desc->start(ipa->module_ctx, sensor, &in);
}

int ph_ipa_queue_request(struct ph_ipa *ipa, uint64_t frame, const struct ph_control_list *controls)
{
	struct ph_ipa_controls in;

	to_ipa(ipa, controls, &in);
	if (ipa->worker)
		return ph_ipa_worker_queue_request(ipa->worker, frame, &in);
	return ipa->desc->queue_request(ipa->module_ctx, frame, &in);
}

int ph_ipa_prepare(struct ph_ipa *ipa, uint64_t frame, struct ph_ipa_isp_params *params,
		   struct ph_control_list *sensor_controls)
{
	struct ph_ipa_controls out;
	int ret;

	empty(ipa, &out);
	params->size = sizeof(*params);
	ret = ipa->worker ? ph_ipa_worker_prepare(ipa->worker, frame, params, &out)
			  : ipa->desc->prepare(ipa->module_ctx, frame, params, &out);
	if (ret)
		return ret;
	return from_ipa(ipa, &out, sensor_controls);
}

int ph_ipa_process_stats(struct ph_ipa *ipa, uint64_t frame, const struct ph_ipa_frame_info *taken,
			 const struct ph_ipa_stats *stats, struct ph_control_list *metadata)
{
	struct ph_ipa_controls out;
	int ret;

	empty(ipa, &out);
	ret = ipa->worker ? ph_ipa_worker_process_stats(ipa->worker, frame, taken, stats, &out)
			  : ipa->desc->process_stats(ipa->module_ctx, frame, taken, stats, &out);
	if (ret)
		return ret;
	return from_ipa(ipa, &out, metadata);
}

void ph_ipa_stop(struct ph_ipa *ipa)
{
	if (ipa->worker)
		ph_ipa_worker_stop(ipa->worker);
	else
		ipa->desc->stop(ipa->module_ctx);
}
