/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A module built for another ABI version: the loader must refuse it (test-ipa). */
#include <pinhole/ipa/module.h>

__attribute__((visibility("default"))) const struct ph_ipa_module_desc ph_ipa_module = {
	.size = sizeof(struct ph_ipa_module_desc),
	.abi_version = PH_IPA_ABI_VERSION + 1,
	.name = "bad-abi",
	.pipeline = "virtual",
};
