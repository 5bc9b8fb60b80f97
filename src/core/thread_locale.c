/*
 * thread_locale.c - a thread's own "C" locale (thread_locale.h).
 */
#include "core/thread_locale.h"

locale_t core_thread_locale_begin(void)
{
	locale_t loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);

	if (loc)
		uselocale(loc);
	return loc;
}

void core_thread_locale_end(locale_t loc)
{
	if (!loc)
		return;
	uselocale(LC_GLOBAL_LOCALE);
	freelocale(loc);
}
