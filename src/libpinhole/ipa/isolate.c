/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The core side of an isolated IPA module (isolate.h): spawning the
 * worker, the request/reply discipline with deadlines, and what happens
 * when the worker misbehaves. Nothing received is trusted: every message
 * goes through the generated decoder, every reply must be the one expected
 * next, parameters are copied out of shared memory once and checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "core/internal.h"
#include "ipa/ipa.h"
#include "ipa/ipc.h"
#include "ipa/isolate.h"

#define STARTUP_TIMEOUT_MS	 5000 /* load, init, configure: not per frame */
#define RESTART_TIMEOUT_MS	 2000 /* a restarted worker's replies, collected between frames */
#define DEFAULT_FRAME_TIMEOUT_MS 25   /* per call, below a 30 fps frame time */
#define BACKOFF_FIRST_MS	 50
#define BACKOFF_MAX_MS		 2000
#define HEALTHY_FRAMES		 300 /* in a row: forget earlier failures */
#define LOGS_PER_CALL		 32  /* more is flooding: read, not logged */
#define EXPECT_MAX		 64  /* requests sent, replies not read yet */

enum worker_state {
	WORKER_RUNNING,
	WORKER_STARTING, /* restarted, replies to the replayed requests pending */
	WORKER_DOWN,	 /* restart due at restart_at_ns */
	WORKER_GIVEN_UP,
};

struct expected_reply {
	uint16_t id;
	uint32_t serial;
};

struct ph_ipa_worker {
	struct ph_context *ctx;
	struct ph_camera *camera;
	char path[PATH_MAX];
	char name[32];
	enum worker_state state;
	pid_t pid;
	int sock;
	uint32_t serial;
	struct expected_reply expect[EXPECT_MAX]; /* replies in the order they must come */
	unsigned expect_first, expect_count;
	int frame_timeout_ms;
	unsigned failures, good_frames, logs;
	uint64_t restart_at_ns, starting_since_ns, last_restart_ns;

	/* Replayed into a restarted worker. */
	bool loading; /* in ph_ipa_worker_new/init: failures are the caller's, no event */
	bool initialised, configured, streaming;
	struct ph_ipa_sensor_info sensor;
	struct ph_ipa_config config;
	struct ph_ipa_frame_info last_frame;
	struct ph_ipc_controls sticky; /* the latest value of every control requested */

	/* Shared with the worker: tuning (sealed), statistics (it reads), parameters (it writes).
	 */
	int tuning_fd, stats_fd, params_fd;
	struct ph_ipa_stats *stats;
	void *params;
	size_t params_size;

	struct ph_ipc_writer out;
	uint8_t in[PH_IPC_MAX_MESSAGE];
	union ph_ipc_to_core msg;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *proxy_path(void)
{
	const char *env = getenv("PINHOLE_IPA_PROXY");

	if (env && *env)
		return env;
	return ph_ipa_uninstalled() ? PH_BUILD_ROOT "/src/ipa-proxy/pinhole-ipa-proxy"
				    : PH_LIBEXEC_DIR "/pinhole-ipa-proxy";
}

static int spawn(struct ph_ipa_worker *w)
{
	const char *proxy = proxy_path();
	char *const argv[] = {(char *)proxy, w->path, NULL};
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(sv[0]);
		close(sv[1]);
		return err;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls between fork and exec. */
		if (sv[1] == PH_IPC_WORKER_FD)
			fcntl(sv[1], F_SETFD, 0);
		else if (dup2(sv[1], PH_IPC_WORKER_FD) < 0)
			_exit(127);
		execv(proxy, argv);
		_exit(127);
	}
	close(sv[1]);
	w->sock = sv[0];
	w->pid = pid;
	w->serial = 0;
	w->expect_first = w->expect_count = 0;
	return 0;
}

/* Kill and reap the worker; @why receives how it ended. */
static void reap(struct ph_ipa_worker *w, char *why, size_t size)
{
	int status = 0;
	pid_t ret;

	if (why)
		snprintf(why, size, "%s", "killed");
	/* Kill before closing the socket: a worker still alive must not see the end of
	 * file and exit as if asked to. */
	if (w->pid > 0)
		kill(w->pid, SIGKILL);
	if (w->sock >= 0)
		close(w->sock);
	w->sock = -1;
	if (w->pid <= 0)
		return;
	while ((ret = waitpid(w->pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (ret < 0) /* reaped elsewhere (SIGCHLD ignored): how it ended is unknown */
		status = SIGKILL;
	if (why && WIFEXITED(status))
		snprintf(why, size, "exited with status %d", WEXITSTATUS(status));
	else if (why && WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		snprintf(why, size, "was stopped by the sandbox (SIGSYS: a forbidden system call)");
	else if (why && WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
		snprintf(why, size, "crashed (signal %d, %s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	w->pid = 0;
}

/* Queue PH_EVENT_IPA_ERROR with @text. */
static void report(struct ph_ipa_worker *w, int error, const char *text)
{
	struct ph_event *ev = ph_event_new(PH_EVENT_IPA_ERROR, w->camera, NULL);

	ph_warn(w->ctx, "%s\n", text);
	if (!ev)
		return;
	ev->error = error;
	ph_event_set_message(ev, "%s", text); /* on ENOMEM the event goes without its text */
	ph_context_queue_event(w->ctx, ev);
}

/* The worker failed: kill it, say so, and restart it later or give up. */
static int fail(struct ph_ipa_worker *w, int error, const char *format, ...)
{
	char what[256], why[128], text[768];
	unsigned backoff;
	va_list args;

	va_start(args, format);
	vsnprintf(what, sizeof(what), format, args);
	va_end(args);
	reap(w, why, sizeof(why));
	if (w->loading) {
		w->state = WORKER_GIVEN_UP;
		ph_err(w->ctx, "%s: IPA worker failed: %s (it %s)\n", w->path, what, why);
		return error;
	}
	w->failures++;
	w->good_frames = 0;
	if (w->failures >= PH_IPA_WORKER_MAX_FAILURES) {
		w->state = WORKER_GIVEN_UP;
		snprintf(text, sizeof(text),
			 "IPA module '%s' failed: %s (its worker %s); %u failures in a row, "
			 "giving up: the camera stays on the last good parameters",
			 w->name, what, why, w->failures);
	} else {
		backoff = BACKOFF_FIRST_MS << (w->failures - 1);
		if (backoff > BACKOFF_MAX_MS)
			backoff = BACKOFF_MAX_MS;
		w->state = WORKER_DOWN;
		w->restart_at_ns = now_ns() + (uint64_t)backoff * 1000000u;
		snprintf(text, sizeof(text),
			 "IPA module '%s' failed: %s (its worker %s); the camera keeps its last "
			 "good parameters, restarting the worker in %u ms",
			 w->name, what, why, backoff);
	}
	report(w, error, text);
	return error;
}

static int send_request(struct ph_ipa_worker *w, const int *fds, unsigned nfds)
{
	struct expected_reply *e;
	uint16_t id;
	int ret;

	memcpy(&id, w->out.buf + 6, sizeof(id));
	if (w->expect_count == EXPECT_MAX)
		return -ENOBUFS;
	ret = ph_ipc_send(w->sock, &w->out, fds, nfds);
	if (ret)
		return ret;
	e = &w->expect[(w->expect_first + w->expect_count++) % EXPECT_MAX];
	e->id = ph_ipc_reply_id(id);
	e->serial = w->serial;
	return 0;
}

/* A log line from the worker: printable characters only, one line. */
static void worker_log(struct ph_ipa_worker *w, const struct ph_ipc_log *m)
{
	char text[sizeof(m->message)];
	enum ph_log_priority p = m->priority <= PH_IPA_LOG_ERROR     ? PH_LOG_ERROR
				 : m->priority == PH_IPA_LOG_WARNING ? PH_LOG_WARNING
				 : m->priority == PH_IPA_LOG_INFO    ? PH_LOG_INFO
								     : PH_LOG_DEBUG;
	size_t n = 0;

	if (w->logs++ >= LOGS_PER_CALL)
		return;
	for (const char *s = m->message; *s; s++)
		if (*s != '\n')
			text[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	text[n] = '\0';
	ph_log(w->ctx, p, "ipa %s: %s\n", w->name, text);
}

/*
 * Read until the reply to @serial arrives (into w->msg), within @timeout_ms;
 * 0 polls without waiting. @return 0, -EAGAIN (not yet, @timeout_ms 0 only),
 * or a failure already reported through fail().
 */
static int await_reply(struct ph_ipa_worker *w, uint32_t serial, int timeout_ms, const char *what)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;

	w->logs = 0;
	for (;;) {
		struct ph_ipc_header h;
		struct pollfd pfd = {.fd = w->sock, .events = POLLIN};
		uint64_t now = now_ns();
		int left = now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
		int fds[PH_IPC_MAX_FDS];
		unsigned nfds;
		ssize_t n;
		int ret;

		ret = poll(&pfd, 1, left);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret == 0 && timeout_ms == 0)
			return -EAGAIN;
		if (ret == 0)
			return fail(w, -ETIMEDOUT, "no answer to '%s' within %d ms", what,
				    timeout_ms);
		if (ret < 0)
			return fail(w, -errno, "cannot poll its socket: %s", strerror(errno));
		n = ph_ipc_recv(w->sock, w->in, fds, &nfds);
		if (n == 0 || n == -ECONNRESET)
			return fail(w, -EPIPE, "connection lost during '%s'", what);
		if (n < 0)
			return fail(w, (int)n, "unreadable message during '%s' (%s)", what,
				    strerror((int)-n));
		ret = ph_ipc_decode_to_core(w->in, (size_t)n, nfds, &h, &w->msg);
		ph_ipc_close_fds(fds, nfds); /* no message to the core carries any */
		if (ret)
			return fail(w, -EBADMSG,
				    "malformed message during '%s' (%zd bytes, id %u, %u fds)",
				    what, n, n >= PH_IPC_HEADER_SIZE ? (unsigned)h.id : 0u, nfds);
		if (h.id == PH_IPC_LOG) {
			worker_log(w, &w->msg.log);
			continue;
		}
		if (!w->expect_count || h.id != w->expect[w->expect_first].id ||
		    h.serial != w->expect[w->expect_first].serial)
			return fail(w, -EBADMSG, "unexpected message '%s' (serial %u) during '%s'",
				    ph_ipc_name(h.id), h.serial, what);
		w->expect_first = (w->expect_first + 1) % EXPECT_MAX;
		w->expect_count--;
		if (h.serial == serial)
			return 0;
		/* A reply nobody waits for (queue_request, replayed requests): only its status. */
		if (h.id == PH_IPC_STATUS && w->msg.status.status)
			ph_dbg(w->ctx, "ipa %s: request %u failed: %s\n", w->name, h.serial,
			       strerror(-w->msg.status.status));
		if (h.id == PH_IPC_HELLO && w->msg.hello.status)
			return fail(w, -ENOEXEC, "the module did not load again");
	}
}

/* Send the request in w->out and wait for its reply (w->msg). */
static int call(struct ph_ipa_worker *w, const int *fds, unsigned nfds, int timeout_ms,
		const char *what)
{
	int ret = send_request(w, fds, nfds);

	if (ret)
		return fail(w, ret, "cannot send '%s' (%s)", what, strerror(-ret));
	return await_reply(w, w->serial, timeout_ms, what);
}

struct ph_ipa_worker *ph_ipa_worker_new(struct ph_context *ctx, const char *path,
					struct ph_ipc_hello *hello)
{
	struct ph_ipa_worker *w = calloc(1, sizeof(*w));
	const char *env = getenv("PINHOLE_IPA_TIMEOUT_MS");
	int ret;

	if (!w)
		return NULL;
	w->ctx = ctx;
	w->sock = w->tuning_fd = w->stats_fd = w->params_fd = -1;
	w->frame_timeout_ms = env && atoi(env) > 0 ? atoi(env) : DEFAULT_FRAME_TIMEOUT_MS;
	snprintf(w->path, sizeof(w->path), "%s", path);
	snprintf(w->name, sizeof(w->name), "%s", path);
	ret = spawn(w);
	if (ret) {
		ph_err(ctx, "%s: cannot start the IPA worker %s: %s\n", path, proxy_path(),
		       strerror(-ret));
		free(w);
		return NULL;
	}
	/* The hello: serial 0, before any request. */
	w->expect[0] = (struct expected_reply){PH_IPC_HELLO, 0};
	w->expect_count = 1;
	w->loading = true;
	if (await_reply(w, 0, STARTUP_TIMEOUT_MS, "hello")) {
		ph_ipa_worker_free(w);
		return NULL;
	}
	*hello = w->msg.hello;
	snprintf(w->name, sizeof(w->name), "%s", hello->name[0] ? hello->name : "?");
	w->state = WORKER_RUNNING;
	return w;
}

static void unmap(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

void ph_ipa_worker_free(struct ph_ipa_worker *w)
{
	if (!w)
		return;
	if (w->pid > 0) {
		/* End of file: the worker destroys the module's context and exits. */
		shutdown(w->sock, SHUT_RDWR);
		for (int i = 0; i < 100 && waitpid(w->pid, NULL, WNOHANG) == 0; i++)
			usleep(1000);
		reap(w, NULL, 0);
	}
	unmap(w->stats, sizeof(*w->stats));
	unmap(w->params, w->params_size);
	if (w->tuning_fd >= 0)
		close(w->tuning_fd);
	if (w->stats_fd >= 0)
		close(w->stats_fd);
	if (w->params_fd >= 0)
		close(w->params_fd);
	free(w);
}

void ph_ipa_worker_set_camera(struct ph_ipa_worker *w, struct ph_camera *camera)
{
	w->camera = camera;
}

static int new_memfd(const char *name, size_t size)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Shared buffers, sealed so that the worker cannot resize them (SIGBUS in the core). */
static int make_buffers(struct ph_ipa_worker *w, const struct ph_ipa_tuning *tuning)
{
	long page = sysconf(_SC_PAGESIZE);

	w->params_size = (size_t)page;
	w->tuning_fd = new_memfd("pinhole-ipa-tuning", sizeof(*tuning));
	w->stats_fd = new_memfd("pinhole-ipa-stats", sizeof(*w->stats));
	w->params_fd = new_memfd("pinhole-ipa-params", w->params_size);
	if (w->tuning_fd < 0 || w->stats_fd < 0 || w->params_fd < 0)
		return -ENOMEM;
	if (pwrite(w->tuning_fd, tuning, sizeof(*tuning), 0) != (ssize_t)sizeof(*tuning))
		return -EIO;
	w->stats =
		mmap(NULL, sizeof(*w->stats), PROT_READ | PROT_WRITE, MAP_SHARED, w->stats_fd, 0);
	w->params = mmap(NULL, w->params_size, PROT_READ, MAP_SHARED, w->params_fd, 0);
	if (w->stats == MAP_FAILED || w->params == MAP_FAILED) {
		w->stats = w->stats == MAP_FAILED ? NULL : w->stats;
		w->params = w->params == MAP_FAILED ? NULL : w->params;
		return -ENOMEM;
	}
	/* Tuning: read-only for good; statistics: the worker may map it read-only only. */
	if (fcntl(w->tuning_fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0 ||
	    fcntl(w->stats_fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) < 0 ||
	    fcntl(w->params_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return -errno;
	return 0;
}

static int encode_init(struct ph_ipa_worker *w)
{
	struct ph_ipc_init m = {
		.sensor = w->sensor,
		.tuning_size = sizeof(struct ph_ipa_tuning),
		.stats_size = sizeof(*w->stats),
		.params_size = (uint32_t)w->params_size,
	};

	return ph_ipc_encode_init(&w->out, ++w->serial, &m);
}

int ph_ipa_worker_init(struct ph_ipa_worker *w, const struct ph_ipa_sensor_info *sensor,
		       const struct ph_ipa_tuning *tuning)
{
	int fds[3];
	int ret = make_buffers(w, tuning);

	if (ret) {
		ph_err(w->ctx, "ipa %s: cannot share buffers with the worker: %s\n", w->name,
		       strerror(-ret));
		return ret;
	}
	w->sensor = *sensor;
	fds[0] = w->tuning_fd;
	fds[1] = w->stats_fd;
	fds[2] = w->params_fd;
	if (encode_init(w) || call(w, fds, 3, STARTUP_TIMEOUT_MS, "init"))
		return -EIO;
	if (w->msg.status.status)
		return w->msg.status.status;
	w->initialised = true;
	w->loading = false;
	return 0;
}

static int encode_start(struct ph_ipa_worker *w, const struct ph_ipa_frame_info *sensor)
{
	struct ph_ipc_start m = {.sensor = *sensor, .controls = w->sticky};

	return ph_ipc_encode_start(&w->out, ++w->serial, &m);
}

/* Spawn a new worker and replay init, configure and start without waiting. */
static void restart(struct ph_ipa_worker *w)
{
	int fds[3] = {w->tuning_fd, w->stats_fd, w->params_fd};
	int ret;

	w->starting_since_ns = now_ns();
	ret = spawn(w);
	if (ret) {
		fail(w, ret, "cannot start a new worker (%s)", strerror(-ret));
		return;
	}
	w->expect[0] = (struct expected_reply){PH_IPC_HELLO, 0};
	w->expect_count = 1;
	ret = encode_init(w);
	if (!ret)
		ret = send_request(w, fds, 3);
	if (!ret && w->configured) {
		struct ph_ipc_configure m = {.config = w->config};

		ret = ph_ipc_encode_configure(&w->out, ++w->serial, &m);
		if (!ret)
			ret = send_request(w, NULL, 0);
	}
	if (!ret && w->streaming) {
		struct ph_ipa_frame_info sensor = w->last_frame;

		sensor.sequence = 0;
		ret = encode_start(w, &sensor);
		if (!ret)
			ret = send_request(w, NULL, 0);
	}
	if (ret) {
		fail(w, ret, "cannot replay its state into a new worker (%s)", strerror(-ret));
		return;
	}
	w->state = WORKER_STARTING;
}

/* Bring the worker up if it is due; @return true if it can take a request now. */
static bool ready(struct ph_ipa_worker *w)
{
	if (w->state == WORKER_DOWN && now_ns() >= w->restart_at_ns)
		restart(w);
	if (w->state == WORKER_STARTING) {
		int ret = await_reply(w, w->serial, 0, "restart");

		if (ret == -EAGAIN &&
		    now_ns() - w->starting_since_ns > (uint64_t)RESTART_TIMEOUT_MS * 1000000u)
			fail(w, -ETIMEDOUT, "a new worker did not start within %d ms",
			     RESTART_TIMEOUT_MS);
		else if (ret == 0) {
			w->state = WORKER_RUNNING;
			w->last_restart_ns = now_ns() - w->starting_since_ns;
			ph_info(w->ctx, "ipa %s: worker restarted in %.1f ms\n", w->name,
				w->last_restart_ns / 1e6);
		}
	}
	return w->state == WORKER_RUNNING;
}

int ph_ipa_worker_configure(struct ph_ipa_worker *w, const struct ph_ipa_config *config)
{
	struct ph_ipc_configure m = {.config = *config};

	w->config = *config;
	w->configured = true;
	if (!ready(w))
		return 0; /* replayed at restart */
	if (ph_ipc_encode_configure(&w->out, ++w->serial, &m) ||
	    call(w, NULL, 0, STARTUP_TIMEOUT_MS, "configure"))
		return 0;
	return w->msg.status.status;
}

/* Keep the latest value of each control, for a restarted worker. */
static void remember(struct ph_ipa_worker *w, const struct ph_ipa_controls *controls)
{
	for (uint32_t i = 0; controls && i < controls->count; i++) {
		const struct ph_ipa_control *c = &controls->items[i];
		uint32_t k = 0;

		while (k < w->sticky.count && w->sticky.items[k].id != c->id)
			k++;
		if (k == PH_IPC_MAX_CONTROLS)
			continue;
		w->sticky.items[k] = *c;
		if (k == w->sticky.count)
			w->sticky.count++;
	}
}

static void copy_controls(struct ph_ipc_controls *dst, const struct ph_ipa_controls *src)
{
	dst->count = 0;
	for (uint32_t i = 0; src && i < src->count && i < PH_IPC_MAX_CONTROLS; i++)
		dst->items[dst->count++] = src->items[i];
}

int ph_ipa_worker_start(struct ph_ipa_worker *w, const struct ph_ipa_frame_info *sensor,
			const struct ph_ipa_controls *controls)
{
	w->sticky.count = 0;
	remember(w, controls);
	w->last_frame = *sensor;
	w->streaming = true;
	if (!ready(w))
		return 0;
	if (encode_start(w, sensor) || call(w, NULL, 0, STARTUP_TIMEOUT_MS, "start"))
		return 0; /* the stream starts on the pipeline's defaults */
	return w->msg.status.status;
}

int ph_ipa_worker_queue_request(struct ph_ipa_worker *w, uint64_t frame,
				const struct ph_ipa_controls *controls)
{
	struct ph_ipc_queue_request m = {.frame = frame};
	int ret;

	remember(w, controls);
	if (!ready(w))
		return -EAGAIN;
	copy_controls(&m.controls, controls);
	ret = ph_ipc_encode_queue_request(&w->out, ++w->serial, &m);
	if (!ret)
		ret = send_request(w, NULL, 0); /* its reply is read with prepare's */
	return ret ? fail(w, ret, "cannot send 'queue_request' (%s)", strerror(-ret)) : 0;
}

/* Copy a reply's controls into the caller's list, up to its capacity. */
static void give_controls(struct ph_ipa_controls *dst, const struct ph_ipc_controls *src)
{
	for (uint32_t i = 0; i < src->count && dst->count < dst->capacity; i++)
		dst->items[dst->count++] = src->items[i];
}

int ph_ipa_worker_prepare(struct ph_ipa_worker *w, uint64_t frame, struct ph_ipa_isp_params *params,
			  struct ph_ipa_controls *sensor_controls)
{
	struct ph_ipc_prepare m = {.frame = frame};
	struct ph_ipa_isp_params checked;
	int ret;

	if (!ready(w))
		return -EAGAIN;
	ret = ph_ipc_encode_prepare(&w->out, ++w->serial, &m);
	if (ret || (ret = call(w, NULL, 0, w->frame_timeout_ms, "prepare")))
		return ret;
	if (w->msg.prepared.status)
		return w->msg.prepared.status;
	/* Copied out of shared memory once, then checked: the worker cannot race us. */
	if (ph_ipc_load_isp_params(w->params, w->params_size, &checked))
		return fail(w, -EBADMSG, "ISP parameters out of range for frame %llu",
			    (unsigned long long)frame);
	*params = checked;
	give_controls(sensor_controls, &w->msg.prepared.sensor_controls);
	return 0;
}

int ph_ipa_worker_process_stats(struct ph_ipa_worker *w, uint64_t frame,
				const struct ph_ipa_frame_info *taken,
				const struct ph_ipa_stats *stats, struct ph_ipa_controls *metadata)
{
	struct ph_ipc_process_stats m = {.frame = frame, .taken = *taken, .have_stats = !!stats};
	int ret;

	w->last_frame = *taken;
	if (!ready(w))
		return -EAGAIN;
	if (stats && stats != w->stats)
		memcpy(w->stats, stats, sizeof(*w->stats));
	ret = ph_ipc_encode_process_stats(&w->out, ++w->serial, &m);
	if (ret || (ret = call(w, NULL, 0, w->frame_timeout_ms, "process_stats")))
		return ret;
	if (++w->good_frames >= HEALTHY_FRAMES)
		w->failures = 0;
	if (w->msg.metadata.status)
		return w->msg.metadata.status;
	give_controls(metadata, &w->msg.metadata.metadata);
	return 0;
}

void ph_ipa_worker_stop(struct ph_ipa_worker *w)
{
	w->streaming = false;
	if (w->state == WORKER_STARTING) {
		/* Its replayed start would leave it streaming: start over at the next use. */
		reap(w, NULL, 0);
		w->state = WORKER_DOWN;
		w->restart_at_ns = now_ns();
		return;
	}
	if (w->state != WORKER_RUNNING || ph_ipc_encode_stop(&w->out, ++w->serial, NULL))
		return;
	call(w, NULL, 0, w->frame_timeout_ms, "stop");
}

struct ph_ipa_stats *ph_ipa_worker_stats_buffer(struct ph_ipa_worker *w)
{
	return w->stats;
}

pid_t ph_ipa_worker_pid(const struct ph_ipa_worker *w)
{
	return w->state == WORKER_RUNNING ? w->pid : 0;
}

uint64_t ph_ipa_worker_last_restart_ns(const struct ph_ipa_worker *w)
{
	return w->last_restart_ns;
}

bool ph_ipa_worker_given_up(const struct ph_ipa_worker *w)
{
	return w->state == WORKER_GIVEN_UP;
}
