// Component importing weft:app/notifications and weft:app/clipboard through raw canonical-ABI imports; prints each result.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "weft_app.h"

// notify: func(title: string, body: string, icon: option<string>) -> result<_, string>
__attribute__((import_module("weft:app/notifications@0.1.0"), import_name("notify")))
extern void import_notify(const char *title, size_t title_len, const char *body, size_t body_len, int32_t icon_is_some,
                          const char *icon, size_t icon_len, uint8_t *ret);
// write: func(text: string) -> result<_, string>
__attribute__((import_module("weft:app/clipboard@0.1.0"), import_name("write")))
extern void import_clipboard_write(const char *text, size_t len, uint8_t *ret);
// read: func() -> result<string, string>
__attribute__((import_module("weft:app/clipboard@0.1.0"), import_name("read")))
extern void import_clipboard_read(uint8_t *ret);

static _Alignas(4) uint8_t ret[12];

static void report(const char *what) {
  uint32_t ptr, len;
  memcpy(&ptr, ret + 4, 4);
  memcpy(&len, ret + 8, 4);
  char line[512];
  int n = snprintf(line, sizeof line, "%s %s %.*s\n", what, ret[0] ? "err" : "ok", (int)len, (const char *)(uintptr_t)ptr);
  (void)!write(1, line, (size_t)n);
}

int main(void) {
  weft_ready();
  import_notify("Title", 5, "Body text", 9, 1, "dialog-information", 18, ret);
  if (ret[0] == 0) memset(ret + 4, 0, 8);
  report("NOTIFY");
  import_clipboard_write("copied text", 11, ret);
  if (ret[0] == 0) memset(ret + 4, 0, 8);
  report("CLIP-WRITE");
  import_clipboard_read(ret);
  report("CLIP-READ");
  return 0;
}
