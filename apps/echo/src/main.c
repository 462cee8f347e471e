// Echo test app: answers every IPC message with the same payload, byte for byte (for IPC
// round-trip benchmarks). It has no quit command, so that every payload is echoed.
#include "weft_app.h"

static int handle(const weft_string *msg, void *ctx) {
  (void)ctx;
  weft_send(msg->ptr, msg->len, NULL);
  return 0;
}

int main(void) { return weft_serve(handle, NULL); }
