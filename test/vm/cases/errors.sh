# SPDX-License-Identifier: LGPL-2.1-or-later
# vivid's error injection mid-stream: a buffer flagged as failed, a failing
# STREAMON, a fatal streaming error, a disconnect, and an unbind of the
# platform device. Each reports a clear error, hangs nothing and leaks no fd
# (test-vm counts /proc/self/fd). Every injection runs; the case fails if
# any failed.
# vm-timeout: 150
. /vm/lib.sh

failed=
for error in buf-error streamon fatal disconnect unbind; do
	vivid_load node_types=0x1
	dev=$(vivid_node 0 vid-cap)
	echo "+ test-vm inject $error"
	"$VM_TEST_VM" inject --camera vivid-000 --device "$dev" --error $error \
		--platform vivid.0 || failed="$failed $error"
done
[ -z "$failed" ] || fail "failed:$failed"
