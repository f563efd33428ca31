#include "mhd.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The Makefile reads the soname from the library the build found, so the
 * loaded library is the one microhttpd.h describes. */
#ifndef MHD_SONAME
#error "MHD_SONAME: the Makefile defines it from the installed libmicrohttpd"
#endif
_Static_assert(sizeof MHD_SONAME > 1, "the Makefile found no libmicrohttpd.so (libmicrohttpd-dev)");

mhd_api mhd;
static char failure[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Stores the address of lib's function name in *slot (a function pointer
 * of mhd_api: POSIX makes dlsym's answer usable as one). */
static bool resolve(void *lib, const char *name, void *slot)
{
	void *fn = dlsym(lib, name);
	if (!fn) {
		snprintf(failure, sizeof failure, "%s has no %s", MHD_SONAME, name);
		return false;
	}
	memcpy(slot, &fn, sizeof fn);
	return true;
}

static void load(void)
{
	/* RTLD_NOW: a missing function shows here, not at a request. */
	void *lib = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(failure, sizeof failure, "%s", dlerror());
		return;
	}
	mhd_api found;
	if (resolve(lib, "MHD_start_daemon", &found.start_daemon) &&
	    resolve(lib, "MHD_stop_daemon", &found.stop_daemon) &&
	    resolve(lib, "MHD_get_daemon_info", &found.get_daemon_info) &&
	    resolve(lib, "MHD_lookup_connection_value", &found.lookup_connection_value) &&
	    resolve(lib, "MHD_create_response_from_buffer", &found.create_response_from_buffer) &&
	    resolve(lib, "MHD_add_response_header", &found.add_response_header) &&
	    resolve(lib, "MHD_queue_response", &found.queue_response) &&
	    resolve(lib, "MHD_destroy_response", &found.destroy_response))
		mhd = found;
	else
		dlclose(lib);
}

int mhd_load(tide_err *e)
{
	pthread_once(&once, load);
	return mhd.start_daemon ? 0 : tide_errf(e, TIDE_EIO, "cannot load the HTTP library: %s", failure);
}
