// Component importing weft:app/notify: writes before and after calling ready(), so tests can check where READY lands.
// Uses write(2), not stdio: with the preview1 adapter, a component exporting cabi_realloc loses the first buffered stdout
// chunk when the adapter initialises inside that write (upstream; reproduced with the stock WASIShim too).
#include <unistd.h>

#include "weft_app.h"

int main(void) {
  (void)!write(1, "before-ready\n", 13);
  weft_ready();
  (void)!write(1, "after-ready\n", 12);
  return 0;
}
