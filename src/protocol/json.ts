// The JSON text encoding of the message set (WebSocket frames): the same messages and field names as the MessagePack one in messages.ts.
import { ErrorCode, parseRequest, type EventMessage, type ParsedRequest, type Response } from './messages.js';

/**
 * Reads one JSON text frame as a request. Only the map form exists in JSON (WEFT's serde_json
 * writes structs as objects); unknown fields are ignored, as WEFT's parser does.
 */
export function parseJsonRequest(text: string): ParsedRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, code: ErrorCode.badRequest, message: `the frame is not valid JSON (${reason.slice(0, 120)}); send one JSON object like {"type":"QUERY_RUNNING"}`, compact: false };
  }
  if (Array.isArray(value)) {
    return { ok: false, code: ErrorCode.badRequest, message: 'a JSON request must be an object with a "type" field, got an array', compact: false };
  }
  return parseRequest(value);
}

/** One response as a JSON text frame: every field, weft's extensions included (WEFT's clients ignore unknown fields). */
export function encodeJsonResponse(message: Response | EventMessage): string {
  return JSON.stringify(message);
}
