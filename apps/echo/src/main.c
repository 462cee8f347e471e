// Echo test app: answers every IPC message with the same payload, byte for byte (for IPC
// round-trip benchmarks). It has no quit command, so that every payload is echoed.
#include "weft_app.h"

int main(void) {
  weft_ready();
  for (;;) {
    weft_string msg;
    if (!weft_recv(&msg)) {
      weft_idle();
      continue;
    }
    weft_send(msg.ptr, msg.len, NULL);
    weft_string_free(&msg);
  }
}
