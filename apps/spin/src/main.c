// Spin test app (preview1 command): prints one line, then burns CPU forever in a busy loop on
// a volatile counter (for CPU-limit tests).
#include <stdint.h>
#include <stdio.h>

volatile uint64_t weft_spin_counter;

int main(void) {
  puts("spin: burning CPU");
  fflush(stdout);
  for (;;) weft_spin_counter++;
}
