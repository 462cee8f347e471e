// weft:app@0.2.0 wrappers for the caps demo: copy results out of the host's cabi_realloc buffers into NUL-terminated strings.
#include "weft_app_v2.h"

#include <stdlib.h>
#include <string.h>

static uint32_t u32_at(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

// Takes ownership of a host-allocated (ptr, len) and makes it a NUL-terminated weft_string.
static void take(weft_string *out, uint32_t ptr, uint32_t len) {
  char *copy = malloc(len + 1);
  memcpy(copy, (const void *)(uintptr_t)ptr, len);
  copy[len] = 0;
  free((void *)(uintptr_t)ptr);
  out->ptr = copy;
  out->len = len;
}

static int unit_result(const uint8_t *ret, weft_string *err) {
  if (ret[0] == 0) return 0;
  if (err) take(err, u32_at(ret + 4), u32_at(ret + 8));
  else free((void *)(uintptr_t)u32_at(ret + 4));
  return -1;
}

static int option_result(const uint8_t *ret, int *found, weft_string *value, weft_string *err) {
  if (ret[0] != 0) return unit_result(ret, err);
  *found = ret[4] != 0;
  if (*found) take(value, u32_at(ret + 8), u32_at(ret + 12));
  return 0;
}

int weft_kv_get(const char *key, size_t key_len, int *found, weft_string *value, weft_string *err) {
  _Alignas(4) uint8_t ret[16];
  __wasm_import_weft_kv_get((const uint8_t *)key, key_len, ret);
  return option_result(ret, found, value, err);
}

int weft_kv_set(const char *key, size_t key_len, const void *value, size_t value_len, weft_string *err) {
  _Alignas(4) uint8_t ret[12];
  __wasm_import_weft_kv_set((const uint8_t *)key, key_len, value, value_len, ret);
  return unit_result(ret, err);
}

int weft_kv_delete(const char *key, size_t key_len, weft_string *err) {
  _Alignas(4) uint8_t ret[12];
  __wasm_import_weft_kv_delete((const uint8_t *)key, key_len, ret);
  return unit_result(ret, err);
}

int weft_kv_list_json(const char *prefix, size_t prefix_len, uint32_t limit, wstr *out, weft_string *err) {
  _Alignas(4) uint8_t ret[24];
  __wasm_import_weft_kv_list_keys((const uint8_t *)prefix, prefix_len, 0, NULL, 0, limit, ret);
  if (ret[0] != 0) return unit_result(ret, err);
  const uint8_t *keys = (const uint8_t *)(uintptr_t)u32_at(ret + 4);
  uint32_t count = u32_at(ret + 8);
  wstr_append_cstr(out, "[");
  for (uint32_t i = 0; i < count; i++) {
    void *ptr = (void *)(uintptr_t)u32_at(keys + 8 * i);
    if (i > 0) wstr_append_cstr(out, ",");
    wstr_append_cstr(out, "\"");
    wstr_append_json(out, ptr, u32_at(keys + 8 * i + 4));
    wstr_append_cstr(out, "\"");
    free(ptr);
  }
  wstr_append_cstr(out, "]");
  free((void *)keys);
  if (ret[12] != 0) free((void *)(uintptr_t)u32_at(ret + 16));
  return 0;
}

int weft_config_get(const char *name, size_t name_len, int *found, weft_string *value, weft_string *err) {
  _Alignas(4) uint8_t ret[16];
  __wasm_import_weft_config_get((const uint8_t *)name, name_len, ret);
  return option_result(ret, found, value, err);
}

void weft_log(int level, const char *message, const char *field_key, const char *field_value) {
  uint32_t field[4] = {(uint32_t)(uintptr_t)field_key, (uint32_t)strlen(field_key), (uint32_t)(uintptr_t)field_value, (uint32_t)strlen(field_value)};
  __wasm_import_weft_log_emit(level, (const uint8_t *)message, strlen(message), (const uint8_t *)field, 1);
}

int weft_schedule_create(const char *name, size_t name_len, const char *cron, size_t cron_len, const char *tz, uint64_t *next_run_ms, weft_string *err) {
  _Alignas(8) uint8_t ret[40];
  __wasm_import_weft_schedule_create((const uint8_t *)name, name_len, (const uint8_t *)cron, cron_len, (const uint8_t *)tz, strlen(tz), ret);
  if (ret[0] != 0) {
    if (err) take(err, u32_at(ret + 8), u32_at(ret + 12));
    return -1;
  }
  for (int i = 0; i < 3; i++) free((void *)(uintptr_t)u32_at(ret + 8 + 8 * i));
  memcpy(next_run_ms, ret + 32, 8);
  return 0;
}

int weft_schedule_delete(const char *name, size_t name_len, weft_string *err) {
  _Alignas(4) uint8_t ret[12];
  __wasm_import_weft_schedule_delete((const uint8_t *)name, name_len, ret);
  return unit_result(ret, err);
}
