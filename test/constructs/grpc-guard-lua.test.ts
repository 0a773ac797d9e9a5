/**
 * The gRPC guard's Lua, run for real: the generated source is loaded into
 * fengari (a Lua VM in JS) with a mock of the Envoy Lua API it uses
 * (`headers():get`, `body():length()`, `body():getBytes(i, n)`, `respond`,
 * `logErr`), and fed gRPC-framed requests encoded by protobufjs from the
 * message definitions of Triton's `grpc_service.proto`.
 *
 * fengari implements Lua 5.3 while Envoy runs LuaJIT (Lua 5.1); the last tests
 * keep the source within 5.1 by scanning it for 5.3-only syntax.
 */
import { describe, expect, it } from 'vitest';
import { GRPC_GUARD_LUA_TEMPLATE, grpcGuardLua, luaString, type GrpcGuardLuaOptions } from '../../constructs/team-grpc-guard.ts';
import { bytes, concat, encode, field1, frame, loadGuard, root } from '../support/grpc-guard-vm.ts';

const guard = (options: GrpcGuardLuaOptions = { tenantHeader: 'x-tenant', modelHeader: 'x-model', streamAllowed: false }) => loadGuard(grpcGuardLua(options));

const GRPC = '/inference.GRPCInferenceService/';
const acme = { ':path': `${GRPC}ModelInfer`, 'x-model': 'txn-scorer', 'x-tenant': 'acme' };
const infer = (model_name?: string, extra: Record<string, unknown> = {}) => frame(encode('ModelInferRequest', { ...(model_name === undefined ? {} : { model_name }), ...extra }));
const denied = (message: RegExp | string = /.*/) =>
  expect.objectContaining({ action: 'respond', grpcStatus: '7', httpStatus: '200', contentType: 'application/grpc', body: '', message: expect.stringMatching(message) });

describe('grpc-guard.lua in a Lua VM', () => {
  const check = guard();

  it('passes a call whose message names the copy of the model and tenant headers', () => {
    expect(check(acme, infer('txn-scorer.acme', { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 64] }], id: 'r1' }))).toEqual({ action: 'pass' });
    for (const method of ['ModelReady', 'ModelMetadata', 'ModelConfig', 'ModelStatistics']) {
      const body = frame(encode(`${method}Request`, { name: 'txn-scorer.acme', version: '3' }));
      expect(check({ ...acme, ':path': `${GRPC}${method}` }, body), method).toEqual({ action: 'pass' });
    }
  });

  it("denies another tenant's copy with PERMISSION_DENIED, trailers only, naming the expected copy", () => {
    expect(check(acme, infer('txn-scorer.globex'))).toEqual({
      action: 'respond',
      grpcStatus: '7',
      httpStatus: '200',
      contentType: 'application/grpc',
      body: '',
      message: 'the request must name model "txn-scorer.acme" (from the x-model and x-tenant headers)',
    });
    for (const method of ['ModelReady', 'ModelMetadata', 'ModelConfig', 'ModelStatistics']) {
      const body = frame(encode(`${method}Request`, { name: 'txn-scorer.globex' }));
      expect(check({ ...acme, ':path': `${GRPC}${method}` }, body), method).toEqual(denied('txn-scorer.acme'));
    }
  });

  it('takes the last field 1, as protobuf parsers do', () => {
    const rest = encode('ModelInferRequest', { model_version: '1', raw_input_contents: [bytes(1, 2, 3)] });
    expect(check(acme, frame(concat(field1('txn-scorer.acme'), rest, field1('txn-scorer.globex'))))).toEqual(denied());
    expect(check(acme, frame(concat(field1('txn-scorer.globex'), rest, field1('txn-scorer.acme'))))).toEqual({ action: 'pass' });
    // protobufjs decodes the same way: the last occurrence wins.
    const decoded = root.lookupType('inference.ModelInferRequest').decode(concat(field1('txn-scorer.acme'), field1('txn-scorer.globex'))) as unknown as { model_name: string };
    expect(decoded.model_name).toBe('txn-scorer.globex');
  });

  it('denies an absent or empty name (ModelStatistics would answer for every model)', () => {
    expect(check({ ...acme, ':path': `${GRPC}ModelStatistics` }, frame(encode('ModelStatisticsRequest', {})))).toEqual(denied('txn-scorer.acme'));
    expect(check(acme, infer(undefined, { model_version: '1' }))).toEqual(denied());
    expect(check(acme, frame(field1('')))).toEqual(denied());
  });

  it('denies compressed, multiple, truncated, empty and missing frames', () => {
    expect(check(acme, frame(encode('ModelInferRequest', { model_name: 'txn-scorer.acme' }), 1))).toEqual(denied(/compressed/));
    expect(check(acme, frame(encode('ModelInferRequest', { model_name: 'txn-scorer.acme' }), 2))).toEqual(denied());
    expect(check(acme, concat(infer('txn-scorer.acme'), infer('txn-scorer.acme')))).toEqual(denied(/exactly one/));
    expect(check(acme, infer('txn-scorer.acme').slice(0, -1))).toEqual(denied(/exactly one/));
    expect(check(acme, bytes(0, 0, 0))).toEqual(denied(/no gRPC message/));
    expect(check(acme, new Uint8Array(0))).toEqual(denied(/no gRPC message/));
    expect(check(acme, null)).toEqual(denied(/no gRPC message/));
  });

  it('denies malformed protobuf instead of raising an error', () => {
    const malformed: Record<string, Uint8Array> = {
      'truncated varint field': bytes(0x10, 0x80),
      'truncated tag': bytes(0x80),
      'varint longer than 10 bytes': bytes(0x10, ...Array<number>(10).fill(0xff), 0x01),
      'length past the end': bytes(0x0a, 0x05, 0x61),
      'huge length': bytes(0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f),
      'truncated length': bytes(0x0a, 0x80),
      'truncated fixed64': bytes(0x11, 1, 2, 3),
      'truncated fixed32': bytes(0x15, 1),
      'start group': bytes(0x0b, 0x0c),
      'end group': bytes(0x0c),
      'wire type 6': bytes(0x0e),
      'wire type 7': bytes(0x0f),
      'field number 0': bytes(0x02, 0x00),
      'field 1 as a varint': bytes(0x08, 0x01),
    };
    for (const [what, message] of Object.entries(malformed)) {
      expect(check(acme, frame(concat(field1('txn-scorer.acme'), message))), what).toEqual(denied());
    }
  });

  it('denies, never fails open, when the Envoy API raises an error', () => {
    expect(check(acme, infer('txn-scorer.acme'), 'getBytes-error')).toEqual(denied('could not be checked'));
  });

  it('skips every wire type it does not need, including a 1 MB tensor', () => {
    const big = new Uint8Array(1024 * 1024 + 7).map((_, i) => i % 251);
    const message = concat(
      bytes(0x18, 0xac, 0x02), // field 3 as a varint (unknown to Triton, still valid protobuf)
      bytes(0x21, 1, 2, 3, 4, 5, 6, 7, 8), // field 4, 64-bit
      bytes(0x2d, 1, 2, 3, 4), // field 5, 32-bit
      encode('ModelInferRequest', { model_name: 'txn-scorer.acme', inputs: [{ name: 'x', datatype: 'UINT8', shape: [big.length] }], raw_input_contents: [big] }),
    );
    expect(check(acme, frame(message))).toEqual({ action: 'pass' });
    expect(check(acme, infer('txn-scorer.globex', { raw_input_contents: [big] }))).toEqual(denied());
  });

  it('checks untenanted models against the model header alone', () => {
    const untenanted = { ':path': `${GRPC}ModelInfer`, 'x-model': 'fraud-rules' };
    expect(check(untenanted, infer('fraud-rules'))).toEqual({ action: 'pass' });
    expect(check(untenanted, infer('txn-scorer.globex'))).toEqual(denied('"fraud-rules"'));
  });

  it('denies header values that are not one DNS label', () => {
    expect(check({ ':path': `${GRPC}ModelInfer`, 'x-tenant': 'acme' }, infer('txn-scorer.acme'))).toEqual(denied(/x-model must name/));
    expect(check({ ...acme, 'x-model': 'txn-scorer.globex' }, infer('txn-scorer.globex.acme'))).toEqual(denied(/x-model must name/));
    expect(check({ ':path': `${GRPC}ModelInfer`, 'x-model': 'txn-scorer.globex' }, infer('txn-scorer.globex'))).toEqual(denied(/x-model must name/));
    expect(check({ ...acme, 'x-tenant': 'acme,globex' }, infer('txn-scorer.acme,globex'))).toEqual(denied(/x-tenant must name/));
    expect(check({ ...acme, 'x-tenant': '' }, infer('txn-scorer.'))).toEqual(denied(/x-tenant must name/));
  });

  it('refuses ModelStreamInfer for tenants with UNIMPLEMENTED, and on shards with tenanted copies', () => {
    const stream = { ...acme, ':path': `${GRPC}ModelStreamInfer` };
    expect(check(stream, null)).toEqual(expect.objectContaining({ action: 'respond', grpcStatus: '12', message: expect.stringMatching(/use ModelInfer/) }));
    expect(check({ ':path': `${GRPC}ModelStreamInfer`, 'x-model': 'fraud-rules' }, null)).toEqual(expect.objectContaining({ grpcStatus: '12' }));
    const untenantedShard = guard({ tenantHeader: 'x-tenant', modelHeader: 'x-model', streamAllowed: true });
    expect(untenantedShard({ ':path': `${GRPC}ModelStreamInfer`, 'x-model': 'fraud-rules' }, null)).toEqual({ action: 'pass' });
    expect(untenantedShard(stream, null)).toEqual(expect.objectContaining({ grpcStatus: '12' }));
  });

  it("names an untenanted model's copy by the model alone, also when the caller sends a tenant header", () => {
    const shard = guard({ tenantHeader: 'x-tenant', modelHeader: 'x-model', streamAllowed: false, untenantedModels: ['fraud-rules'] });
    const headers = { ':path': `${GRPC}ModelInfer`, 'x-model': 'fraud-rules', 'x-tenant': 'acme' };
    expect(shard(headers, infer('fraud-rules'))).toEqual({ action: 'pass' });
    expect(shard(headers, infer('fraud-rules.acme'))).toEqual(expect.objectContaining({ action: 'respond', grpcStatus: '7' }));
    expect(shard(headers, infer('txn-scorer.globex'))).toEqual(expect.objectContaining({ action: 'respond', grpcStatus: '7' }));
    // A tenanted model is not in the set: the tenant's own copy is still required.
    expect(shard({ ...headers, 'x-model': 'txn-scorer' }, infer('txn-scorer'))).toEqual(expect.objectContaining({ action: 'respond', grpcStatus: '7' }));
    expect(shard({ ...headers, 'x-model': 'txn-scorer' }, infer('txn-scorer.acme'))).toEqual({ action: 'pass' });
  });

  it('leaves other methods and other paths to the AuthorizationPolicies', () => {
    for (const method of ['ServerLive', 'ServerReady', 'ServerMetadata', 'RepositoryIndex']) {
      expect(check({ ':path': `${GRPC}${method}` }, frame(new Uint8Array(0))), method).toEqual({ action: 'pass' });
    }
    expect(check({ ':path': '/v2/models/txn-scorer.globex/infer', 'x-tenant': 'acme' }, null)).toEqual({ action: 'pass' });
    expect(check({ ':path': '/grpc.health.v1.Health/Check' }, null)).toEqual({ action: 'pass' });
  });

  it('ignores a query string when it reads the method', () => {
    expect(check({ ...acme, ':path': `${GRPC}ModelInfer?x=1` }, infer('txn-scorer.globex'))).toEqual(denied());
  });

  it("uses the stack's header names", () => {
    const custom = guard({ tenantHeader: 'x-org', modelHeader: 'x-triton-model', streamAllowed: false });
    expect(custom({ ':path': `${GRPC}ModelInfer`, 'x-triton-model': 'txn-scorer', 'x-org': 'acme' }, infer('txn-scorer.acme'))).toEqual({ action: 'pass' });
    expect(custom({ ':path': `${GRPC}ModelInfer`, 'x-triton-model': 'txn-scorer', 'x-org': 'acme' }, infer('txn-scorer.globex'))).toEqual(
      denied('from the x-triton-model and x-org headers'),
    );
    // x-tenant means nothing to this stack: the request is judged untenanted.
    expect(custom({ ...acme, 'x-triton-model': 'txn-scorer' }, infer('txn-scorer.acme'))).toEqual(denied('"txn-scorer"'));
  });
});

describe('generated Lua constants', () => {
  it('escapes header names into Lua string literals', () => {
    expect(luaString('x-tenant')).toBe('"x-tenant"');
    expect(luaString('a"b\\c\nd]]')).toBe('"a\\034b\\092c\\010d]]"');
    expect(luaString('é')).toBe('"\\195\\169"');
    expect(grpcGuardLua({ tenantHeader: 'x-tenant', modelHeader: 'x-model', streamAllowed: false, untenantedModels: ['b', 'a'] }).split('\n').slice(0, 4)).toEqual([
      'local TENANT_HEADER = "x-tenant"',
      'local MODEL_HEADER = "x-model"',
      'local STREAM_ALLOWED = false',
      'local UNTENANTED = { ["a"] = true, ["b"] = true }',
    ]);
  });

  it('keeps a hostile value inside its string literal', () => {
    // Not a valid stack header name; the escaping holds anyway.
    const check = guard({ tenantHeader: 'x-tenant"\nerror("injected")--', modelHeader: 'x-model', streamAllowed: false });
    expect(check(acme, infer('txn-scorer.acme'))).toEqual(denied('"txn-scorer"'));
  });
});

/** The source without comments and string literals (Lua 5.1 lexical rules, enough for this file). */
function code(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const long = /^(?:--)?\[(=*)\[/.exec(source.slice(i));
    if (long) {
      const end = source.indexOf(`]${long[1]}]`, i);
      i = end < 0 ? source.length : end + long[1]!.length + 2;
      out += ' ';
    } else if (source.startsWith('--', i)) {
      i = source.indexOf('\n', i) < 0 ? source.length : source.indexOf('\n', i);
    } else if (source[i] === '"' || source[i] === "'") {
      const quote = source[i];
      i++;
      while (i < source.length && source[i] !== quote) i += source[i] === '\\' ? 2 : 1;
      i++;
      out += '""';
    } else out += source[i++];
  }
  return out;
}

describe('Lua 5.1 / LuaJIT compatibility of grpc-guard.lua', () => {
  const source = code(grpcGuardLua({ tenantHeader: 'x-tenant', modelHeader: 'x-model', streamAllowed: true }));

  it('strips comments and strings before scanning', () => {
    expect(code('local a = "x // y" -- a & b\nlocal b = [[ | ]] --[==[ ~ ]==] c')).toBe('local a = "" \nlocal b =     c');
  });

  it.each([
    ['integer division', /\/\//],
    ['bitwise and', /&/],
    ['bitwise or', /\|/],
    ['bitwise not or xor (only ~= is 5.1)', /~(?!=)/],
    ['shift left', /<</],
    ['shift right', />>/],
    ['goto', /\bgoto\b/],
    ['labels', /::/],
    ['math.tointeger', /math\.tointeger/],
    ['string.pack', /string\.(?:un)?pack/],
    ['utf8 library', /\butf8\./],
    ['integer-only math', /math\.(?:type|ult|maxinteger|mininteger)/],
  ])('uses no %s', (_what, pattern) => {
    expect(source).not.toMatch(pattern);
  });

  it('is the template with three generated lines on top', () => {
    expect(grpcGuardLua({ tenantHeader: 'x-tenant', modelHeader: 'x-model', streamAllowed: true }).endsWith(GRPC_GUARD_LUA_TEMPLATE)).toBe(true);
  });
});
