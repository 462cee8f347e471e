// Prints everything the sandbox lets the app see of its process: environment, arguments, stdin, preopens.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
  for (char **e = environ; *e; e++) printf("ENV %s\n", *e);
  for (int i = 0; i < argc; i++) printf("ARG %s\n", argv[i]);
  char buf[64];
  ssize_t n = read(0, buf, sizeof buf);
  printf("STDIN %zd\n", n);
  const char *paths[] = {"/data", "/xdg/documents", "/", "/tmp", "/home"};
  for (unsigned i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    struct stat st;
    printf("PATH %s %s\n", paths[i], stat(paths[i], &st) == 0 ? "visible" : strerror(errno));
  }
  return 0;
}
