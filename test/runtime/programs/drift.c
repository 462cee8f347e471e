// Escape by descriptor drift (run with fs:rw:app-data and /data/planted -> a host dir outside): open /data/d, then
// swap the planted symlink in under that name and use the old descriptor. Prints "ROUTE <name> DENIED|ESCAPED".
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int escaped;

static void route(const char *name, int ok) {
  if (ok) {
    printf("ROUTE %s ESCAPED\n", name);
    escaped++;
  } else {
    printf("ROUTE %s DENIED %s\n", name, strerror(errno));
  }
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  mkdir("/data/d", 0755);
  int dfd = open("/data/d", O_RDONLY | O_DIRECTORY);
  if (dfd < 0) {
    printf("SETUP failed: open /data/d: %s\n", strerror(errno));
    return 2;
  }
  if (rename("/data/d", "/data/d-moved") != 0 || rename("/data/planted", "/data/d") != 0) {
    printf("SETUP failed: rename: %s\n", strerror(errno));
    return 2;
  }
  int fd = openat(dfd, "secret.txt", O_RDONLY);
  route("drift-read", fd >= 0);
  if (fd >= 0) close(fd);
  fd = openat(dfd, "created-outside.txt", O_WRONLY | O_CREAT, 0644);
  route("drift-create", fd >= 0);
  if (fd >= 0) close(fd);
  struct stat st;
  route("drift-stat", fstatat(dfd, "secret.txt", &st, 0) == 0);
  route("drift-mkdir", mkdirat(dfd, "made-outside", 0755) == 0);
  route("drift-unlink", unlinkat(dfd, "secret.txt", 0) == 0);
  DIR *list = fdopendir(dfd);  // last use of dfd: fdopendir takes it over
  int listed = 0;
  if (list) {
    struct dirent *e;
    while ((e = readdir(list)) != NULL)
      if (strcmp(e->d_name, "passwd") == 0) listed = 1;
    closedir(list);
  }
  route("drift-list", listed);
  printf("DRIFT-SUMMARY escaped=%d\n", escaped);
  return escaped ? 1 : 0;
}
