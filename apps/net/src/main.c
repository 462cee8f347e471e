// Net test app (preview1 command, no capabilities): tries the network every way WASI preview1
// offers and prints "NET <route> DENIED <errno-name>" or "NET <route> ALLOWED" per route, then
// "NET-SUMMARY denied=<n> allowed=<n>". Exits 0 if every route was denied.
// Preview1 cannot create sockets: this wasi-libc has no socket(), connect() or getaddrinfo(),
// so those routes are reported as DENIED ENOSYS. What preview1 does have are sock_accept,
// sock_recv, sock_send and sock_shutdown on descriptors the host pre-opened; those are tried
// on every descriptor a host could have handed over (3..8).
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
  for (int fd = 3; fd <= 8; fd++) {
    __wasi_fd_t conn;
    __wasi_errno_t e = __wasi_sock_accept((__wasi_fd_t)fd, 0, &conn);
    result("sock_accept", fd, e);
  }
  for (int fd = 3; fd <= 8; fd++) {
    char buf[16];
    errno = 0;
    ssize_t r = recv(fd, buf, sizeof buf, 0);
    result("sock_recv", fd, r < 0 ? errno : 0);
  }
  for (int fd = 3; fd <= 8; fd++) {
    errno = 0;
    ssize_t r = send(fd, "x", 1, 0);
    result("sock_send", fd, r < 0 ? errno : 0);
  }
  for (int fd = 3; fd <= 8; fd++) {
    result("sock_shutdown", fd, shutdown(fd, SHUT_RDWR) != 0 ? errno : 0);
  }
  printf("NET-SUMMARY denied=%d allowed=%d\n", denied, allowed);
  return allowed ? 1 : 0;
}
