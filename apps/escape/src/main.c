// Escape test app (preview1 command, needs fs:rw:app-data): tries every route out of its /data
// preopen it can think of and prints one line per route:
//   ROUTE <name> DENIED <errno-name> | ROUTE <name> ESCAPED | ROUTE <name> SKIPPED
// then "ESCAPE-SUMMARY denied=<n> escaped=<n>". Exits 0 if nothing escaped, 1 otherwise.
// The harness may plant /data/planted as a symlink to a host directory outside /data before
// launch; the "planted" route opens through it (SKIPPED if it is not there).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errname.h"

static int denied, escaped;

static void escaped_route(const char *route) {
  printf("ROUTE %s ESCAPED\n", route);
  escaped++;
}

static void denied_route(const char *route, int err) {
  printf("ROUTE %s DENIED %s\n", route, errno_name(err));
  denied++;
}

// Opens path (as a directory if want_dir); any success is an escape.
static void try_open(const char *route, const char *path, int want_dir) {
  int fd = open(path, O_RDONLY | (want_dir ? O_DIRECTORY : 0));
  if (fd >= 0) {
    close(fd);
    escaped_route(route);
  } else {
    denied_route(route, errno);
  }
}

// Creates link -> target inside /data, then opens link/passwd through it.
static void try_symlink(const char *route, const char *target, const char *link) {
  unlink(link);
  if (symlink(target, link) != 0) {
    denied_route(route, errno);
    return;
  }
  char path[256];
  snprintf(path, sizeof path, "%s/passwd", link);
  try_open(route, path, 0);
  unlink(link);
}

static void try_planted(void) {
  struct stat st;
  if (lstat("/data/planted", &st) != 0) {
    printf("ROUTE planted SKIPPED\n");
    return;
  }
  int fd = open("/data/planted", O_RDONLY | O_DIRECTORY);
  if (fd < 0 && errno == ENOTDIR) fd = open("/data/planted", O_RDONLY);
  if (fd >= 0) {
    close(fd);
    escaped_route("planted");
    return;
  }
  int err = errno;
  // Also try a path *through* the link, in case only the link itself is checked.
  DIR *d = opendir("/data/planted/.");
  if (d) {
    closedir(d);
    escaped_route("planted");
    return;
  }
  denied_route("planted", err);
}

static void try_opendir_root(void) {
  DIR *d = opendir("/");
  if (d) {
    closedir(d);
    escaped_route("opendir-root");
  } else {
    denied_route("opendir-root", errno);
  }
}

static int make_file(const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  (void)!write(fd, "x\n", 2);
  close(fd);
  return 0;
}

static void try_rename_out(void) {
  if (make_file("/data/x") != 0) {
    denied_route("rename-out", errno);  // cannot even create the source; counts as denied
    return;
  }
  if (rename("/data/x", "/data/../x") == 0) {
    escaped_route("rename-out");
    rename("/data/../x", "/data/x");  // best effort: put it back
  } else {
    denied_route("rename-out", errno);
  }
}

static void try_hardlink_out(void) {
  make_file("/data/x");
  if (link("/data/x", "/data/../x-link") == 0) {
    escaped_route("hardlink-out");
    unlink("/data/../x-link");
  } else {
    denied_route("hardlink-out", errno);
  }
}

static void try_hardlink_in(void) {
  unlink("/data/passwd-link");
  if (link("/data/../../../../../../etc/passwd", "/data/passwd-link") == 0) {
    escaped_route("hardlink-in");
    unlink("/data/passwd-link");
  } else {
    denied_route("hardlink-in", errno);
  }
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  try_open("dotdot-file", "/data/../../etc/passwd", 0);
  try_open("dotdot-dir", "/data/..", 1);
  try_open("relative", "../etc/passwd", 0);
  try_open("absolute", "/etc/passwd", 0);
  try_open("etc-dir", "/etc", 1);
  try_symlink("abs-symlink", "/etc", "/data/abs-link");
  try_symlink("rel-symlink", "../../../../../../etc", "/data/rel-link");
  try_planted();
  try_opendir_root();
  try_rename_out();
  try_hardlink_out();
  try_hardlink_in();
  unlink("/data/x");
  printf("ESCAPE-SUMMARY denied=%d escaped=%d\n", denied, escaped);
  return escaped ? 1 : 0;
}
