// Implementation of weft_app.h: canonical-ABI glue for weft:app/notify and weft:app/ipc,
// cabi_realloc (exported exactly as wit-bindgen's C generator does), and helpers.
#include "weft_app.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// With the preview1 adapter, a component that exports cabi_realloc loses its first buffered stdout
// chunk if the adapter initialises inside that write: the adapter's lazy start-up (its descriptor
// table, on the first fd call) allocates through cabi_realloc, and wasm-ld wraps every export of
// this (old-style) command in cabi_realloc.command_export, which runs __wasm_call_dtors, i.e.
// musl's __stdio_exit, after each call: stdout is flushed re-entrantly in the middle of its own
// write and the buffered bytes are dropped. One cheap WASI call made before anything is buffered
// (isatty -> fd_fdstat_get) initialises the adapter first. It cannot live in a constructor: the
// adapter runs constructors from inside its own start-up (allocate_stack calls cabi_realloc, whose
// wrapper calls __wasm_call_ctors), before it can serve any WASI call. So every weft_* entry
// point calls it, and an app that prints before its first weft_* call calls weft_app_start().
// The reference is weak: every wasi-libc preview1 wrapper lives in one object file, so it is
// defined in any app that makes a preview1 call at all, and stays undefined (null, no import) in
// a build with none (wasip2-shaped), which has no adapter to initialise.
#pragma weak isatty
void weft_app_start(void) {
  static int started;
  if (started) return;
  started = 1;
  if (isatty) (void)isatty(1);
}

// The host calls this to allocate memory for values it hands to us (strings, lists).
// Same signature, linkage and semantics as wit-bindgen's generated cabi_realloc.
__attribute__((__weak__, __export_name__("cabi_realloc")))
void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size) {
  (void)old_size;
  if (new_size == 0) return (void *)align;
  void *ret = realloc(ptr, new_size);
  if (!ret) abort();
  return ret;
}

// Return areas: 12 bytes, 4-aligned (u8 discriminant, pad, i32 ptr, i32 len).
typedef struct {
  _Alignas(4) uint8_t bytes[12];
} ret_area12;

static uint32_t load_u32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

// Takes ownership of a host-allocated (ptr, len) buffer and NUL-terminates it.
static weft_string adopt(uint32_t ptr, uint32_t len) {
  weft_string s;
  char *p = (char *)(uintptr_t)ptr;
  if (len == 0) p = NULL;  // zero-size allocations are not real (cabi_realloc returned align)
  p = realloc(p, (size_t)len + 1);
  if (!p) abort();
  p[len] = '\0';
  s.ptr = p;
  s.len = len;
  return s;
}

void weft_ready(void) {
  weft_app_start();
  __wasm_import_weft_notify_ready();
}

int weft_send(const char *data, size_t len, weft_string *err) {
  weft_app_start();
  ret_area12 ret;
  __wasm_import_weft_ipc_send((const uint8_t *)data, len, ret.bytes);
  if (ret.bytes[0] == 0) return 0;
  weft_string e = adopt(load_u32(ret.bytes + 4), load_u32(ret.bytes + 8));
  if (err)
    *err = e;
  else
    weft_string_free(&e);
  return -1;
}

int weft_send_str(const char *text) { return weft_send(text, strlen(text), NULL); }

static unsigned empty_polls;

unsigned weft_idle_ms(void) {
  if (empty_polls < WEFT_IDLE_FAST_POLLS) {
    empty_polls++;
    return WEFT_IDLE_FAST_MS;
  }
  return WEFT_IDLE_SLOW_MS;
}

void weft_idle(void) { weft_sleep_ms(weft_idle_ms()); }

int weft_recv(weft_string *msg) {
  weft_app_start();
  ret_area12 ret;
  __wasm_import_weft_ipc_recv(ret.bytes);
  if (ret.bytes[0] == 0) return 0;
  empty_polls = 0;
  *msg = adopt(load_u32(ret.bytes + 4), load_u32(ret.bytes + 8));
  return 1;
}

int weft_serve(weft_handler handler, void *ctx) {
  weft_ready();
  for (;;) {
    weft_string msg;
    if (!weft_recv(&msg)) {
      weft_idle();
      continue;
    }
    int stop = handler(&msg, ctx);
    weft_string_free(&msg);
    if (stop) return stop;
  }
}

int weft_fetch(const char *url, size_t url_len, const char *method, const void *body, size_t body_len,
               weft_response *resp, weft_string *err) {
  weft_app_start();
  struct {
    _Alignas(4) uint8_t bytes[24];
  } ret;
  static const uint32_t no_headers[1] = {0};  // any aligned pointer will do for an empty list
  __wasm_import_weft_fetch_fetch((const uint8_t *)url, url_len, (const uint8_t *)method,
                                 strlen(method), (const uint8_t *)no_headers, 0, body != NULL,
                                 (const uint8_t *)body, body ? body_len : 0, ret.bytes);
  if (ret.bytes[0] != 0) {
    *err = adopt(load_u32(ret.bytes + 4), load_u32(ret.bytes + 8));
    return -1;
  }
  uint16_t status;
  memcpy(&status, ret.bytes + 4, 2);
  resp->status = status;
  resp->content_type = adopt(load_u32(ret.bytes + 8), load_u32(ret.bytes + 12));
  resp->body = adopt(load_u32(ret.bytes + 16), load_u32(ret.bytes + 20));
  return 0;
}

void weft_response_free(weft_response *resp) {
  weft_string_free(&resp->content_type);
  weft_string_free(&resp->body);
}

void weft_string_free(weft_string *s) {
  free(s->ptr);
  s->ptr = NULL;
  s->len = 0;
}

void weft_sleep_ms(unsigned ms) {
  weft_app_start();
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

// ---- wstr -------------------------------------------------------------------------------------

void wstr_init(wstr *s) {
  s->ptr = NULL;
  s->len = 0;
  s->cap = 0;
}

void wstr_free(wstr *s) {
  free(s->ptr);
  wstr_init(s);
}

static void wstr_reserve(wstr *s, size_t extra) {
  if (s->len + extra + 1 <= s->cap) return;
  size_t cap = s->cap ? s->cap : 64;
  while (cap < s->len + extra + 1) cap *= 2;
  char *p = realloc(s->ptr, cap);
  if (!p) abort();
  s->ptr = p;
  s->cap = cap;
}

void wstr_append(wstr *s, const void *data, size_t len) {
  wstr_reserve(s, len);
  if (len) memcpy(s->ptr + s->len, data, len);
  s->len += len;
  s->ptr[s->len] = '\0';
}

void wstr_append_cstr(wstr *s, const char *text) { wstr_append(s, text, strlen(text)); }

void wstr_append_u64(wstr *s, uint64_t v) {
  char buf[24];
  size_t i = sizeof buf;
  do {
    buf[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  wstr_append(s, buf + i, sizeof buf - i);
}

void wstr_append_i64(wstr *s, int64_t v) {
  if (v < 0) {
    wstr_append(s, "-", 1);
    wstr_append_u64(s, (uint64_t)0 - (uint64_t)v);
  } else {
    wstr_append_u64(s, (uint64_t)v);
  }
}

// Length of the valid UTF-8 sequence starting at p (1..4), or 0 if it is invalid.
static size_t utf8_seq(const uint8_t *p, size_t avail) {
  uint8_t c = p[0];
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (avail < n) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
  return n;
}

void wstr_append_json(wstr *s, const void *data, size_t len) {
  static const char hex[] = "0123456789abcdef";
  const uint8_t *p = data;
  size_t i = 0;
  while (i < len) {
    uint8_t c = p[i];
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', (char)c};
      wstr_append(s, esc, 2);
      i++;
    } else if (c < 0x20 || c == 0x7F) {
      switch (c) {
        case '\n': wstr_append(s, "\\n", 2); break;
        case '\r': wstr_append(s, "\\r", 2); break;
        case '\t': wstr_append(s, "\\t", 2); break;
        case '\b': wstr_append(s, "\\b", 2); break;
        case '\f': wstr_append(s, "\\f", 2); break;
        default: {
          char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
          wstr_append(s, esc, 6);
        }
      }
      i++;
    } else if (c < 0x80) {
      wstr_append(s, &p[i], 1);
      i++;
    } else {
      size_t n = utf8_seq(p + i, len - i);
      if (n == 0) {
        wstr_append(s, "\\ufffd", 6);
        i++;
      } else {
        wstr_append(s, p + i, n);
        i += n;
      }
    }
  }
}

size_t utf8_prefix(const uint8_t *data, size_t len, size_t max) {
  if (len <= max) return len;
  size_t n = max;
  // Back off over continuation bytes so a multi-byte sequence is not cut in half.
  size_t back = 0;
  while (n > 0 && back < 3 && (data[n] & 0xC0) == 0x80) {
    n--;
    back++;
  }
  return n;
}
