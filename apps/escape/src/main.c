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

// Tries each spelling of a path (trailing slashes and "/." matter to some hosts: node:wasi
// refuses "/data/planted" but follows "/data/planted/"). Opening as a file, as a directory and
// with opendir; any success is an escape. Otherwise DENIED with the first attempt's errno.
static int open_any(const char *const *paths, int n, int *first_err) {
  *first_err = 0;
  for (int i = 0; i < n; i++) {
    int fd = open(paths[i], O_RDONLY);
    if (fd < 0 && !*first_err) *first_err = errno;
    if (fd < 0) fd = open(paths[i], O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
      close(fd);
      return 1;
    }
    DIR *d = opendir(paths[i]);
    if (d) {
      closedir(d);
      return 1;
    }
  }
  return 0;
}

static void try_paths(const char *route, const char *const *paths, int n) {
  int err;
  if (open_any(paths, n, &err))
    escaped_route(route);
  else
    denied_route(route, err);
}

#define TRY(route, ...)                                                \
  do {                                                                 \
    static const char *const paths_[] = {__VA_ARGS__};                 \
    try_paths(route, paths_, (int)(sizeof paths_ / sizeof paths_[0])); \
  } while (0)

// Creates link -> target inside /data, then opens through it.
static void try_symlink(const char *route, const char *target, const char *link) {
  unlink(link);
  if (symlink(target, link) != 0) {
    denied_route(route, errno);
    return;
  }
  char file[128], slash[128];
  snprintf(file, sizeof file, "%s/passwd", link);
  snprintf(slash, sizeof slash, "%s/", link);
  const char *const paths[] = {file, slash, link};
  try_paths(route, paths, 3);
  unlink(link);
}

static void try_planted(void) {
  struct stat st;
  if (lstat("/data/planted", &st) != 0) {
    printf("ROUTE planted SKIPPED\n");
    return;
  }
  TRY("planted", "/data/planted", "/data/planted/", "/data/planted/.");
}

static void try_opendir_root(void) {
  int err = 0;
  static const char *const roots[] = {"/", "/.", "//", "."};
  for (int i = 0; i < 4; i++) {
    DIR *d = opendir(roots[i]);
    if (d) {
      closedir(d);
      escaped_route("opendir-root");
      return;
    }
    if (!err) err = errno;
  }
  denied_route("opendir-root", err);
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
  TRY("dotdot-file", "/data/../../etc/passwd", "/data/../../../../../../etc/passwd");
  TRY("dotdot-dir", "/data/..", "/data/../", "/data/../.", "/data/./..");
  TRY("relative", "../etc/passwd", "./../etc/passwd");
  TRY("absolute", "/etc/passwd", "//etc/passwd");
  TRY("etc-dir", "/etc", "/etc/", "/etc/.");
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
