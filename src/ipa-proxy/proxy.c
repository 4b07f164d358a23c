/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pinhole-ipa-proxy MODULE: runs one IPA module for one camera, outside
 * libpinhole's process. libpinhole starts it with its end of a
 * SOCK_SEQPACKET socket on fd 3 and speaks the protocol of
 * src/libpinhole/ipa/ipc-protocol.yaml to it (doc/ipa.md). The worker
 * sandboxes itself, loads the module, says hello, then serves requests
 * until the socket closes. Any protocol error from the core ends it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipa/ipc.h"
#include "sandbox.h"

struct worker {
	int sock;
	const struct ph_ipa_module_desc *desc;
	struct ph_ipa_context *module;
	const struct ph_ipa_tuning *tuning;
	const struct ph_ipa_stats *stats;
	void *params;
	size_t params_size;
	struct ph_ipa_sensor_info sensor;
	struct ph_ipc_writer out;
	uint8_t in[PH_IPC_MAX_MESSAGE];
	union ph_ipc_to_worker msg;
	struct ph_ipa_control items[PH_IPC_MAX_CONTROLS];
};

static void send_log(struct worker *w, enum ph_ipa_log_priority priority, const char *text)
{
	struct ph_ipc_writer log;
	struct ph_ipc_log m = {.priority = (uint32_t)priority};

	snprintf(m.message, sizeof(m.message), "%s", text);
	if (ph_ipc_encode_log(&log, 0, &m) == 0)
		ph_ipc_send(w->sock, &log, NULL, 0);
}

static void module_log(void *data, enum ph_ipa_log_priority priority, const char *message)
{
	send_log(data, priority, message);
}

static void fail(struct worker *w, const char *format, ...)
{
	char text[256];
	va_list args;

	va_start(args, format);
	vsnprintf(text, sizeof(text), format, args);
	va_end(args);
	send_log(w, PH_IPA_LOG_ERROR, text);
}

/* A list the module fills, on the worker's scratch items. */
static struct ph_ipa_controls out_list(struct worker *w)
{
	return (struct ph_ipa_controls){.size = sizeof(struct ph_ipa_controls),
					.capacity = PH_IPC_MAX_CONTROLS,
					.items = w->items};
}

static struct ph_ipa_controls in_list(struct ph_ipc_controls *c)
{
	return (struct ph_ipa_controls){.size = sizeof(struct ph_ipa_controls),
					.count = c->count,
					.capacity = c->count,
					.items = c->items};
}

static void copy_out(struct ph_ipc_controls *dst, const struct ph_ipa_controls *src)
{
	dst->count = src->count < PH_IPC_MAX_CONTROLS ? src->count : PH_IPC_MAX_CONTROLS;
	memcpy(dst->items, src->items, dst->count * sizeof(dst->items[0]));
}

/* Map @fd (closed here) of at least @size bytes. @return the mapping or NULL. */
static void *map_fd(int fd, size_t size, int prot, int flags)
{
	struct stat st;
	void *p = MAP_FAILED;

	if (fstat(fd, &st) == 0 && (size_t)st.st_size >= size && size > 0)
		p = mmap(NULL, size, prot, flags, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static int do_init(struct worker *w, struct ph_ipc_init *m, const int *fds)
{
	struct ph_ipa_init_info info;

	if (w->module || m->tuning_size != sizeof(struct ph_ipa_tuning) ||
	    m->stats_size < sizeof(struct ph_ipa_stats) ||
	    m->params_size < PH_IPC_ISP_PARAMS_WIRE_SIZE)
		return -EINVAL;
	w->tuning = map_fd(fds[0], m->tuning_size, PROT_READ, MAP_PRIVATE);
	w->stats = map_fd(fds[1], m->stats_size, PROT_READ, MAP_SHARED);
	w->params = map_fd(fds[2], m->params_size, PROT_READ | PROT_WRITE, MAP_SHARED);
	w->params_size = m->params_size;
	if (!w->tuning || !w->stats || !w->params)
		return -ENOMEM;
	w->sensor = m->sensor;
	info = (struct ph_ipa_init_info){
		.size = sizeof(info),
		.sensor = &w->sensor,
		.tuning = w->tuning,
		.tuning_path = NULL, /* the parsed data only: the file is out of reach */
		.log = module_log,
		.log_data = w,
	};
	w->module = w->desc->init(&info);
	return w->module ? 0 : -EINVAL;
}

static int reply_status(struct worker *w, uint32_t serial, int status)
{
	struct ph_ipc_status r = {.status = status};

	return ph_ipc_encode_status(&w->out, serial, &r);
}

/* Serve one request. @return 0, or -errno to stop. */
static int serve(struct worker *w, const struct ph_ipc_header *h, const int *fds)
{
	union ph_ipc_to_worker *m = &w->msg;
	struct ph_ipa_controls list = out_list(w);
	int ret;

	if (h->id != PH_IPC_INIT && !w->module)
		return -EPROTO;
	switch (h->id) {
	case PH_IPC_INIT:
		ret = reply_status(w, h->serial, do_init(w, &m->init, fds));
		break;
	case PH_IPC_CONFIGURE:
		ret = reply_status(w, h->serial,
				   w->desc->configure(w->module, &m->configure.config));
		break;
	case PH_IPC_START: {
		struct ph_ipa_controls in = in_list(&m->start.controls);

		ret = reply_status(w, h->serial, w->desc->start(w->module, &m->start.sensor, &in));
		break;
	}
	case PH_IPC_QUEUE_REQUEST: {
		struct ph_ipa_controls in = in_list(&m->queue_request.controls);

		ret = reply_status(w, h->serial,
				   w->desc->queue_request(w->module, m->queue_request.frame, &in));
		break;
	}
	case PH_IPC_PREPARE: {
		struct ph_ipa_isp_params params = {.size = sizeof(params)};
		struct ph_ipc_prepared r;

		r.status = w->desc->prepare(w->module, m->prepare.frame, &params, &list);
		if (!r.status)
			r.status = ph_ipc_store_isp_params(w->params, w->params_size, &params);
		copy_out(&r.sensor_controls, &list);
		ret = ph_ipc_encode_prepared(&w->out, h->serial, &r);
		break;
	}
	case PH_IPC_PROCESS_STATS: {
		struct ph_ipc_metadata r;

		r.status = w->desc->process_stats(
			w->module, m->process_stats.frame, &m->process_stats.taken,
			m->process_stats.have_stats ? w->stats : NULL, &list);
		copy_out(&r.metadata, &list);
		ret = ph_ipc_encode_metadata(&w->out, h->serial, &r);
		break;
	}
	case PH_IPC_STOP:
		w->desc->stop(w->module);
		ret = reply_status(w, h->serial, 0);
		break;
	default:
		return -EPROTO;
	}
	if (ret)
		return ret;
	return ph_ipc_send(w->sock, &w->out, NULL, 0);
}

/* dlopen and check; @return the hello to send. */
static struct ph_ipc_hello load(struct worker *w, const char *path)
{
	struct ph_ipc_hello hello = {.status = 0};
	void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	const struct ph_ipa_module_desc *desc;

	if (!handle) {
		const char *err = dlerror();

		fail(w, "%s: cannot load IPA module: %s", path, err ? err : "?");
		hello.status = -ENOEXEC;
		return hello;
	}
	desc = dlsym(handle, PH_IPA_MODULE_SYMBOL);
	if (!desc) {
		hello.status = -ENOENT;
		return hello;
	}
	hello.abi_version = desc->abi_version;
	if (desc->abi_version != PH_IPA_ABI_VERSION)
		return hello; /* nothing else of the layout can be trusted */
	hello.desc_size = desc->size;
	if (desc->size < sizeof(*desc))
		return hello;
	hello.complete = desc->name && desc->pipeline && desc->init && desc->configure &&
			 desc->start && desc->queue_request && desc->prepare &&
			 desc->process_stats && desc->stop && desc->destroy;
	if (!hello.complete)
		return hello;
	snprintf(hello.name, sizeof(hello.name), "%s", desc->name);
	snprintf(hello.pipeline, sizeof(hello.pipeline), "%s", desc->pipeline);
	w->desc = desc;
	return hello;
}

int main(int argc, char **argv)
{
	static struct worker w = {.sock = PH_IPC_WORKER_FD};
	struct ph_ipc_hello hello;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s MODULE (started by libpinhole, socket on fd %d)\n",
			argv[0], PH_IPC_WORKER_FD);
		_exit(2);
	}
	ret = sandbox_enter(w.sock);
	if (!ret)
		ret = sandbox_loader_filter();
	if (ret) {
		fail(&w, "cannot enter the sandbox: %s", strerror(-ret));
		_exit(1);
	}
	hello = load(&w, argv[1]);
	/* From here on, no file can be opened: the module's init() runs after this. */
	ret = sandbox_runtime_filter();
	if (ret) {
		fail(&w, "cannot enter the sandbox: %s", strerror(-ret));
		_exit(1);
	}
	if (ph_ipc_encode_hello(&w.out, 0, &hello) || ph_ipc_send(w.sock, &w.out, NULL, 0) ||
	    !w.desc)
		_exit(1);

	for (;;) {
		struct ph_ipc_header h;
		int fds[PH_IPC_MAX_FDS];
		unsigned nfds;
		ssize_t n = ph_ipc_recv(w.sock, w.in, fds, &nfds);

		if (n <= 0)
			break; /* libpinhole closed the socket, or a broken one */
		ret = ph_ipc_decode_to_worker(w.in, (size_t)n, nfds, &h, &w.msg);
		if (!ret)
			ret = serve(&w, &h, fds);
		else
			ph_ipc_close_fds(fds, nfds);
		if (ret)
			break;
	}
	if (w.module)
		w.desc->destroy(w.module);
	/* No atexit handlers, no destructors: the filter would stop what they call. */
	_exit(0);
}
