// Hang test app (preview1 command): prints one line, then sleeps 100 ms at a time forever,
// printing nothing more (for terminate/stop tests).
#include <stdio.h>
#include <time.h>

int main(void) {
  puts("hang: sleeping forever");
  fflush(stdout);
  const struct timespec tick = {.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};
  for (;;) nanosleep(&tick, NULL);
}
