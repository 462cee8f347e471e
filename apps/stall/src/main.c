// Stall test app: imports weft:app/notify but never calls ready(), then sleeps forever,
// so the supervisor's READY timeout fires (its wapp.toml sets ready_timeout_ms = 1500).
#include "weft_app.h"

// Never true at run time; keeps the ready() import in the binary (an import that is never
// referenced is dropped by the linker, and then the component would not import notify at all).
volatile int weft_stall_call_ready = 0;

int main(void) {
  for (;;) {
    if (weft_stall_call_ready) weft_ready();
    weft_sleep_ms(100);
  }
}
