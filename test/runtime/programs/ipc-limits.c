// Component importing weft:app/ipc: probes send()'s limits (size cap, newlines) and prints what it got back.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft_app.h"

// Unbuffered output (see ready-order.c for why these test programs avoid stdio buffering).
static void say(const char *text) { (void)!write(1, text, strlen(text)); }

static void try_send(const char *label, const char *data, size_t len) {
  weft_string err = {0};
  char line[256];
  if (weft_send(data, len, &err) == 0) {
    snprintf(line, sizeof line, "SEND %s ok\n", label);
  } else {
    snprintf(line, sizeof line, "SEND %s err %s\n", label, err.ptr);
    weft_string_free(&err);
  }
  say(line);
}

int main(void) {
  weft_ready();
  size_t cap = 1024 * 1024;
  char *big = malloc(cap + 1);
  memset(big, 'a', cap + 1);
  try_send("over-cap", big, cap + 1);
  try_send("at-cap", big, cap);
  try_send("newline", "a\nb", 3);
  try_send("small", "done", 4);
  free(big);
  return 0;
}
