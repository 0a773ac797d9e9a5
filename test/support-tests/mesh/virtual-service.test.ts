/**
 * The VirtualService evaluator against hand-written objects modelled on the
 * examples of https://istio.io/latest/docs/reference/config/networking/virtual-service/.
 */
import { describe, expect, it } from 'vitest';
import {
  destinationShares,
  domainMatches,
  grpcRequest,
  MeshEvaluationError,
  pickDestination,
  routeAtGateway,
  type GatewayRouteResult,
  type HTTPRoute,
  type HttpRequest,
  type RouteForward,
  type VirtualService,
} from '../../support/mesh/index.ts';

const GW = 'istio-system/ingress';

function vs(name: string, http: HTTPRoute[], extra: Partial<NonNullable<VirtualService['spec']>> = {}, namespace = 'prod'): VirtualService {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace },
    spec: { hosts: ['models.example.com'], gateways: [GW], http, ...extra },
  };
}

function to(host: string, extra: { subset?: string; weight?: number; port?: number } = {}) {
  return {
    destination: { host, ...(extra.subset ? { subset: extra.subset } : {}), ...(extra.port ? { port: { number: extra.port } } : {}) },
    ...(extra.weight === undefined ? {} : { weight: extra.weight }),
  };
}

function get(path: string, headers: Record<string, string> = {}, extra: Partial<HttpRequest> = {}): HttpRequest {
  return { authority: 'models.example.com', method: 'GET', path, headers, ...extra };
}

function forward(r: GatewayRouteResult): RouteForward {
  if (r.kind !== 'route') throw new Error(`expected a forwarding route, got ${JSON.stringify(r)}`);
  return r;
}

function hostOf(r: GatewayRouteResult): string {
  return forward(r).destinations.map((d) => `${d.fqdn}${d.subset ? `#${d.subset}` : ''}`).join(',');
}

describe('rule order and match blocks', () => {
  it('uses the first matching rule (docs: "The first rule matching an incoming request is used")', () => {
    const rules: HTTPRoute[] = [
      { name: 'v2', match: [{ uri: { prefix: '/wpcatalog' } }], route: [to('reviews', { subset: 'v2' })] },
      { name: 'v1', route: [to('reviews', { subset: 'v1' })] },
    ];
    expect(hostOf(routeAtGateway([vs('r', rules)], GW, get('/wpcatalog/x')))).toBe('reviews.prod.svc.cluster.local#v2');
    expect(hostOf(routeAtGateway([vs('r', rules)], GW, get('/other')))).toBe('reviews.prod.svc.cluster.local#v1');
    // Reversed, the catch-all shadows the specific rule inside one VirtualService.
    expect(hostOf(routeAtGateway([vs('r', [...rules].reverse())], GW, get('/wpcatalog/x')))).toBe('reviews.prod.svc.cluster.local#v1');
  });

  it('ORs match blocks and ANDs the fields inside one block', () => {
    const rules: HTTPRoute[] = [
      {
        match: [
          { uri: { prefix: '/wpcatalog' } },
          { uri: { prefix: '/consumercatalog' }, headers: { 'end-user': { exact: 'jason' } } },
        ],
        route: [to('a')],
      },
    ];
    const v = [vs('r', rules)];
    expect(routeAtGateway(v, GW, get('/wpcatalog')).kind).toBe('route');
    expect(routeAtGateway(v, GW, get('/consumercatalog', { 'end-user': 'jason' })).kind).toBe('route');
    expect(routeAtGateway(v, GW, get('/consumercatalog', { 'end-user': 'bob' })).kind).toBe('noRoute');
    expect(routeAtGateway(v, GW, get('/consumercatalog')).kind).toBe('noRoute');
    expect(forward(routeAtGateway(v, GW, get('/consumercatalog', { 'end-user': 'jason' }))).matchIndex).toBe(1);
  });

  it('answers 404 noRoute when nothing matches, or when no VirtualService serves the host', () => {
    const v = [vs('r', [{ match: [{ uri: { exact: '/a' } }], route: [to('a')] }])];
    expect(routeAtGateway(v, GW, get('/b'))).toMatchObject({ kind: 'noRoute', status: 404 });
    expect(routeAtGateway(v, GW, { ...get('/a'), authority: 'other.example.com' })).toMatchObject({ kind: 'noRoute', status: 404 });
  });

  it('refuses an empty match block ("HTTPMatchRequest CANNOT be empty")', () => {
    const v = [vs('r', [{ match: [{ name: 'nothing' }], route: [to('a')] }])];
    expect(() => routeAtGateway(v, GW, get('/'))).toThrow(/CANNOT be empty/);
  });
});

describe('uri matching', () => {
  const rules = (uri: object, ignoreUriCase?: boolean): VirtualService[] => [
    vs('r', [{ match: [{ uri, ...(ignoreUriCase === undefined ? {} : { ignoreUriCase }) }], route: [to('a')] }]),
  ];
  const kind = (v: VirtualService[], path: string) => routeAtGateway(v, GW, get(path)).kind;

  it('prefix is a plain string prefix ("/a" matches "/ab")', () => {
    expect(kind(rules({ prefix: '/a' }), '/ab')).toBe('route');
    expect(kind(rules({ prefix: '/a/' }), '/a')).toBe('noRoute');
    expect(kind(rules({ prefix: '/a' }), '/b/a')).toBe('noRoute');
  });

  it('exact compares the whole path without the query string', () => {
    expect(kind(rules({ exact: '/a' }), '/a')).toBe('route');
    expect(kind(rules({ exact: '/a' }), '/a?x=1')).toBe('route');
    expect(kind(rules({ exact: '/a' }), '/a/')).toBe('noRoute');
    expect(kind(rules({ exact: '/a' }), '/ab')).toBe('noRoute');
  });

  it('regex must match the WHOLE path (Envoy safe_regex full match)', () => {
    expect(kind(rules({ regex: '/a' }), '/a')).toBe('route');
    expect(kind(rules({ regex: '/a' }), '/ab')).toBe('noRoute');
    expect(kind(rules({ regex: 'a' }), '/a')).toBe('noRoute');
    expect(kind(rules({ regex: '/v2/models/[^/]+/infer' }), '/v2/models/m1/infer')).toBe('route');
    expect(kind(rules({ regex: '/v2/models/[^/]+/infer' }), '/v2/models/m1/infer/extra')).toBe('noRoute');
  });

  it('ignoreUriCase applies to exact and prefix, not to regex', () => {
    expect(kind(rules({ prefix: '/ratings/v2/' }, true), '/RATINGS/v2/x')).toBe('route');
    expect(kind(rules({ prefix: '/ratings/v2/' }), '/RATINGS/v2/x')).toBe('noRoute');
    expect(kind(rules({ exact: '/a' }, true), '/A')).toBe('route');
    expect(kind(rules({ regex: '/a' }, true), '/A')).toBe('noRoute');
  });

  it('matches the normalized path (BASE: dot segments resolved) and rejects %00', () => {
    expect(kind(rules({ exact: '/b' }), '/a/../b')).toBe('route');
    expect(kind(rules({ exact: '/b' }), '/%62')).toBe('route');
    expect(routeAtGateway(rules({ prefix: '/' }), GW, get('/a%00'))).toMatchObject({ kind: 'rejected', status: 400 });
    expect(routeAtGateway(rules({ exact: '/b' }), GW, get('/a/../b'), { pathNormalization: 'NONE' }).kind).toBe('noRoute');
  });

  it('refuses RE2 constructs that JavaScript reads differently', () => {
    expect(() => routeAtGateway(rules({ regex: '/(?=a)a' }), GW, get('/a'))).toThrow(MeshEvaluationError);
    expect(() => routeAtGateway(rules({ regex: '/(a)\\1' }), GW, get('/aa'))).toThrow(/backreference/);
  });
});

describe('header, query, method, authority, port and scheme matching', () => {
  const one = (match: object) => [vs('r', [{ match: [match], route: [to('a')] }])];
  const kind = (v: VirtualService[], r: HttpRequest, o = {}) => routeAtGateway(v, GW, r, o).kind;

  it('header exact, prefix and regex (full match), case-insensitive names', () => {
    expect(kind(one({ headers: { 'x-tenant': { exact: 'acme' } } }), get('/', { 'x-tenant': 'acme' }))).toBe('route');
    expect(kind(one({ headers: { 'x-tenant': { exact: 'acme' } } }), get('/', { 'X-Tenant': 'acme' }))).toBe('route');
    expect(kind(one({ headers: { 'x-tenant': { exact: 'acme' } } }), get('/', { 'x-tenant': 'ACME' }))).toBe('noRoute');
    expect(kind(one({ headers: { 'x-tenant': { prefix: 'ac' } } }), get('/', { 'x-tenant': 'acme' }))).toBe('route');
    expect(kind(one({ headers: { 'x-tenant': { regex: 'a' } } }), get('/', { 'x-tenant': 'ab' }))).toBe('noRoute');
    expect(kind(one({ headers: { 'x-tenant': { regex: 'a.' } } }), get('/', { 'x-tenant': 'ab' }))).toBe('route');
    expect(kind(one({ headers: { 'x-tenant': { exact: 'acme' } } }), get('/'))).toBe('noRoute');
  });

  it('header {} checks presence (docs: "To provide an empty value, use {}")', () => {
    expect(kind(one({ headers: { myheader: {} } }), get('/', { myheader: '' }))).toBe('route');
    expect(kind(one({ headers: { myheader: {} } }), get('/', { myheader: 'x' }))).toBe('route');
    expect(kind(one({ headers: { myheader: {} } }), get('/'))).toBe('noRoute');
  });

  it('refuses header matchers whose meaning changed across versions', () => {
    expect(() => routeAtGateway(one({ headers: { h: { prefix: '' } } }), GW, get('/', { h: 'x' }))).toThrow(/ambiguous/);
    expect(() => routeAtGateway(one({ headers: { h: { exact: '' } } }), GW, get('/', { h: 'x' }))).toThrow(/ambiguous/);
    expect(() => routeAtGateway(one({ headers: { h: { regex: '*' } } }), GW, get('/', { h: 'x' }))).toThrow(/ambiguous/);
  });

  it('withoutHeaders: a matching header makes the block not match', () => {
    const v = one({ withoutHeaders: { 'x-canary': { exact: 'true' } } });
    expect(kind(v, get('/', { 'x-canary': 'true' }))).toBe('noRoute');
    expect(kind(v, get('/', { 'x-canary': 'false' }))).toBe('route');
    const presence = one({ withoutHeaders: { 'x-canary': {} } });
    expect(kind(presence, get('/', { 'x-canary': 'anything' }))).toBe('noRoute');
  });

  it('withoutHeaders on a missing header is version-dependent: refused unless told', () => {
    const v = one({ withoutHeaders: { 'x-canary': { exact: 'true' } } });
    expect(() => routeAtGateway(v, GW, get('/'))).toThrow(/withoutHeadersOnMissingHeader/);
    expect(kind(v, get('/'), { withoutHeadersOnMissingHeader: 'no-match' })).toBe('noRoute');
    expect(kind(v, get('/'), { withoutHeadersOnMissingHeader: 'match' })).toBe('route');
  });

  it('ignores the reserved keys uri/scheme/method/authority in headers (docs)', () => {
    expect(kind(one({ headers: { method: { exact: 'DELETE' } }, uri: { prefix: '/' } }), get('/'))).toBe('route');
  });

  it('queryParams exact, regex full match, and "?key" as exact ""', () => {
    expect(kind(one({ queryParams: { key: { exact: 'true' } } }), get('/p?key=true'))).toBe('route');
    expect(kind(one({ queryParams: { key: { exact: 'true' } } }), get('/p?key=false'))).toBe('noRoute');
    expect(kind(one({ queryParams: { key: { regex: '\\d+$' } } }), get('/p?key=123'))).toBe('route');
    expect(kind(one({ queryParams: { key: { regex: '\\d+$' } } }), get('/p?key=a123'))).toBe('noRoute');
    expect(kind(one({ queryParams: { key: { exact: '' } } }), get('/p?key'))).toBe('route');
    expect(kind(one({ queryParams: { key: { exact: 'x' } } }), get('/p'))).toBe('noRoute');
  });

  it('method and authority are case-sensitive StringMatches; authority sees the raw value', () => {
    expect(kind(one({ method: { exact: 'POST' } }), { ...get('/'), method: 'POST' })).toBe('route');
    expect(kind(one({ method: { exact: 'POST' } }), get('/'))).toBe('noRoute');
    expect(kind(one({ authority: { exact: 'models.example.com:8443' } }), { ...get('/'), authority: 'models.example.com:8443' })).toBe('route');
    expect(kind(one({ authority: { exact: 'models.example.com' } }), { ...get('/'), authority: 'models.example.com:8443' })).toBe('noRoute');
  });

  it('port and scheme need the request to say them', () => {
    expect(kind(one({ port: 443 }), get('/', {}, { port: 443 }))).toBe('route');
    expect(kind(one({ port: 443 }), get('/', {}, { port: 80 }))).toBe('noRoute');
    expect(() => routeAtGateway(one({ port: 443 }), GW, get('/'))).toThrow(/request.port/);
    expect(kind(one({ scheme: { exact: 'https' } }), get('/', {}, { scheme: 'https' }))).toBe('route');
    expect(() => routeAtGateway(one({ scheme: { exact: 'https' } }), GW, get('/'))).toThrow(/request.scheme/);
  });

  it('refuses sourceLabels/sourceNamespace at a gateway', () => {
    expect(() => routeAtGateway(one({ sourceLabels: { app: 'x' } }), GW, get('/'))).toThrow(/sourceLabels/);
  });
});

describe('rewrite', () => {
  it('prefix match: replaces the matched prefix, keeps the rest and the query', () => {
    const v = [vs('r', [{ match: [{ uri: { prefix: '/ratings' } }], rewrite: { uri: '/v1/bookRatings' }, route: [to('ratings')] }])];
    expect(forward(routeAtGateway(v, GW, get('/ratings/7/x?y=1'))).rewrittenPath).toBe('/v1/bookRatings/7/x?y=1');
    expect(forward(routeAtGateway(v, GW, get('/ratings'))).rewrittenPath).toBe('/v1/bookRatings');
  });

  it('prefix with ignoreUriCase replaces the matched prefix whatever its case', () => {
    const v = [vs('r', [{ match: [{ uri: { prefix: '/tenant/acme/' }, ignoreUriCase: true }], rewrite: { uri: '/' }, route: [to('a')] }])];
    expect(forward(routeAtGateway(v, GW, get('/Tenant/ACME/v2/models'))).rewrittenPath).toBe('/v2/models');
  });

  it('uses the match block that matched (docs example with two prefixes)', () => {
    const v = [
      vs('r', [
        { match: [{ uri: { prefix: '/wpcatalog' } }, { uri: { prefix: '/consumercatalog' } }], rewrite: { uri: '/newcatalog' }, route: [to('reviews')] },
      ]),
    ];
    expect(forward(routeAtGateway(v, GW, get('/consumercatalog/item'))).rewrittenPath).toBe('/newcatalog/item');
    expect(forward(routeAtGateway(v, GW, get('/wpcatalog/item'))).rewrittenPath).toBe('/newcatalog/item');
  });

  it('exact and regex matches: the whole path is replaced, the query kept', () => {
    const exact = [vs('r', [{ match: [{ uri: { exact: '/v1/getProductRatings' } }], rewrite: { uri: '/v1/bookRatings' }, route: [to('a')] }])];
    expect(forward(routeAtGateway(exact, GW, get('/v1/getProductRatings?x=1'))).rewrittenPath).toBe('/v1/bookRatings?x=1');
    const regex = [vs('r', [{ match: [{ uri: { regex: '/old/.*' } }], rewrite: { uri: '/new' }, route: [to('a')] }])];
    expect(forward(routeAtGateway(regex, GW, get('/old/a/b'))).rewrittenPath).toBe('/new');
  });

  it('without a uri match the rewrite is undocumented: refused unless an option says how', () => {
    const v = [vs('r', [{ match: [{ headers: { 'x-t': { exact: 'a' } } }], rewrite: { uri: '/v2' }, route: [to('a')] }])];
    const r = get('/x/y', { 'x-t': 'a' });
    expect(() => routeAtGateway(v, GW, r)).toThrow(/rewriteWithoutUriMatch/);
    expect(forward(routeAtGateway(v, GW, r, { rewriteWithoutUriMatch: 'replace-path' })).rewrittenPath).toBe('/v2');
    expect(forward(routeAtGateway(v, GW, r, { rewriteWithoutUriMatch: 'replace-leading-slash' })).rewrittenPath).toBe('/v2x/y');
  });

  it('uriRegexRewrite: RE2 replace with \\N groups (docs RegexRewrite examples)', () => {
    const v = (match: string, rewrite: string) => [vs('r', [{ match: [{ uri: { prefix: '/' } }], rewrite: { uriRegexRewrite: { match, rewrite } }, route: [to('a')] }])];
    // The docs promise "/customprefix/v1/api/update"; but \2 captures "/v1/api" (with its slash),
    // so RE2 GlobalReplace yields a double slash. We follow RE2, not the typo.
    expect(forward(routeAtGateway(v('^/service/([^/]+)(/.*)$', '/customprefix/\\2/\\1'), GW, get('/service/update/v1/api'))).rewrittenPath).toBe(
      '/customprefix//v1/api/update',
    );
    expect(forward(routeAtGateway(v('^/service/([^/]+)/(.*)$', '/customprefix/\\2/\\1'), GW, get('/service/update/v1/api?q=1'))).rewrittenPath).toBe(
      '/customprefix/v1/api/update?q=1',
    );
    expect(forward(routeAtGateway(v('(?i)/xxx/', '/yyy/'), GW, get('/aaa/XxX/bbb'))).rewrittenPath).toBe('/aaa/yyy/bbb');
    // Replace-ALL, not just the first occurrence.
    expect(forward(routeAtGateway(v('/a', '/b'), GW, get('/a/a/c'))).rewrittenPath).toBe('/b/b/c');
  });

  it('rewrites the authority', () => {
    const v = [vs('r', [{ match: [{ uri: { prefix: '/' } }], rewrite: { authority: 'shard-a.fraud.svc.cluster.local' }, route: [to('a')] }])];
    expect(forward(routeAtGateway(v, GW, get('/'))).rewrittenAuthority).toBe('shard-a.fraud.svc.cluster.local');
  });
});

describe('directResponse and redirect', () => {
  it('returns the configured status and body', () => {
    const v = [
      vs('r', [
        { match: [{ uri: { exact: '/v1/getProductRatings' } }], directResponse: { status: 503, body: { string: 'unknown error' } } },
        { match: [{ uri: { exact: '/bytes' } }], directResponse: { status: 503, body: { bytes: 'dW5rbm93biBlcnJvcg==' } } },
      ]),
    ];
    expect(routeAtGateway(v, GW, get('/v1/getProductRatings'))).toMatchObject({ kind: 'directResponse', status: 503, body: 'unknown error' });
    expect(routeAtGateway(v, GW, get('/bytes'))).toMatchObject({ kind: 'directResponse', status: 503, body: 'unknown error' });
  });

  it('redirect replaces the whole path, defaults to 301 and keeps the query', () => {
    const v = [vs('r', [{ match: [{ uri: { prefix: '/v1/getProductRatings' } }], redirect: { uri: '/v1/bookRatings', authority: 'newratings.default.svc.cluster.local' } }])];
    expect(routeAtGateway(v, GW, get('/v1/getProductRatings/more?x=1'))).toMatchObject({
      kind: 'redirect',
      status: 301,
      authority: 'newratings.default.svc.cluster.local',
      path: '/v1/bookRatings?x=1',
    });
  });

  it('refuses a rule with no action or two actions', () => {
    expect(() => routeAtGateway([vs('r', [{ match: [{ uri: { prefix: '/' } }] }])], GW, get('/'))).toThrow(/exactly one/);
    expect(() =>
      routeAtGateway([vs('r', [{ match: [{ uri: { prefix: '/' } }], route: [to('a')], directResponse: { status: 200 } }])], GW, get('/')),
    ).toThrow(/exactly one/);
  });
});

describe('weights', () => {
  const split = (a: number | undefined, b: number | undefined) => [
    vs('r', [{ route: [to('reviews', { subset: 'v2', ...(a === undefined ? {} : { weight: a }) }), to('reviews', { subset: 'v1', ...(b === undefined ? {} : { weight: b }) })] }]),
  ];

  it('returns all destinations with weights, and picks by cumulative weight', () => {
    const r = forward(routeAtGateway(split(25, 75), GW, get('/')));
    expect(r.destinations.map((d) => [d.subset, d.weight])).toEqual([
      ['v2', 25],
      ['v1', 75],
    ]);
    expect(pickDestination(r, 0).subset).toBe('v2');
    expect(pickDestination(r, 0.2499).subset).toBe('v2');
    expect(pickDestination(r, 0.25).subset).toBe('v1');
    expect(pickDestination(r, 0.99).subset).toBe('v1');
    expect(destinationShares(r).map((s) => s.share)).toEqual([0.25, 0.75]);
  });

  it('skips zero-weight destinations when picking', () => {
    const r = forward(routeAtGateway(split(0, 100), GW, get('/')));
    expect(pickDestination(r, 0).subset).toBe('v1');
  });

  it('a single destination takes all traffic without a weight', () => {
    const r = forward(routeAtGateway([vs('r', [{ route: [to('reviews')] }])], GW, get('/')));
    expect(r.destinations).toHaveLength(1);
    expect(r.destinations[0]!.weight).toBe(100);
  });

  it('refuses weights that do not sum to 100, or are not integers', () => {
    expect(() => routeAtGateway(split(25, 70), GW, get('/'))).toThrow(/sum to 95/);
    expect(() => routeAtGateway(split(undefined, undefined), GW, get('/'))).toThrow(/sum to 0/);
    expect(() => routeAtGateway(split(25.5, 74.5), GW, get('/'))).toThrow(/integer/);
    expect(routeAtGateway(split(1, 3), GW, get('/'), { weights: 'proportional' }).kind).toBe('route');
  });
});

describe('binding to the gateway and host selection', () => {
  it('binds bare gateway names in the VirtualService namespace, "ns/name" anywhere; no gateways = mesh only', () => {
    const bare = { ...vs('bare', [{ route: [to('a')] }], { gateways: ['ingress'] }, 'istio-system') };
    const qualified = vs('q', [{ route: [to('a')] }], { gateways: ['istio-system/ingress'] }, 'prod');
    const wrongNs = vs('w', [{ route: [to('a')] }], { gateways: ['ingress'] }, 'prod');
    const meshOnly = vs('m', [{ route: [to('a')] }], { gateways: undefined });
    expect(routeAtGateway([bare], GW, get('/')).kind).toBe('route');
    expect(routeAtGateway([qualified], GW, get('/')).kind).toBe('route');
    expect(routeAtGateway([wrongNs], GW, get('/')).kind).toBe('noRoute');
    expect(routeAtGateway([meshOnly], GW, get('/')).kind).toBe('noRoute');
  });

  it('respects exportTo: "." hides a VirtualService from a gateway in another namespace', () => {
    const hidden = vs('h', [{ route: [to('a')] }], { exportTo: ['.'] }, 'prod');
    expect(routeAtGateway([hidden], GW, get('/')).kind).toBe('noRoute');
    expect(routeAtGateway([vs('h', [{ route: [to('a')] }], { exportTo: ['istio-system'] })], GW, get('/')).kind).toBe('route');
  });

  it('matches wildcard hosts, ignores the authority port, and prefers the most specific host', () => {
    const wildcard = vs('wild', [{ route: [to('wild')] }], { hosts: ['*.example.com'] });
    const exact = vs('exact', [{ match: [{ uri: { prefix: '/only' } }], route: [to('exact')] }], { hosts: ['models.example.com'] });
    expect(hostOf(routeAtGateway([wildcard], GW, { ...get('/'), authority: 'a.b.example.com:443' }))).toBe('wild.prod.svc.cluster.local');
    expect(routeAtGateway([wildcard], GW, { ...get('/'), authority: 'example.com' }).kind).toBe('noRoute');
    // The exact virtual host wins even though only the wildcard one has a matching rule.
    expect(routeAtGateway([wildcard, exact], GW, get('/elsewhere')).kind).toBe('noRoute');
    expect(hostOf(routeAtGateway([wildcard, exact], GW, get('/only')))).toBe('exact.prod.svc.cluster.local');
  });

  it('Envoy wildcard domains never match the empty string', () => {
    expect(domainMatches('*.example.com', 'a.example.com')).toBe(true);
    expect(domainMatches('*.example.com', '.example.com')).toBe(false);
    expect(domainMatches('*-bar.foo.com', '-bar.foo.com')).toBe(false);
    expect(domainMatches('*-bar.foo.com', 'baz-bar.foo.com')).toBe(true);
    expect(domainMatches('*', 'anything')).toBe(true);
    expect(domainMatches('Models.Example.com', 'models.example.COM')).toBe(true);
  });

  it('resolves short destination hosts in the VirtualService namespace', () => {
    const r = forward(routeAtGateway([vs('r', [{ route: [to('shard-a', { port: 8001 })] }], {}, 'fraud')], GW, get('/')));
    expect(r.destinations[0]).toMatchObject({ host: 'shard-a', fqdn: 'shard-a.fraud.svc.cluster.local', port: 8001 });
  });
});

describe('gRPC', () => {
  it('routes a gRPC call as POST /package.Service/Method with content-type application/grpc', () => {
    const v = [
      vs('r', [
        {
          match: [{ uri: { prefix: '/inference.GRPCInferenceService/' }, headers: { 'content-type': { prefix: 'application/grpc' }, 'x-tenant': { exact: 'acme' } } }],
          route: [to('shard-grpc', { port: 8001 })],
        },
        { match: [{ uri: { prefix: '/' } }], route: [to('shard-http', { port: 8000 })] },
      ]),
    ];
    const call = grpcRequest({ authority: 'models.example.com', service: 'inference.GRPCInferenceService', method: 'ModelInfer', headers: { 'x-tenant': 'acme' } });
    expect(call).toMatchObject({ method: 'POST', path: '/inference.GRPCInferenceService/ModelInfer' });
    expect(hostOf(routeAtGateway(v, GW, call))).toBe('shard-grpc.prod.svc.cluster.local');
    expect(hostOf(routeAtGateway(v, GW, { ...call, headers: { 'x-tenant': 'acme' } }))).toBe('shard-http.prod.svc.cluster.local');
  });
});

describe('header manipulation and faults', () => {
  it('applies route- and destination-level request header operations', () => {
    const v = [
      vs('r', [
        {
          headers: { request: { set: { 'x-tenant': 'acme' }, remove: ['x-debug'] } },
          route: [{ ...to('a'), headers: { request: { add: { 'x-shard': 'a' } } } }],
        },
      ]),
    ];
    const d = forward(routeAtGateway(v, GW, get('/', { 'x-tenant': 'evil', 'x-debug': '1' }))).destinations[0]!;
    expect(d.requestHeaders).toEqual({ 'x-tenant': 'acme', 'x-shard': 'a' });
  });

  it('refuses a header manipulated at both levels (order-dependent)', () => {
    const v = [vs('r', [{ headers: { request: { set: { 'x-t': 'a' } } }, route: [{ ...to('a'), headers: { request: { set: { 'x-t': 'b' } } } }] }])];
    expect(() => routeAtGateway(v, GW, get('/'))).toThrow(/both route and destination/);
  });

  it('fault.abort without percentage aborts nothing; 100% aborts all; partial is refused', () => {
    const v = (percentage?: number) => [
      vs('r', [{ fault: { abort: { httpStatus: 400, ...(percentage === undefined ? {} : { percentage: { value: percentage } }) } }, route: [to('a')] }]),
    ];
    expect(routeAtGateway(v(), GW, get('/')).kind).toBe('route');
    expect(routeAtGateway(v(100), GW, get('/'))).toMatchObject({ kind: 'abort', status: 400 });
    expect(() => routeAtGateway(v(10), GW, get('/'))).toThrow(/random/);
  });

  it('refuses delegate', () => {
    expect(() => routeAtGateway([vs('r', [{ match: [{ uri: { prefix: '/' } }], delegate: { name: 'd', namespace: 'x' } }])], GW, get('/'))).toThrow(/delegate/);
  });
});
