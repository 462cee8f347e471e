// Counter demo: a component that keeps one integer and answers IPC commands with JSON.
// Commands: increment, decrement, reset, get -> {"count":N}; quit exits 0;
// anything else -> {"error":"unknown command: <cmd>"}.
#include <string.h>

#include "weft_app.h"

static void reply_count(long long count) {
  wstr out;
  wstr_init(&out);
  wstr_append_cstr(&out, "{\"count\":");
  wstr_append_i64(&out, count);
  wstr_append_cstr(&out, "}");
  weft_send(out.ptr, out.len, NULL);
  wstr_free(&out);
}

static void reply_unknown(const weft_string *cmd) {
  wstr out;
  wstr_init(&out);
  wstr_append_cstr(&out, "{\"error\":\"unknown command: ");
  wstr_append_json(&out, cmd->ptr, cmd->len);
  wstr_append_cstr(&out, "\"}");
  weft_send(out.ptr, out.len, NULL);
  wstr_free(&out);
}

static int is(const weft_string *msg, const char *word) {
  return msg->len == strlen(word) && memcmp(msg->ptr, word, msg->len) == 0;
}

static int handle(const weft_string *msg, void *ctx) {
  long long *count = ctx;
  if (is(msg, "increment")) {
    reply_count(++*count);
  } else if (is(msg, "decrement")) {
    reply_count(--*count);
  } else if (is(msg, "reset")) {
    *count = 0;
    reply_count(*count);
  } else if (is(msg, "get")) {
    reply_count(*count);
  } else if (is(msg, "quit")) {
    return 1;
  } else {
    reply_unknown(msg);
  }
  return 0;
}

int main(void) {
  long long count = 0;
  weft_serve(handle, &count);
  return 0;
}
