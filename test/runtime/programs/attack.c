// Attacker app for the sandbox suites (preview1, fs:rw:app-data). Reads its attack from /data/mode and prints
//   LEAK <what> <detail>   when something outside /data was read, written, created or listed
//   HELD <what> <errno>    when the attempt failed
// then "DONE". The harness plants /data/../../secret-<n> style markers on the host and checks them itself too.
//   climb      `a -> .` in /data, then a/a/../../<x>: read a host file, create one, list the directory
//   symlinks   leave links with absolute and climbing targets in /data for a host program to follow
//   dirhandle  open /data/d, swap d for a climbing link, list and create through the old handle
//   pair       two sessions at once: the first to claim /data/flipper swaps /data/f between a directory and a
//              climbing link for 3 s; the other links, renames and reads through /data/f meanwhile
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "errname.h"

static void held(const char *what, int err) { printf("HELD %s %s\n", what, errno_name(err)); }
static void leak(const char *what, const char *detail) { printf("LEAK %s %s\n", what, detail); }

static int make_file(const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  (void)!write(fd, "planted-by-app\n", 15);
  close(fd);
  return 0;
}

static void try_read(const char *what, const char *path) {
  char buf[256];
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    held(what, errno);
    return;
  }
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  buf[n > 0 ? n : 0] = 0;
  for (char *p = buf; *p; p++)
    if (*p == '\n') *p = ' ';
  leak(what, buf);
}

/** Creates `path`; `lexical` is where it lands if the path is normalized as text (inside /data: no escape). */
static void try_create(const char *what, const char *path, const char *lexical) {
  if (make_file(path) != 0) {
    held(what, errno);
    return;
  }
  if (access(lexical, F_OK) == 0) {
    printf("HELD %s lexical\n", what);
    unlink(lexical);
    return;
  }
  leak(what, path);
}

/** Lists a directory; any entry that is not one of the app's own is a leak. */
static void try_list(const char *what, DIR *d, int err) {
  if (!d) {
    held(what, err);
    return;
  }
  struct dirent *e;
  int leaked = 0;
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, "secret-read") == 0) {
      leak(what, e->d_name);
      leaked = 1;
    }
  }
  closedir(d);
  if (!leaked) held(what, 0);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void climb(void) {
  mkdir("/data/w", 0755);
  unlink("/data/w/a");
  if (symlink(".", "/data/w/a") != 0) held("climb-symlink-dot", errno);
  try_read("climb-read", "/data/w/a/a/../../secret-read");
  try_read("climb-read-deep", "/data/w/a/a/a/../../../secret-read");
  try_create("climb-create", "/data/w/a/a/../../secret-created", "/data/w/secret-created");
  DIR *d = opendir("/data/w/a/a/../..");
  try_list("climb-list", d, errno);
}

static void symlinks(void) {
  static const char *const targets[] = {"/etc/passwd", "../secret-read", "../../secret-read", "a/../../secret-read", "x/../../../secret-read"};
  for (unsigned i = 0; i < sizeof targets / sizeof targets[0]; i++) {
    char link[64];
    snprintf(link, sizeof link, "/data/left-%u", i);
    unlink(link);
    if (symlink(targets[i], link) == 0)
      printf("MADE %s -> %s\n", link, targets[i]);
    else
      held("symlink-left", errno);
  }
}

static void dirhandle(void) {
  mkdir("/data/d", 0755);
  make_file("/data/d/own");
  DIR *d = opendir("/data/d");
  if (!d) {
    held("dirhandle-open", errno);
    return;
  }
  rename("/data/d", "/data/d-moved");
  if (symlink("../..", "/data/d") != 0) held("dirhandle-swap", errno);
  try_list("dirhandle-list", d, errno);
  int fd = openat(dirfd(d), "secret-created-by-handle", O_WRONLY | O_CREAT, 0644);
  if (fd >= 0) {
    close(fd);
    leak("dirhandle-create", "secret-created-by-handle");
  } else {
    held("dirhandle-create", errno);
  }
}

static void flip(void) {
  double end = now() + 3.0;
  unsigned n = 0;
  while (now() < end) {
    mkdir("/data/f", 0755);
    rmdir("/data/f");
    if (symlink("../..", "/data/f") == 0) unlink("/data/f");
    n++;
  }
  printf("FLIPPED %u\n", n);
}

static void race(void) {
  make_file("/data/x");
  double end = now() + 3.0;
  while (now() < end) {
    if (link("/data/x", "/data/f/secret-linked") == 0) {
      struct stat st;
      if (stat("/data/f", &st) == 0 && !S_ISDIR(st.st_mode)) leak("race-link", "/data/f/secret-linked");
      unlink("/data/f/secret-linked");
    }
    make_file("/data/y");
    if (rename("/data/y", "/data/f/secret-renamed") == 0) unlink("/data/f/secret-renamed");
    int rfd = open("/data/f/secret-read", O_RDONLY);
    if (rfd >= 0) {
      close(rfd);
      leak("race-read", "/data/f/secret-read");
    }
  }
  printf("RACED\n");
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  char mode[32] = {0};
  int fd = open("/data/mode", O_RDONLY);
  if (fd < 0 || read(fd, mode, sizeof mode - 1) <= 0) {
    printf("NO-MODE %s\n", errno_name(errno));
    return 2;
  }
  close(fd);
  mode[strcspn(mode, "\n")] = 0;
  if (!strcmp(mode, "climb")) climb();
  else if (!strcmp(mode, "symlinks")) symlinks();
  else if (!strcmp(mode, "dirhandle")) dirhandle();
  else if (!strcmp(mode, "pair")) {
    int claim = open("/data/flipper", O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (claim >= 0) {
      close(claim);
      flip();
    } else {
      race();
    }
  }
  else printf("UNKNOWN-MODE %s\n", mode);
  printf("DONE\n");
  return 0;
}
