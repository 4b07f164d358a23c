// The public API must be usable from C++.
#include <pinhole/pinhole.h>

int main()
{
	struct ph_control_list *list = ph_control_list_new();
	int ret = ph_control_list_set_int32(list, PH_CONTROL_EXPOSURE_TIME, 1000);
	int32_t v = 0;

	ret |= ph_control_list_get_int32(list, PH_CONTROL_EXPOSURE_TIME, &v);
	ph_control_list_free(list);
	return ret == 0 && v == 1000 ? 0 : 1;
}
