// Hand-written canonical-ABI binding for weft:app@0.2.0's kv, config and log interfaces (what
// wit-bindgen would generate for C). Layouts are for wasm32: pointers and lengths are i32.
#ifndef WEFT_APP_V2_H
#define WEFT_APP_V2_H

#include <stddef.h>
#include <stdint.h>

#include "weft_app.h"

// kv.get: func(key: string) -> result<option<list<u8>>, string>
//   (key ptr, len, retptr); at retptr (16 bytes): u8 result disc @0 (0 ok, 1 err);
//   ok: u8 option disc @4, list ptr @8, len @12; err: string ptr @4, len @8.
__attribute__((import_module("weft:app/kv@0.2.0"), import_name("get")))
extern void __wasm_import_weft_kv_get(const uint8_t *key, size_t key_len, uint8_t *ret);
// kv.set: func(key: string, value: list<u8>) -> result<_, string>; at retptr: disc @0, err ptr @4, len @8.
__attribute__((import_module("weft:app/kv@0.2.0"), import_name("set")))
extern void __wasm_import_weft_kv_set(const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len, uint8_t *ret);
// kv.delete: func(key: string) -> result<_, string>
__attribute__((import_module("weft:app/kv@0.2.0"), import_name("delete")))
extern void __wasm_import_weft_kv_delete(const uint8_t *key, size_t key_len, uint8_t *ret);
// kv.list-keys: func(prefix: string, cursor: option<string>, limit: u32) -> result<key-page, string>
//   (prefix ptr, len, cursor disc, ptr, len, limit, retptr); at retptr (24 bytes): disc @0;
//   ok: keys ptr @4 len @8 (elements: string ptr, len), next-cursor disc @12 ptr @16 len @20.
__attribute__((import_module("weft:app/kv@0.2.0"), import_name("list-keys")))
extern void __wasm_import_weft_kv_list_keys(const uint8_t *prefix, size_t prefix_len, int32_t cursor_is_some, const uint8_t *cursor,
                                            size_t cursor_len, uint32_t limit, uint8_t *ret);
// config.get: func(name: string) -> result<option<string>, string>; layout as kv.get.
__attribute__((import_module("weft:app/config@0.2.0"), import_name("get")))
extern void __wasm_import_weft_config_get(const uint8_t *name, size_t name_len, uint8_t *ret);
// log.emit: func(level: level, message: string, fields: list<tuple<string, string>>)
//   level is the enum's index (trace 0 … error 4); fields elements are 16 bytes.
__attribute__((import_module("weft:app/log@0.2.0"), import_name("emit")))
extern void __wasm_import_weft_log_emit(int32_t level, const uint8_t *message, size_t message_len, const uint8_t *fields, size_t fields_len);

// schedule.create: func(name: string, cron: string, time-zone: string) -> result<schedule-info, string>
//   (6 flat params + retptr); at retptr (40 bytes, align 8): disc @0; ok: record at @8:
//   name ptr @8 len @12, cron @16 @20, time-zone @24 @28, next-run-ms u64 @32; err: string @8, @12.
__attribute__((import_module("weft:app/schedule@0.2.0"), import_name("create")))
extern void __wasm_import_weft_schedule_create(const uint8_t *name, size_t name_len, const uint8_t *cron, size_t cron_len, const uint8_t *tz,
                                               size_t tz_len, uint8_t *ret);
// schedule.delete: func(name: string) -> result<_, string>
__attribute__((import_module("weft:app/schedule@0.2.0"), import_name("delete")))
extern void __wasm_import_weft_schedule_delete(const uint8_t *name, size_t name_len, uint8_t *ret);

// Each returns 0 on success; -1 with the host's error text in *err (caller frees) on failure.
// get: *found is 0 when the key (or variable) has no value; else *value is malloc'd.
int weft_kv_get(const char *key, size_t key_len, int *found, weft_string *value, weft_string *err);
int weft_kv_set(const char *key, size_t key_len, const void *value, size_t value_len, weft_string *err);
int weft_kv_delete(const char *key, size_t key_len, weft_string *err);
// Appends each key starting with prefix (up to limit) to out as a JSON array of strings.
int weft_kv_list_json(const char *prefix, size_t prefix_len, uint32_t limit, wstr *out, weft_string *err);
int weft_config_get(const char *name, size_t name_len, int *found, weft_string *value, weft_string *err);
// Creates or replaces a schedule; *next_run_ms is its next run (ms since the epoch).
int weft_schedule_create(const char *name, size_t name_len, const char *cron, size_t cron_len, const char *tz, uint64_t *next_run_ms, weft_string *err);
int weft_schedule_delete(const char *name, size_t name_len, weft_string *err);
// One field: key and value as NUL-terminated text.
void weft_log(int level, const char *message, const char *field_key, const char *field_value);

#endif
