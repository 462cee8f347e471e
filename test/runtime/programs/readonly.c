// Run with fs:read:app-data: reads /data/existing.txt, then tries every way to change /data and reports "OP <name> DENIED|ALLOWED".
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static void report(const char *op, int rc) {
  if (rc == 0)
    printf("OP %s ALLOWED\n", op);
  else
    printf("OP %s DENIED %s\n", op, strerror(errno));
}

static int open_close(const char *path, int flags) {
  int fd = open(path, flags, 0644);
  if (fd < 0) return -1;
  close(fd);
  return 0;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  char buf[128] = {0};
  int fd = open("/data/existing.txt", O_RDONLY);
  if (fd >= 0 && read(fd, buf, sizeof buf - 1) > 0)
    printf("READ %s", buf);
  else
    printf("READ failed %s\n", strerror(errno));
  if (fd >= 0) close(fd);
  DIR *d = opendir("/data");
  printf("LIST %s\n", d ? "ok" : strerror(errno));
  if (d) closedir(d);

  report("create", open_close("/data/new.txt", O_WRONLY | O_CREAT));
  report("open-write", open_close("/data/existing.txt", O_WRONLY));
  report("open-rdwr", open_close("/data/existing.txt", O_RDWR));
  report("truncate-open", open_close("/data/existing.txt", O_RDONLY | O_TRUNC));
  report("append", open_close("/data/existing.txt", O_WRONLY | O_APPEND));
  report("truncate", truncate("/data/existing.txt", 0));
  report("mkdir", mkdir("/data/newdir", 0755));
  report("rmdir", rmdir("/data/subdir"));
  report("unlink", unlink("/data/existing.txt"));
  report("rename", rename("/data/existing.txt", "/data/renamed.txt"));
  report("symlink", symlink("existing.txt", "/data/link"));
  report("link", link("/data/existing.txt", "/data/hardlink"));
  struct timeval times[2] = {{0, 0}, {0, 0}};
  report("utimes", utimes("/data/existing.txt", times));
  fd = open("/data/existing.txt", O_RDONLY);
  report("ftruncate", ftruncate(fd, 0));
  report("write-rdonly-fd", write(fd, "x", 1) == 1 ? 0 : -1);
  close(fd);
  fd = open("/data/existing.txt", O_RDONLY);
  char check[128] = {0};
  read(fd, check, sizeof check - 1);
  close(fd);
  printf("AFTER %s", check);
  return 0;
}
