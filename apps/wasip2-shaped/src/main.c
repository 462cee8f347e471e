// wasip2-shaped test app: shaped like a wit-bindgen build for wasm32-wasip2, not like a wrapped
// preview1 command. It has no preview1 imports and no _start (linked with -nostartfiles, so no
// adapter is involved), exports wasi:cli/run@0.2.0#run and cabi_realloc itself, and imports
// WASI directly at two different older 0.2.x versions: wasi:cli/environment@0.2.0,
// wasi:clocks/monotonic-clock@0.2.3 and wasi:io/poll@0.2.3 (its idle sleep).
// Commands: ping -> pong; args -> {"args":[...]}; quit exits 0; else {"error":"unknown command: ..."}.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weft_app.h"

// wasi:cli/environment@0.2.0  get-arguments: func() -> list<string>
//   retptr only; at retptr: list ptr @0, len @4; each element is a string (ptr @0, len @4).
__attribute__((import_module("wasi:cli/environment@0.2.0"), import_name("get-arguments")))
extern void __wasm_import_environment_get_arguments(uint8_t *ret);

// wasi:clocks/monotonic-clock@0.2.3  subscribe-duration: func(when: u64) -> pollable
//   u64 -> i64 param; own<pollable> -> i32 handle result.
__attribute__((import_module("wasi:clocks/monotonic-clock@0.2.3"),
               import_name("subscribe-duration")))
extern int32_t __wasm_import_monotonic_clock_subscribe_duration(int64_t when);

// wasi:io/poll@0.2.3  [method]pollable.block: func(self: borrow<pollable>)
__attribute__((import_module("wasi:io/poll@0.2.3"), import_name("[method]pollable.block")))
extern void __wasm_import_poll_pollable_block(int32_t self);

// wasi:io/poll@0.2.3  [resource-drop]pollable
__attribute__((import_module("wasi:io/poll@0.2.3"), import_name("[resource-drop]pollable")))
extern void __wasm_import_poll_pollable_drop(int32_t self);

static void sleep_ms_direct(uint64_t ms) {
  int32_t pollable = __wasm_import_monotonic_clock_subscribe_duration((int64_t)(ms * 1000000u));
  __wasm_import_poll_pollable_block(pollable);
  __wasm_import_poll_pollable_drop(pollable);
}

static void reply_args(void) {
  struct {
    _Alignas(4) uint8_t bytes[8];
  } ret;
  __wasm_import_environment_get_arguments(ret.bytes);
  uint32_t list_ptr, list_len;
  memcpy(&list_ptr, ret.bytes, 4);
  memcpy(&list_len, ret.bytes + 4, 4);
  const uint8_t *elems = (const uint8_t *)(uintptr_t)list_ptr;
  wstr out;
  wstr_init(&out);
  wstr_append_cstr(&out, "{\"args\":[");
  for (uint32_t i = 0; i < list_len; i++) {
    uint32_t p, n;
    memcpy(&p, elems + 8 * i, 4);
    memcpy(&n, elems + 8 * i + 4, 4);
    if (i) wstr_append_cstr(&out, ",");
    wstr_append_cstr(&out, "\"");
    wstr_append_json(&out, (const void *)(uintptr_t)p, n);
    wstr_append_cstr(&out, "\"");
    if (n) free((void *)(uintptr_t)p);  // host-allocated through cabi_realloc
  }
  if (list_len) free((void *)(uintptr_t)list_ptr);
  wstr_append_cstr(&out, "]}");
  weft_send(out.ptr, out.len, NULL);
  wstr_free(&out);
}

extern void __wasm_call_ctors(void);

// wasi:cli/run@0.2.0  run: func() -> result   (flat result: i32, 0 ok / 1 err)
__attribute__((__export_name__("wasi:cli/run@0.2.0#run")))
int32_t wasi_cli_run(void) {
  __wasm_call_ctors();
  weft_ready();
  for (;;) {
    weft_string msg;
    if (!weft_recv(&msg)) {
      sleep_ms_direct(weft_idle_ms());
      continue;
    }
    int quit = 0;
    if (msg.len == 4 && memcmp(msg.ptr, "ping", 4) == 0) {
      weft_send_str("pong");
    } else if (msg.len == 4 && memcmp(msg.ptr, "args", 4) == 0) {
      reply_args();
    } else if (msg.len == 4 && memcmp(msg.ptr, "quit", 4) == 0) {
      quit = 1;
    } else {
      wstr out;
      wstr_init(&out);
      wstr_append_cstr(&out, "{\"error\":\"unknown command: ");
      wstr_append_json(&out, msg.ptr, msg.len);
      wstr_append_cstr(&out, "\"}");
      weft_send(out.ptr, out.len, NULL);
      wstr_free(&out);
    }
    weft_string_free(&msg);
    if (quit) return 0;  // ok
  }
}
