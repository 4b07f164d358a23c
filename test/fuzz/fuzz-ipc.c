/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: the core's side of the IPA isolation protocol, i.e.
 * everything libpinhole decodes from an untrusted worker: messages
 * (ph_ipc_decode_to_core) and the ISP parameters it leaves in shared memory
 * (ph_ipc_load_isp_params). Input: one byte whose low bits give the number
 * of file descriptors the message "came with", then the message. What
 * decodes must encode back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipc-protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int encode(struct ph_ipc_writer *w, const struct ph_ipc_header *h,
		  const union ph_ipc_to_core *m)
{
	switch (h->id) {
	case PH_IPC_HELLO:
		return ph_ipc_encode_hello(w, h->serial, &m->hello);
	case PH_IPC_STATUS:
		return ph_ipc_encode_status(w, h->serial, &m->status);
	case PH_IPC_PREPARED:
		return ph_ipc_encode_prepared(w, h->serial, &m->prepared);
	case PH_IPC_METADATA:
		return ph_ipc_encode_metadata(w, h->serial, &m->metadata);
	case PH_IPC_LOG:
		return ph_ipc_encode_log(w, h->serial, &m->log);
	default:
		abort(); /* the decoder accepted an id the core never receives */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union ph_ipc_to_core m;
	static struct ph_ipc_writer w;
	struct ph_ipa_isp_params params;
	struct ph_ipc_header h;

	if (size < 1)
		return 0;
	if (ph_ipc_decode_to_core(data + 1, size - 1, data[0] & 3, &h, &m) == 0) {
		if (encode(&w, &h, &m) || w.len != size - 1 || memcmp(w.buf, data + 1, w.len))
			abort(); /* decoding lost or invented something */
	}
	if (ph_ipc_load_isp_params(data + 1, size - 1, &params) == 0) {
		uint8_t again[PH_IPC_ISP_PARAMS_WIRE_SIZE];

		/* All but the leading size word, which the reader replaces with its own. */
		if (ph_ipc_store_isp_params(again, sizeof(again), &params) ||
		    memcmp(again + 4, data + 1 + 4, sizeof(again) - 4))
			abort();
	}
	return 0;
}
