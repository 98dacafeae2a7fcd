// Included before gSOAP's stdsoap2.cpp, and only there (CMakeLists.txt, "gSOAP's runtime").
// stdsoap2.cpp's tcp_select() waits for a socket with poll() when the descriptor is at or above
// FD_SETSIZE (and poll() is available: HAVE_POLL, which stdsoap2.h defines for glibc), and with
// select() below it. With FD_SETSIZE 0 every wait is a poll(): no fd_set to clear per wait, and no
// limit on the descriptor's number (select() cannot watch one above 1023). fd_set itself keeps
// glibc's size (__FD_SETSIZE); the runtime's select() branch is then never taken.
#ifndef VOIP_GSOAP_RUNTIME_PREFIX_H_
#define VOIP_GSOAP_RUNTIME_PREFIX_H_
#include <sys/select.h>
#undef FD_SETSIZE
#define FD_SETSIZE 0
#endif  // VOIP_GSOAP_RUNTIME_PREFIX_H_
