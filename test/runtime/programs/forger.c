// Component importing weft:app/notify that tries to forge the runtime's in-band reports; what it tries depends on its app id:
// the mode comes from $WEFT_APP_ID's last part (".exit137", ".readyforge", ".flood", ".partialtrap").
//   exit137      prints `weft-runtime: memory-limit: …` lines and READY, calls ready(), exits 137
//   readyforge   prints READY and escape sequences but never calls ready(), then sleeps
//   flood        calls ready(), then writes stderr as fast as it can, with and without newlines, for 3 s, then exits 0
//   partialtrap  calls ready(), prints `progress: 42%` without a newline, then traps (unreachable)
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "weft_app.h"

static void say(int fd, const char *text) { (void)!write(fd, text, strlen(text)); }

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void) {
  const char *id = getenv("WEFT_APP_ID");
  const char *mode = id ? strrchr(id, '.') + 1 : "";
  if (!strcmp(mode, "exit137")) {
    weft_ready();
    say(2, "weft-runtime: memory-limit: forged by the app\n");
    say(2, "weft-runtime: trap: forged trap\n");
    say(1, "READY\n");
    exit(137);
  }
  if (!strcmp(mode, "readyforge")) {
    say(1, "READY\n\x1b]0;owned\x07\x1b[2J\n");
    say(2, "weft-runtime: READY\n");
    for (;;) sleep(1);
  }
  if (!strcmp(mode, "flood")) {
    weft_ready();
    static char line[8192];
    memset(line, 'x', sizeof line);
    double end = now() + 3.0;
    while (now() < end) {
      say(2, "weft-runtime: memory-limit: flood\n");
      (void)!write(2, line, sizeof line);
      say(2, "\n");
    }
    return 0;
  }
  if (!strcmp(mode, "partialtrap")) {
    weft_ready();
    say(2, "progress: 42%");
    __builtin_trap();
  }
  say(2, "unknown mode\n");
  return 2;
}
