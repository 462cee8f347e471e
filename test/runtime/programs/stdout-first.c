// Component linked with apps/common/weft_app.c (so it exports cabi_realloc) whose very first WASI call is a buffered
// stdout write: the preview1 adapter initialises inside that write, and without weft_app.c's startup call the first
// chunk was lost (upstream adapter + guest behaviour; see docs/architecture/runtime.md, Known issues).
#include <stdio.h>

#include "weft_app.h"

int main(void) {
  printf("first line\n");
  fflush(stdout);
  printf("second line\n");
  return 0;
}
