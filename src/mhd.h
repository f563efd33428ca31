/* mhd.h — libmicrohttpd, loaded when a server starts rather than linked.
 *
 * Linked into tide, libmicrohttpd and the TLS stack it depends on (GnuTLS
 * and eight more libraries) are loaded and initialised by every run of the
 * command, a `tide query` included: ~1.2 ms of its start on this machine,
 * against ~0.7 ms for a process that loads nothing.  Only `tide serve` needs
 * them, so serve.c calls the library through this table, which mhd_load
 * fills once.  It holds the library's own functions, with the types
 * microhttpd.h gives them. */
#ifndef TIDE_MHD_H
#define TIDE_MHD_H

#include <microhttpd.h>

#include "err.h"

typedef struct mhd_api {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_get_daemon_info) *get_daemon_info;
	__typeof__(MHD_lookup_connection_value) *lookup_connection_value;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
} mhd_api;

/* The library's functions: valid once mhd_load has returned 0. */
extern mhd_api mhd;

/* Loads the library the first time (never unloaded; safe from any thread):
 * 0, or TIDE_EIO with e set when it is not installed or lacks a function. */
int mhd_load(tide_err *e);

#endif
