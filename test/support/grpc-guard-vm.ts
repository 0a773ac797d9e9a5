/**
 * The gRPC guard's Lua in a real Lua VM, for tests: fengari (a Lua VM in JS)
 * with a mock of the Envoy Lua API the guard uses (`headers():get`,
 * `body():length()`, `body():getBytes(i, n)`, `respond`, `logErr`), and
 * gRPC-framed Triton requests encoded by protobufjs from the message
 * definitions of Triton's `grpc_service.proto`.
 */
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';

/** The subset of fengari's C-like API the harness uses. */
interface Fengari {
  lua: {
    LUA_OK: number;
    lua_pcall(L: unknown, nargs: number, nresults: number, msgh: number): number;
    lua_getglobal(L: unknown, name: Uint8Array): number;
    lua_createtable(L: unknown, narr: number, nrec: number): void;
    lua_pushstring(L: unknown, s: Uint8Array | null): void;
    lua_pushnil(L: unknown): void;
    lua_settable(L: unknown, index: number): void;
    lua_tojsstring(L: unknown, index: number): string | null;
    lua_isnil(L: unknown, index: number): boolean;
    lua_settop(L: unknown, index: number): void;
  };
  lauxlib: { luaL_newstate(): unknown; luaL_loadbuffer(L: unknown, s: Uint8Array, size: number | null, name: Uint8Array): number };
  lualib: { luaL_openlibs(L: unknown): void };
  to_luastring(s: string): Uint8Array;
}
const { lua, lauxlib, lualib, to_luastring } = createRequire(import.meta.url)('fengari') as Fengari;

/** Triton's request messages (grpc_service.proto, package inference), as far as the tests need them. */
const PROTO = `
syntax = "proto3";
package inference;
message ModelReadyRequest { string name = 1; string version = 2; }
message ModelMetadataRequest { string name = 1; string version = 2; }
message ModelConfigRequest { string name = 1; string version = 2; }
message ModelStatisticsRequest { string name = 1; string version = 2; }
message InferParameter { oneof parameter_choice { bool bool_param = 1; int64 int64_param = 2; string string_param = 3; } }
message ModelInferRequest {
  message InferInputTensor { string name = 1; string datatype = 2; repeated int64 shape = 3; map<string, InferParameter> parameters = 4; }
  message InferRequestedOutputTensor { string name = 1; map<string, InferParameter> parameters = 2; }
  string model_name = 1;
  string model_version = 2;
  string id = 3;
  map<string, InferParameter> parameters = 4;
  repeated InferInputTensor inputs = 5;
  repeated InferRequestedOutputTensor outputs = 6;
  repeated bytes raw_input_contents = 7;
}
`;
export const root = protobuf.parse(PROTO, { keepCase: true }).root;
export const encode = (type: string, message: Record<string, unknown>): Uint8Array => {
  const t = root.lookupType(`inference.${type}`);
  return t.encode(t.fromObject(message)).finish();
};

/** One gRPC length-prefixed message. */
export function frame(message: Uint8Array, compressed = 0): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  out[0] = compressed;
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, 5);
  return out;
}
export const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
export const bytes = (...b: number[]) => Uint8Array.from(b);
/** A length-delimited field 1 holding `value`, hand-encoded (tag 0x0a). */
export const field1 = (value: string) => concat(bytes(0x0a, value.length), new TextEncoder().encode(value));

/** The mock `handle`, and `run(headers, body, mode)` that returns what the script did. */
const HARNESS = `
function run(headers, body, mode)
  local responded
  local handle = {}
  function handle:headers() return { get = function(_, key) return headers[key] end } end
  function handle:body()
    if body == nil then return nil end
    return {
      length = function() return #body end,
      getBytes = function(_, index, length)
        if mode == "getBytes-error" then error("simulated Envoy API error") end
        assert(index >= 0 and length > 0 and index + length <= #body, "getBytes out of range")
        return string.sub(body, index + 1, index + length)
      end,
    }
  end
  function handle:respond(h, b) assert(responded == nil, "respond called twice"); responded = { h = h, b = b } end
  function handle:logErr(message) end
  local ok, err = pcall(envoy_on_request, handle)
  if not ok then return "lua-error", tostring(err) end
  if responded == nil then return "pass" end
  return "respond", responded.h["grpc-status"], responded.h["grpc-message"], responded.h[":status"], responded.h["content-type"], responded.b
end
`;

/** What the script did with a request. */
export type Outcome = { action: 'pass' } | { action: 'respond'; grpcStatus: string; message: string; httpStatus: string; contentType: string; body: string };

/** Loads guard `source` into a fresh Lua VM with the mock Envoy API; returns what it does with one request. */
export function loadGuard(guardSource: string) {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  for (const [name, source] of [
    ['=grpc-guard', guardSource],
    ['=harness', HARNESS],
  ] as const) {
    const code = to_luastring(source);
    if (lauxlib.luaL_loadbuffer(L, code, null, to_luastring(name)) !== lua.LUA_OK || lua.lua_pcall(L, 0, 0, 0) !== lua.LUA_OK) {
      throw new Error(`${name}: ${lua.lua_tojsstring(L, -1)}`);
    }
  }
  return (headers: Record<string, string>, body: Uint8Array | null, mode = ''): Outcome => {
    lua.lua_settop(L, 0);
    lua.lua_getglobal(L, to_luastring('run'));
    lua.lua_createtable(L, 0, 4);
    for (const [k, v] of Object.entries(headers)) {
      lua.lua_pushstring(L, to_luastring(k));
      lua.lua_pushstring(L, to_luastring(v));
      lua.lua_settable(L, -3);
    }
    if (body === null) lua.lua_pushnil(L);
    else lua.lua_pushstring(L, new Uint8Array(body));
    lua.lua_pushstring(L, to_luastring(mode));
    if (lua.lua_pcall(L, 3, 6, 0) !== lua.LUA_OK) throw new Error(`harness: ${lua.lua_tojsstring(L, -1)}`);
    const at = (i: number) => (lua.lua_isnil(L, i) ? '' : (lua.lua_tojsstring(L, i) ?? ''));
    const action = at(1);
    if (action === 'lua-error') throw new Error(`the script raised an error (Envoy would let the request through): ${at(2)}`);
    if (action === 'pass') return { action };
    return { action: 'respond', grpcStatus: at(2), message: at(3), httpStatus: at(4), contentType: at(5), body: at(6) };
  };
}

