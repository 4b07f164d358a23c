/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A misbehaving IPA module for the isolation tests. Unsigned, so it always
 * runs isolated. Well-behaved but for one frame (PINHOLE_TEST_IPA_FAULT_FRAME,
 * default 50), where it does what PINHOLE_TEST_IPA_FAULT says:
 *   crash      write through a NULL pointer
 *   hang       sleep forever
 *   oversize   write a header announcing 4 GiB to the worker's socket (fd 3)
 *   bad-id     a message of an id nobody sends
 *   truncated  a 'prepared' reply shorter than its fields
 *   bad-count  a 'prepared' reply listing more controls than allowed
 *   fds        a well-formed log message carrying file descriptors
 *   nan        ISP parameters with a NaN gain
 *   video      open /dev/video0
 *   socket     open a network socket
 *   file       open a file (/etc/passwd)
 * Otherwise: fixed ISP parameters, no sensor controls, and metadata Lux =
 * the frame number, ColourTemperature = 5000 (what the tests look for).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <pinhole/ipa/module.h>

#include "ipc-protocol.h"

#define SOCKET_FD 3 /* the worker's socket: a module can reach it, as any code in the worker */

struct ph_ipa_context {
	char fault[16];
	uint64_t fault_frame;
	int opened; /* what a forbidden open returned, if it ever returns */
};

static struct ph_ipa_context *faulty_init(const struct ph_ipa_init_info *info)
{
	struct ph_ipa_context *c = calloc(1, sizeof(*c));
	const char *fault = getenv("PINHOLE_TEST_IPA_FAULT");
	const char *frame = getenv("PINHOLE_TEST_IPA_FAULT_FRAME");

	if (!c)
		return NULL;
	strncpy(c->fault, fault ? fault : "", sizeof(c->fault) - 1);
	c->fault_frame = frame ? strtoull(frame, NULL, 10) : 50;
	return c;
}

static int faulty_configure(struct ph_ipa_context *c, const struct ph_ipa_config *config)
{
	return 0;
}

static int faulty_start(struct ph_ipa_context *c, const struct ph_ipa_frame_info *sensor,
			const struct ph_ipa_controls *controls)
{
	return 0;
}

static int faulty_queue_request(struct ph_ipa_context *c, uint64_t frame,
				const struct ph_ipa_controls *controls)
{
	return 0;
}

static void put_header(uint8_t *buf, uint16_t id, uint32_t length)
{
	struct {
		uint32_t magic;
		uint16_t version, id;
		uint32_t serial, length;
	} h = {PH_IPC_MAGIC, PH_IPC_VERSION, id, 0, length};

	memcpy(buf, &h, sizeof(h));
}

/* Raw bytes to the core, ahead of the worker's own reply. */
static void inject(struct ph_ipa_context *c)
{
	uint8_t buf[64] = {0};
	uint32_t v;

	if (!strcmp(c->fault, "oversize")) {
		put_header(buf, PH_IPC_PREPARED, 0xfffffff0u);
		send(SOCKET_FD, buf, sizeof(buf), MSG_NOSIGNAL);
	} else if (!strcmp(c->fault, "bad-id")) {
		put_header(buf, 999, 4);
		send(SOCKET_FD, buf, PH_IPC_HEADER_SIZE + 4, MSG_NOSIGNAL);
	} else if (!strcmp(c->fault, "truncated")) {
		put_header(buf, PH_IPC_PREPARED, 2); /* status is 4 bytes, controls 4 more */
		send(SOCKET_FD, buf, PH_IPC_HEADER_SIZE + 2, MSG_NOSIGNAL);
	} else if (!strcmp(c->fault, "bad-count")) {
		put_header(buf, PH_IPC_PREPARED, 8);
		v = 0; /* status */
		memcpy(buf + PH_IPC_HEADER_SIZE, &v, 4);
		v = 100000; /* controls */
		memcpy(buf + PH_IPC_HEADER_SIZE + 4, &v, 4);
		send(SOCKET_FD, buf, PH_IPC_HEADER_SIZE + 8, MSG_NOSIGNAL);
	} else if (!strcmp(c->fault, "fds")) {
		int fds[2] = {0, SOCKET_FD};
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(fds))];
		} control = {0};
		struct iovec iov = {.iov_base = buf, .iov_len = PH_IPC_HEADER_SIZE + 8};
		struct msghdr msg = {.msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = control.buf,
				     .msg_controllen = sizeof(control.buf)};
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

		put_header(buf, PH_IPC_LOG, 8);
		v = 3; /* priority */
		memcpy(buf + PH_IPC_HEADER_SIZE, &v, 4);
		v = 0; /* empty message */
		memcpy(buf + PH_IPC_HEADER_SIZE + 4, &v, 4);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(fds));
		memcpy(CMSG_DATA(cm), fds, sizeof(fds));
		sendmsg(SOCKET_FD, &msg, MSG_NOSIGNAL);
	}
}

static int faulty_prepare(struct ph_ipa_context *c, uint64_t frame,
			  struct ph_ipa_isp_params *params, struct ph_ipa_controls *sensor_controls)
{
	*params = (struct ph_ipa_isp_params){
		.size = sizeof(*params),
		.black_level = {4096, 4096, 4096, 4096},
		.wb_gains = {1.5f, 1.0f, 1.8f},
		.ccm = {1, 0, 0, 0, 1, 0, 0, 0, 1},
		.gamma = PH_IPA_GAMMA_SRGB,
		.contrast = 1.0f,
		.saturation = 1.0f,
	};
	if (frame != c->fault_frame)
		return 0;
	if (!strcmp(c->fault, "crash"))
		*(volatile int *)(uintptr_t)(frame - c->fault_frame) = 1;
	if (!strcmp(c->fault, "hang"))
		for (;;)
			sleep(1000);
	if (!strcmp(c->fault, "nan"))
		params->wb_gains[0] = NAN;
	if (!strcmp(c->fault, "video"))
		c->opened = open("/dev/video0", O_RDWR | O_CLOEXEC);
	if (!strcmp(c->fault, "socket"))
		c->opened = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!strcmp(c->fault, "file"))
		c->opened = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	inject(c);
	return 0;
}

static int faulty_process_stats(struct ph_ipa_context *c, uint64_t frame,
				const struct ph_ipa_frame_info *taken,
				const struct ph_ipa_stats *stats, struct ph_ipa_controls *metadata)
{
	struct ph_ipa_control *items = metadata->items;

	if (metadata->capacity < 2)
		return -ENOSPC;
	items[0] = (struct ph_ipa_control){.id = PH_CONTROL_LUX,
					   .value = {.type = PH_CONTROL_TYPE_FLOAT, .count = 1}};
	items[0].value.f[0] = (float)frame;
	items[1] = (struct ph_ipa_control){.id = PH_CONTROL_COLOUR_TEMPERATURE,
					   .value = {.type = PH_CONTROL_TYPE_INT32, .count = 1}};
	items[1].value.i32[0] = 5000;
	metadata->count = 2;
	return 0;
}

static void faulty_stop(struct ph_ipa_context *c)
{
}

static void faulty_destroy(struct ph_ipa_context *c)
{
	free(c);
}

__attribute__((visibility("default"))) const struct ph_ipa_module_desc ph_ipa_module = {
	.size = sizeof(struct ph_ipa_module_desc),
	.abi_version = PH_IPA_ABI_VERSION,
	.name = "faulty",
	.pipeline = "virtual",
	.init = faulty_init,
	.configure = faulty_configure,
	.start = faulty_start,
	.queue_request = faulty_queue_request,
	.prepare = faulty_prepare,
	.process_stats = faulty_process_stats,
	.stop = faulty_stop,
	.destroy = faulty_destroy,
};
