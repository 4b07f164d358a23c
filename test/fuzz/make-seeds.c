/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writes the seed corpus of fuzz-ipc into DIR: one well-formed message of
 * each kind the core receives, and a set of ISP parameters. The seeds are
 * checked in (test/fuzz/corpus-ipc); rerun after a protocol change:
 *   build/test/fuzz/make-ipc-seeds test/fuzz/corpus-ipc
 */
#include <stdio.h>
#include <string.h>

#include "ipc-protocol.h"

static int save(const char *dir, const char *name, const void *data, size_t size)
{
	char path[4096];
	FILE *f;
	unsigned char nfds = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(&nfds, 1, 1, f) != 1 || fwrite(data, 1, size, f) != size) {
		perror(path);
		if (f)
			fclose(f);
		return 1;
	}
	return fclose(f) ? 1 : 0;
}

static void control(struct ph_ipa_control *c, uint32_t id, enum ph_control_type type,
		    uint32_t count)
{
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->value.type = type;
	c->value.count = count;
	for (uint32_t i = 0; i < count; i++)
		c->value.f[i] = 0.5f + (float)i;
}

int main(int argc, char **argv)
{
	static struct ph_ipc_writer w;
	struct ph_ipc_hello hello = {.abi_version = PH_IPA_ABI_VERSION,
				     .desc_size = sizeof(struct ph_ipa_module_desc),
				     .complete = 1,
				     .name = "simple",
				     .pipeline = "virtual"};
	struct ph_ipc_status status = {.status = -22};
	static struct ph_ipc_prepared prepared;
	static struct ph_ipc_metadata metadata;
	struct ph_ipc_log log = {.priority = 2, .message = "AE: target reached\n"};
	struct ph_ipa_isp_params params = {
		.size = sizeof(params),
		.black_level = {4096, 4096, 4096, 4096},
		.wb_gains = {1.5f, 1.0f, 1.8f},
		.ccm = {1.6f, -0.4f, -0.2f, -0.3f, 1.5f, -0.2f, 0, -0.5f, 1.5f},
		.gamma = 1,
		.contrast = 1,
		.saturation = 1};
	uint8_t buf[PH_IPC_ISP_PARAMS_WIRE_SIZE];
	int ret = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	prepared.sensor_controls.count = 2;
	control(&prepared.sensor_controls.items[0], PH_CONTROL_EXPOSURE_TIME, PH_CONTROL_TYPE_INT32,
		1);
	prepared.sensor_controls.items[0].value.i32[0] = 10000;
	control(&prepared.sensor_controls.items[1], PH_CONTROL_ANALOGUE_GAIN, PH_CONTROL_TYPE_FLOAT,
		1);
	metadata.metadata.count = 4;
	control(&metadata.metadata.items[0], PH_CONTROL_COLOUR_GAINS, PH_CONTROL_TYPE_FLOAT, 2);
	control(&metadata.metadata.items[1], PH_CONTROL_COLOUR_CORRECTION_MATRIX,
		PH_CONTROL_TYPE_FLOAT, 9);
	control(&metadata.metadata.items[2], PH_CONTROL_AE_ENABLE, PH_CONTROL_TYPE_BOOL, 1);
	metadata.metadata.items[2].value.b[0] = true;
	control(&metadata.metadata.items[3], PH_CONTROL_SENSOR_TIMESTAMP, PH_CONTROL_TYPE_INT64, 1);
	metadata.metadata.items[3].value.i64[0] = 123456789012345;

	ret |= ph_ipc_encode_hello(&w, 0, &hello) || save(argv[1], "hello", w.buf, w.len);
	ret |= ph_ipc_encode_status(&w, 3, &status) || save(argv[1], "status", w.buf, w.len);
	ret |= ph_ipc_encode_prepared(&w, 5, &prepared) || save(argv[1], "prepared", w.buf, w.len);
	ret |= ph_ipc_encode_metadata(&w, 6, &metadata) || save(argv[1], "metadata", w.buf, w.len);
	ret |= ph_ipc_encode_log(&w, 0, &log) || save(argv[1], "log", w.buf, w.len);
	ret |= ph_ipc_store_isp_params(buf, sizeof(buf), &params) ||
	       save(argv[1], "isp-params", buf, sizeof(buf));
	return ret;
}
