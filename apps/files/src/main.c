// Files test app (preview1 command, needs fs:rw:app-data): writes /data/hello.txt, reads it
// back, appends a line to /data/log.txt (so the file grows by one line per run) and lists
// /data, printing each step. Exits 0 on success, 1 on the first failure (with the errno text).
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errname.h"

static const char greeting[] = "hello from weft files\n";

static void fail(const char *step, const char *path) {
  int e = errno;
  printf("FAIL %s %s: %s (%s)\n", step, path, strerror(e), errno_name(e));
  exit(1);
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);

  // 1. write
  FILE *f = fopen("/data/hello.txt", "w");
  if (!f) fail("open-write", "/data/hello.txt");
  if (fputs(greeting, f) == EOF) fail("write", "/data/hello.txt");
  if (fclose(f) != 0) fail("close", "/data/hello.txt");
  printf("wrote /data/hello.txt (%zu bytes)\n", sizeof greeting - 1);

  // 2. read back
  char buf[256];
  f = fopen("/data/hello.txt", "r");
  if (!f) fail("open-read", "/data/hello.txt");
  size_t n = fread(buf, 1, sizeof buf, f);
  if (ferror(f)) fail("read", "/data/hello.txt");
  fclose(f);
  if (n != sizeof greeting - 1 || memcmp(buf, greeting, n) != 0) {
    printf("FAIL read-back /data/hello.txt: contents differ (%zu bytes)\n", n);
    return 1;
  }
  printf("read back /data/hello.txt: %zu bytes, contents match\n", n);

  // 3. append to the run log; count the lines first so each run writes the next number
  unsigned long lines = 0;
  f = fopen("/data/log.txt", "r");
  if (f) {
    int c;
    while ((c = fgetc(f)) != EOF)
      if (c == '\n') lines++;
    fclose(f);
  } else if (errno != ENOENT) {
    fail("open-read", "/data/log.txt");
  }
  f = fopen("/data/log.txt", "a");
  if (!f) fail("open-append", "/data/log.txt");
  if (fprintf(f, "run %lu\n", lines + 1) < 0) fail("append", "/data/log.txt");
  if (fclose(f) != 0) fail("close", "/data/log.txt");
  printf("appended to /data/log.txt: now %lu lines\n", lines + 1);

  // 4. list /data (sorted, so the output does not depend on the host's directory order)
  DIR *d = opendir("/data");
  if (!d) fail("opendir", "/data");
  char *names[256];
  size_t count = 0;
  struct dirent *ent;
  errno = 0;
  while ((ent = readdir(d)) != NULL) {
    if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0) continue;
    if (count < sizeof names / sizeof names[0]) names[count++] = strdup(ent->d_name);
  }
  if (errno != 0) fail("readdir", "/data");
  closedir(d);
  qsort(names, count, sizeof names[0], cmp_names);
  printf("listing /data (%zu entries):", count);
  for (size_t i = 0; i < count; i++) {
    printf(" %s", names[i]);
    free(names[i]);
  }
  printf("\nfiles: ok\n");
  return 0;
}
