// Hand-written canonical-ABI binding for the weft:app@0.1.0 host interfaces (what wit-bindgen
// would generate for C), plus small helpers shared by the component apps: a growable string,
// JSON string escaping and a millisecond sleep. See docs/architecture/apps.md for the layouts.
#ifndef WEFT_APP_H
#define WEFT_APP_H

#include <stddef.h>
#include <stdint.h>

// ---- raw imports (canonical ABI, wasm32: pointers and lengths are i32) ----------------------

// weft:app/notify@0.1.0  ready: func()
__attribute__((import_module("weft:app/notify@0.1.0"), import_name("ready")))
extern void __wasm_import_weft_notify_ready(void);

// weft:app/ipc@0.1.0  send: func(payload: string) -> result<_, string>
//   flat params (ptr, len) + retptr; at retptr: u8 discriminant @0 (0 ok, 1 err),
//   err string ptr @4, len @8 (12 bytes, align 4).
__attribute__((import_module("weft:app/ipc@0.1.0"), import_name("send")))
extern void __wasm_import_weft_ipc_send(const uint8_t *ptr, size_t len, uint8_t *ret);

// weft:app/ipc@0.1.0  recv: func() -> option<string>
//   retptr only; at retptr: u8 discriminant @0 (0 none, 1 some), string ptr @4, len @8.
__attribute__((import_module("weft:app/ipc@0.1.0"), import_name("recv")))
extern void __wasm_import_weft_ipc_recv(uint8_t *ret);

// weft:app/fetch@0.1.0
//   fetch: func(url: string, method: string, headers: list<tuple<string, string>>,
//               body: option<list<u8>>) -> result<response, string>
//   record response { status: u16, content-type: string, body: list<u8> }
//   9 flat params: url ptr,len; method ptr,len; headers ptr,len (elements are 16 bytes:
//   name ptr,len, value ptr,len); body disc (0 none, 1 some), ptr, len; then retptr.
//   At retptr (24 bytes, align 4): u8 discriminant @0 (0 ok, 1 err);
//   ok: status u16 @4, content-type ptr @8 len @12, body ptr @16 len @20;
//   err: string ptr @4 len @8.
__attribute__((import_module("weft:app/fetch@0.1.0"), import_name("fetch")))
extern void __wasm_import_weft_fetch_fetch(const uint8_t *url, size_t url_len,
                                           const uint8_t *method, size_t method_len,
                                           const uint8_t *headers, size_t headers_len,
                                           int32_t body_is_some, const uint8_t *body,
                                           size_t body_len, uint8_t *ret);

// ---- friendly wrappers ----------------------------------------------------------------------

// A byte string owned by the caller (malloc'd, NUL-terminated for convenience).
typedef struct {
  char *ptr;
  size_t len;
} weft_string;

// Initialises the preview1 adapter with one cheap WASI call (isatty(1)), once. Every weft_*
// function below calls it first; call it yourself before printing if your app may print before
// its first weft_* call: otherwise the adapter initialises inside the first stdout write and that
// write's buffered bytes are lost (see weft_app.c).
void weft_app_start(void);
void weft_ready(void);
// Sends one message. Returns 0 on success; on failure returns -1 and, if err is non-NULL,
// stores the host's error text in *err (caller frees err->ptr).
int weft_send(const char *data, size_t len, weft_string *err);
int weft_send_str(const char *text);
// The next message, or 0 if none is waiting (never blocks). Caller frees msg->ptr.
int weft_recv(weft_string *msg);
void weft_string_free(weft_string *s);
void weft_sleep_ms(unsigned ms);

// Idle policy for the recv() loop. After an empty recv() the apps sleep WEFT_IDLE_FAST_MS (1 ms);
// after WEFT_IDLE_FAST_POLLS empty polls in a row (~0.1-0.2 s without a message) they sleep
// WEFT_IDLE_SLOW_MS instead, until the next message arrives. Under weft-runtime a message's
// arrival ends any sleep of up to 50 ms at once, so the sleep length only sets how often an idle
// app wakes (20 times a second here); under hosts without that wake-up it bounds the latency of
// the first message after a quiet spell. (preview2-shim, jco's WASI host for Node, also waits out
// any timer shorter than 10 ms by spinning in its I/O worker, which the short fast phase keeps
// brief.)
#define WEFT_IDLE_FAST_MS 1u
#define WEFT_IDLE_SLOW_MS 50u
#define WEFT_IDLE_FAST_POLLS 100u
// How long to sleep after an empty recv() (counts the empty polls; weft_recv resets the count).
unsigned weft_idle_ms(void);
// weft_sleep_ms(weft_idle_ms()).
void weft_idle(void);

// Handles one message (freed after it returns); returns 0 to keep serving, nonzero to stop.
typedef int (*weft_handler)(const weft_string *msg, void *ctx);
// The apps' main loop: weft_ready(), then handler(msg, ctx) per message (weft_idle() if none)
// until it returns nonzero; returns that value.
int weft_serve(weft_handler handler, void *ctx);

typedef struct {
  uint16_t status;
  weft_string content_type;
  weft_string body;
} weft_response;

// Fetch without request headers; body may be NULL (none). Returns 0 and fills *resp, or -1
// and fills *err. Caller frees the strings (weft_response_free / weft_string_free).
int weft_fetch(const char *url, size_t url_len, const char *method, const void *body, size_t body_len,
               weft_response *resp, weft_string *err);
void weft_response_free(weft_response *resp);

// ---- growable string ------------------------------------------------------------------------
typedef struct {
  char *ptr;
  size_t len;
  size_t cap;
} wstr;

void wstr_init(wstr *s);
void wstr_free(wstr *s);
void wstr_append(wstr *s, const void *data, size_t len);
void wstr_append_cstr(wstr *s, const char *text);
void wstr_append_u64(wstr *s, uint64_t v);
void wstr_append_i64(wstr *s, int64_t v);
// Appends `data` as the inside of a JSON string: escapes '"', '\\' and control characters, and
// replaces invalid UTF-8 with U+FFFD so the result is always valid UTF-8 (a component string
// must be).
void wstr_append_json(wstr *s, const void *data, size_t len);

// Longest prefix of data (at most max bytes) that does not end in a cut UTF-8 sequence.
size_t utf8_prefix(const uint8_t *data, size_t len, size_t max);

#endif
