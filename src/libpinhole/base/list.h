/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* An intrusive doubly-linked list, as in the kernel and Wayland. */

#include <stddef.h>

struct ph_list {
	struct ph_list *prev, *next;
};

static inline void ph_list_init(struct ph_list *list)
{
	list->prev = list->next = list;
}

static inline int ph_list_empty(const struct ph_list *list)
{
	return list->next == list;
}

/* Insert @elm at the tail of @list. */
static inline void ph_list_append(struct ph_list *list, struct ph_list *elm)
{
	elm->prev = list->prev;
	elm->next = list;
	list->prev->next = elm;
	list->prev = elm;
}

static inline void ph_list_remove(struct ph_list *elm)
{
	elm->prev->next = elm->next;
	elm->next->prev = elm->prev;
	elm->prev = elm->next = elm;
}

#define ph_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#define ph_list_first(list, type, member)                                                          \
	(ph_list_empty(list) ? NULL : ph_container_of((list)->next, type, member))

#define ph_list_for_each_safe(pos, tmp, list, type, member)                                        \
	for (pos = ph_container_of((list)->next, type, member),                                    \
	    tmp = ph_container_of(pos->member.next, type, member);                                 \
	     &pos->member != (list);                                                               \
	     pos = tmp, tmp = ph_container_of(pos->member.next, type, member))
