// Notes demo: keeps one text note in /data/notes.txt (needs fs:rw:app-data).
// Commands: load -> {"text":"<file contents or empty>"}; save:<text> -> writes the file
// (temp file + rename) and answers {"text":"<text>"}; quit exits 0; errors -> {"error":"..."}.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft_app.h"

#define NOTES_PATH "/data/notes.txt"
#define NOTES_TMP "/data/notes.txt.tmp"

static void reply_text(const char *text, size_t len) {
  wstr out;
  wstr_init(&out);
  wstr_append_cstr(&out, "{\"text\":\"");
  wstr_append_json(&out, text, len);
  wstr_append_cstr(&out, "\"}");
  weft_send(out.ptr, out.len, NULL);
  wstr_free(&out);
}

static void reply_error(const char *what, const char *detail, size_t detail_len) {
  wstr out;
  wstr_init(&out);
  wstr_append_cstr(&out, "{\"error\":\"");
  wstr_append_json(&out, what, strlen(what));
  wstr_append_json(&out, detail, detail_len);
  wstr_append_cstr(&out, "\"}");
  weft_send(out.ptr, out.len, NULL);
  wstr_free(&out);
}

static void reply_errno(const char *what, int err) {
  const char *text = strerror(err);
  reply_error(what, text, strlen(text));
}

static void do_load(void) {
  FILE *f = fopen(NOTES_PATH, "rb");
  if (!f) {
    if (errno == ENOENT) {
      reply_text("", 0);
    } else {
      reply_errno("load: ", errno);
    }
    return;
  }
  wstr text;
  wstr_init(&text);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) wstr_append(&text, buf, n);
  int failed = ferror(f);
  int err = errno;
  fclose(f);
  if (failed)
    reply_errno("load: ", err);
  else
    reply_text(text.ptr ? text.ptr : "", text.len);
  wstr_free(&text);
}

static void do_save(const char *text, size_t len) {
  FILE *f = fopen(NOTES_TMP, "wb");
  if (!f) {
    reply_errno("save: ", errno);
    return;
  }
  size_t written = len ? fwrite(text, 1, len, f) : 0;
  int err = errno;
  if (written != len) {
    fclose(f);
    remove(NOTES_TMP);
    reply_errno("save: ", err);
    return;
  }
  if (fclose(f) != 0) {
    err = errno;
    remove(NOTES_TMP);
    reply_errno("save: ", err);
    return;
  }
  if (rename(NOTES_TMP, NOTES_PATH) != 0) {
    err = errno;
    remove(NOTES_TMP);
    reply_errno("save: ", err);
    return;
  }
  reply_text(text, len);
}

static int handle(const weft_string *msg, void *ctx) {
  (void)ctx;
  if (msg->len == 4 && memcmp(msg->ptr, "load", 4) == 0) {
    do_load();
  } else if (msg->len >= 5 && memcmp(msg->ptr, "save:", 5) == 0) {
    do_save(msg->ptr + 5, msg->len - 5);
  } else if (msg->len == 4 && memcmp(msg->ptr, "quit", 4) == 0) {
    return 1;
  } else {
    reply_error("unknown command: ", msg->ptr, msg->len);
  }
  return 0;
}

int main(void) {
  weft_serve(handle, NULL);
  return 0;
}
