// Caps demo: a component using weft:app@0.2.0's kv, config and log over IPC commands, replying in JSON.
// Commands: set <key> <value> -> {"ok":true}; get <key> -> {"value":"…"|null}; del <key> -> {"ok":true};
// keys <prefix> -> {"keys":[…]}; config <name> -> {"value":"…"|null}; log <message> -> {"ok":true}
// (an info record with field source=caps); sched <name> <cron> -> {"next_run_ms":N} (UTC);
// unsched <name> -> {"ok":true}; a schedule-tick message from weft-appd counts in kv key "ticks"
// -> {"ticks":N}; quit exits 0. Host errors -> {"error":"…"}.
#include <stdlib.h>
#include <string.h>

#include "weft_app.h"
#include "weft_app_v2.h"

static void reply(wstr *out) {
  weft_send(out->ptr, out->len, NULL);
  wstr_free(out);
}

static void reply_error(weft_string *err) {
  wstr out;
  wstr_init(&out);
  wstr_append_cstr(&out, "{\"error\":\"");
  wstr_append_json(&out, err->ptr, err->len);
  wstr_append_cstr(&out, "\"}");
  weft_string_free(err);
  reply(&out);
}

static void reply_text(const char *text) {
  wstr out;
  wstr_init(&out);
  wstr_append_cstr(&out, text);
  reply(&out);
}

static void reply_value(int found, weft_string *value) {
  wstr out;
  wstr_init(&out);
  if (!found) {
    wstr_append_cstr(&out, "{\"value\":null}");
  } else {
    wstr_append_cstr(&out, "{\"value\":\"");
    wstr_append_json(&out, value->ptr, value->len);
    wstr_append_cstr(&out, "\"}");
    weft_string_free(value);
  }
  reply(&out);
}

// Splits "<word> <rest>": returns the rest (after one space) or NULL when the command is not `word`.
static const char *arg(const weft_string *msg, const char *word, size_t *rest_len) {
  size_t n = strlen(word);
  if (msg->len < n + 1 || memcmp(msg->ptr, word, n) != 0 || msg->ptr[n] != ' ') return NULL;
  *rest_len = msg->len - n - 1;
  return msg->ptr + n + 1;
}

static int handle(const weft_string *msg, void *ctx) {
  (void)ctx;
  weft_string err = {0}, value = {0};
  int found = 0;
  size_t len = 0;
  const char *rest;
  if ((rest = arg(msg, "set", &len))) {
    const char *space = memchr(rest, ' ', len);
    size_t key_len = space ? (size_t)(space - rest) : len;
    const char *data = space ? space + 1 : rest + len;
    if (weft_kv_set(rest, key_len, data, len - key_len - (space ? 1 : 0), &err) != 0) reply_error(&err);
    else reply_text("{\"ok\":true}");
  } else if ((rest = arg(msg, "get", &len))) {
    if (weft_kv_get(rest, len, &found, &value, &err) != 0) reply_error(&err);
    else reply_value(found, &value);
  } else if ((rest = arg(msg, "del", &len))) {
    if (weft_kv_delete(rest, len, &err) != 0) reply_error(&err);
    else reply_text("{\"ok\":true}");
  } else if ((rest = arg(msg, "keys", &len))) {
    wstr out;
    wstr_init(&out);
    wstr_append_cstr(&out, "{\"keys\":");
    if (weft_kv_list_json(rest, len, 100, &out, &err) != 0) {
      wstr_free(&out);
      reply_error(&err);
    } else {
      wstr_append_cstr(&out, "}");
      reply(&out);
    }
  } else if ((rest = arg(msg, "config", &len))) {
    if (weft_config_get(rest, len, &found, &value, &err) != 0) reply_error(&err);
    else reply_value(found, &value);
  } else if ((rest = arg(msg, "log", &len))) {
    char *text = malloc(len + 1);
    memcpy(text, rest, len);
    text[len] = 0;
    weft_log(2, text, "source", "caps");
    free(text);
    reply_text("{\"ok\":true}");
  } else if ((rest = arg(msg, "sched", &len))) {
    const char *space = memchr(rest, ' ', len);
    size_t name_len = space ? (size_t)(space - rest) : len;
    const char *cron = space ? space + 1 : rest + len;
    uint64_t next = 0;
    if (weft_schedule_create(rest, name_len, cron, len - name_len - (space ? 1 : 0), "UTC", &next, &err) != 0) {
      reply_error(&err);
    } else {
      wstr out;
      wstr_init(&out);
      wstr_append_cstr(&out, "{\"next_run_ms\":");
      wstr_append_u64(&out, next);
      wstr_append_cstr(&out, "}");
      reply(&out);
    }
  } else if ((rest = arg(msg, "unsched", &len))) {
    if (weft_schedule_delete(rest, len, &err) != 0) reply_error(&err);
    else reply_text("{\"ok\":true}");
  } else if (msg->len > 23 && memcmp(msg->ptr, "{\"type\":\"schedule-tick\"", 23) == 0) {
    long long ticks = 0;
    if (weft_kv_get("ticks", 5, &found, &value, &err) == 0 && found) {
      ticks = atoll(value.ptr);
      weft_string_free(&value);
    } else if (err.ptr) {
      weft_string_free(&err);
    }
    ticks++;
    wstr out;
    wstr_init(&out);
    wstr_append_i64(&out, ticks);
    weft_kv_set("ticks", 5, out.ptr, out.len, NULL);
    wstr_free(&out);
    weft_log(2, "schedule tick", "ticks", "counted");
    wstr_init(&out);
    wstr_append_cstr(&out, "{\"ticks\":");
    wstr_append_i64(&out, ticks);
    wstr_append_cstr(&out, "}");
    reply(&out);
  } else if (msg->len == 4 && memcmp(msg->ptr, "quit", 4) == 0) {
    return 1;
  } else {
    wstr out;
    wstr_init(&out);
    wstr_append_cstr(&out, "{\"error\":\"unknown command: ");
    wstr_append_json(&out, msg->ptr, msg->len);
    wstr_append_cstr(&out, "\"}");
    reply(&out);
  }
  return 0;
}

int main(void) {
  weft_serve(handle, NULL);
  return 0;
}
