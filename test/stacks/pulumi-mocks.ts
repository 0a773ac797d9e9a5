/**
 * Pulumi mocks that record what the SDK sends the engine for every resource:
 * type token, name, inputs, dependencies (the URNs of `dependsOn`, resolved by
 * the SDK) and provider reference. `newResource` echoes the inputs as state.
 *
 * The dependencies are not in the mocks' `newResource` arguments, so the
 * recorder wraps the mock monitor's `registerResource`, which receives the
 * SDK's RegisterResourceRequest, the message the engine would get.
 */
import { readFileSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';

/** One RegisterResource call. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly inputs: Record<string, unknown>;
  /** URNs the resource depends on. */
  readonly dependencies: readonly string[];
  /** Provider reference (`<provider urn>::<id>`), or `''` for the default provider. */
  readonly provider: string;
}

/** The recorder `setRecordingMocks` returns. */
export interface Recorder {
  /** Answered registrations, in the order the monitor answered them. */
  readonly registrations: Registration[];
  /** Resolves once `count` registrations are answered (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<Registration[]>;
}

interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getObject(): Parameters<typeof pulumi.runtime.deserializeProperties>[0];
  getDependenciesList(): string[];
  getProvider(): string;
}
type Callback = (err: unknown, response?: { getUrn(): string }) => void;
interface Monitor {
  registerResource(req: RegisterResourceRequest, callback: Callback): Promise<void>;
}

/** Options of `setRecordingMocks`. */
export interface RecordingMocksOptions {
  /** The organization `pulumi.getOrganization()` returns. @default - none: it throws, as in test mode */
  readonly organization?: string;
  /** Outputs every `pulumi:pulumi:StackReference` resolves to (the referenced stack's last outputs). @default - none */
  readonly stackReferenceOutputs?: Record<string, unknown>;
  /** Collects the name of every StackReference read (a read, not a registration, so the recorder does not see it). */
  readonly stackReferencesRead?: string[];
}

/** Installs recording mocks; call it before any resource is constructed. */
export async function setRecordingMocks(project: string, stack: string, options: RecordingMocksOptions = {}): Promise<Recorder> {
  const registrations: Registration[] = [];
  let waiters: { count: number; resolve: (r: Registration[]) => void }[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        if (args.type !== 'pulumi:pulumi:StackReference') return { id: `${args.name}_id`, state: args.inputs };
        options.stackReferencesRead?.push(String(args.inputs.name ?? args.id));
        return { id: String(args.inputs.name ?? args.id), state: { ...args.inputs, outputs: options.stackReferenceOutputs ?? {}, secretOutputNames: [] } };
      },
      call: (args) => args.inputs,
    },
    project,
    stack,
    false,
    options.organization,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    original(req, (err, response) => {
      if (!err && response) {
        registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn: response.getUrn(),
          inputs: pulumi.runtime.deserializeProperties(req.getObject()) as Record<string, unknown>,
          dependencies: req.getDependenciesList(),
          provider: req.getProvider(),
        });
        const ready = waiters.filter((w) => registrations.length >= w.count);
        waiters = waiters.filter((w) => registrations.length < w.count);
        for (const w of ready) w.resolve(registrations);
      }
      callback(err, response);
    });
  return {
    registrations,
    waitFor(count, timeoutMs = 10_000) {
      if (registrations.length >= count) return Promise.resolve(registrations);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${registrations.length} of ${count} resources were registered`)), timeoutMs);
        waiters.push({ count, resolve: (r) => (clearTimeout(timer), resolve(r)) });
      });
    },
  };
}

/** The value of an output (mocks resolve every output). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/**
 * The config map the Pulumi CLI hands a program for a stack file: every key
 * under `config:`, strings as they are and structured values as JSON text
 * (what `pulumi.runtime.allConfig()` then returns). Give it to
 * `pulumi.runtime.setAllConfig`.
 */
export function stackFileConfig(path: string): Record<string, string> {
  const doc = parse(readFileSync(path, 'utf8')) as { config?: Record<string, unknown> };
  return Object.fromEntries(Object.entries(doc.config ?? {}).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
}
