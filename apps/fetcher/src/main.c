// Fetcher test app (needs net:fetch:<host>): every IPC message is a URL; the app GETs it through
// weft:app/fetch and answers {"status":N,"body":"<first 200 bytes as text>"} or {"error":"..."}.
#include <string.h>

#include "weft_app.h"

#define BODY_PREVIEW 200

static int handle(const weft_string *url, void *ctx) {
  (void)ctx;
  weft_response resp;
  weft_string err;
  wstr out;
  wstr_init(&out);
  if (weft_fetch(url->ptr, url->len, "GET", NULL, 0, &resp, &err) == 0) {
    size_t n = utf8_prefix((const uint8_t *)resp.body.ptr, resp.body.len, BODY_PREVIEW);
    wstr_append_cstr(&out, "{\"status\":");
    wstr_append_u64(&out, resp.status);
    wstr_append_cstr(&out, ",\"body\":\"");
    wstr_append_json(&out, resp.body.ptr, n);
    wstr_append_cstr(&out, "\"}");
    weft_response_free(&resp);
  } else {
    wstr_append_cstr(&out, "{\"error\":\"");
    wstr_append_json(&out, err.ptr, err.len);
    wstr_append_cstr(&out, "\"}");
    weft_string_free(&err);
  }
  weft_send(out.ptr, out.len, NULL);
  wstr_free(&out);
  return 0;
}

int main(void) { return weft_serve(handle, NULL); }
