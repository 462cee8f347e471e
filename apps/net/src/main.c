// Net test app (preview1 command, no capabilities): tries the network every way WASI preview1
// offers and prints "NET <route> DENIED <errno-name>" or "NET <route> ALLOWED" per route, then
// "NET-SUMMARY denied=<n> allowed=<n>". Exits 0 if every route was denied.
// Preview1 cannot create sockets: this wasi-libc has no socket(), connect() or getaddrinfo(),
// so those routes are reported as DENIED ENOSYS. What preview1 does have are sock_accept,
// sock_recv, sock_send and sock_shutdown on descriptors the host pre-opened; those are tried
// on every descriptor a host could have handed over (3..8). Each descriptor is first checked
// with fd_fdstat_get: one that does not exist (EBADF) or is not a socket (ENOTSOCK) is reported
// with that error without calling sock_* on it, because the preview1 component adapter
// implements every sock_* function as a trap (`unreachable`) — and it never hands out sockets,
// so under the adapter no sock_* call is ever made.
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <wasi/api.h>

#include "errname.h"

static int denied, allowed;

static void result(const char *route, int fd, int err) {
  char name[64];
  if (fd >= 0)
    snprintf(name, sizeof name, "%s:fd%d", route, fd);
  else
    snprintf(name, sizeof name, "%s", route);
  if (err == 0) {
    printf("NET %s ALLOWED\n", name);
    allowed++;
  } else {
    printf("NET %s DENIED %s\n", name, errno_name(err));
    denied++;
  }
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  // No API for these in preview1 (the target was 127.0.0.1:9, the discard port).
  result("socket", -1, ENOSYS);
  result("connect-127.0.0.1:9", -1, ENOSYS);
  result("getaddrinfo", -1, ENOSYS);
  static const char *const routes[] = {"sock_accept", "sock_recv", "sock_send", "sock_shutdown"};
  for (int r = 0; r < 4; r++) {
    for (int fd = 3; fd <= 8; fd++) {
      __wasi_fdstat_t st;
      __wasi_errno_t e = __wasi_fd_fdstat_get((__wasi_fd_t)fd, &st);
      if (e == 0 && st.fs_filetype != __WASI_FILETYPE_SOCKET_STREAM &&
          st.fs_filetype != __WASI_FILETYPE_SOCKET_DGRAM)
        e = __WASI_ERRNO_NOTSOCK;
      if (e != 0) {
        result(routes[r], fd, e);
        continue;
      }
      // A real socket the host handed over: try it.
      if (r == 0) {
        __wasi_fd_t conn;
        result(routes[r], fd, __wasi_sock_accept((__wasi_fd_t)fd, __WASI_FDFLAGS_NONBLOCK, &conn));
      } else if (r == 1) {
        char buf[16];
        errno = 0;
        result(routes[r], fd, recv(fd, buf, sizeof buf, 0) < 0 ? errno : 0);
      } else if (r == 2) {
        errno = 0;
        result(routes[r], fd, send(fd, "x", 1, 0) < 0 ? errno : 0);
      } else {
        result(routes[r], fd, shutdown(fd, SHUT_RDWR) != 0 ? errno : 0);
      }
    }
  }
  printf("NET-SUMMARY denied=%d allowed=%d\n", denied, allowed);
  return allowed ? 1 : 0;
}
