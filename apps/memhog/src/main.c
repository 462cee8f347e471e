// Memhog test app (preview1 command): allocates 1 MiB chunks forever, writes to every 4 KiB of
// each, never frees, and prints "allocated <n> MiB" every 16 MiB. If malloc ever fails (the
// 4 GiB wasm32 ceiling, or a host memory cap) it prints "memhog: out of memory after <n> MiB"
// and exits 2.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHUNK (1024 * 1024)
#define TOUCH 4096

struct chunk {
  struct chunk *prev;  // keeps every chunk reachable so the allocations are not optimised out
};

struct chunk *volatile weft_memhog_head;

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  unsigned long mib = 0;
  for (;;) {
    volatile uint8_t *p = malloc(CHUNK);
    if (!p) {
      printf("memhog: out of memory after %lu MiB\n", mib);
      return 2;
    }
    for (size_t off = 0; off < CHUNK; off += TOUCH) p[off] = (uint8_t)(off >> 12);
    struct chunk *c = (struct chunk *)p;
    c->prev = weft_memhog_head;
    weft_memhog_head = c;
    mib++;
    if (mib % 16 == 0) printf("allocated %lu MiB\n", mib);
  }
}
