// Exit-code test app (preview1 command): prints a line, then exits with status 7.
// (Wrapped with the preview1 adapter, a non-zero proc_exit becomes wasi:cli/exit err, i.e. 1.)
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  puts("exiting with code 7");
  fflush(stdout);
  exit(7);
}
