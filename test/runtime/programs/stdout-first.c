// Component linked with apps/common/weft_app.c (so it exports cabi_realloc) that prints right after its first weft_*
// call, as the apps do. weft_app.c initialises the preview1 adapter there; without that, the adapter initialised inside
// the first buffered stdout write and that chunk was lost (see apps/common/weft_app.c and docs/architecture/apps.md).
#include <stdio.h>

#include "weft_app.h"

int main(void) {
  weft_ready();
  printf("first line\n");
  fflush(stdout);
  printf("second line\n");
  return 0;
}
