// Run with fs:rw:app-data and a small [limits] data_max_mb: writes /data/big in 64 KiB chunks until a write fails, then reports how much went in and why ("WROTE <bytes> ERRNO <name>").
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  static char chunk[65536];
  memset(chunk, 'x', sizeof chunk);
  int fd = open("/data/big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    printf("OPEN FAILED %s\n", strerror(errno));
    return 1;
  }
  long total = 0;
  for (int i = 0; i < 1024; i++) {
    ssize_t n = write(fd, chunk, sizeof chunk);
    if (n < 0) {
      printf("WROTE %ld ERRNO %s\n", total, errno == EDQUOT ? "EDQUOT" : strerror(errno));
      close(fd);
      // Freeing space gives it back: a small write succeeds again.
      unlink("/data/big");
      int again = open("/data/small", O_WRONLY | O_CREAT | O_TRUNC, 0644);
      printf("AFTER-UNLINK %s\n", again >= 0 && write(again, chunk, 1000) == 1000 ? "ok" : strerror(errno));
      return 0;
    }
    total += n;
  }
  printf("WROTE %ld NO-LIMIT\n", total);
  return 0;
}
