/**
 * `readProgramConfig`: Pulumi's config map → the program's own keys and the
 * stack config, without Pulumi.
 */
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../core/errors/spec-issue.ts';
import { parseConfigValue, readProgramConfig } from '../../stacks/program-config.ts';

describe('readProgramConfig', () => {
  it('takes every modelfleet:* key but the program keys as the stack config, parsed, and ignores other namespaces', () => {
    const config = readProgramConfig(
      {
        'kubernetes:context': 'prod',
        'modelfleet:tiers': '{"realtime":{"maxReplicas":12}}',
        'modelfleet:image': 'nvcr.io/nvidia/tritonserver:24.08-py3',
        'modelfleet:models': 'fleets/eu',
        'modelfleet:renderYamlToDirectory': 'rendered',
        'modelfleet:renderedDir': 'pr-artifact/dist',
        // A key the schema may gain later passes through untouched (the schema judges it).
        'modelfleet:somethingNew': '[1,2]',
        'other:pools': '{}',
      },
      'prod',
    );
    expect(config).toEqual({
      modelsDir: 'fleets/eu',
      renderYamlToDirectory: 'rendered',
      renderedDir: 'pr-artifact/dist',
      stackConfig: {
        name: 'prod',
        source: 'Pulumi.prod.yaml',
        values: { image: 'nvcr.io/nvidia/tritonserver:24.08-py3', somethingNew: [1, 2], tiers: { realtime: { maxReplicas: 12 } } },
      },
    });
    // Sorted keys: the result does not depend on the map's order.
    expect(Object.keys(config.stackConfig.values)).toEqual(['image', 'somethingNew', 'tiers']);
  });

  it('defaults the fleet to models and applies to the cluster when no program key is set', () => {
    expect(readProgramConfig({}, 'dev')).toEqual({ modelsDir: 'models', stackConfig: { name: 'dev', source: 'Pulumi.dev.yaml', values: {} } });
  });

  it('reports empty program keys, naming the stack config', () => {
    let error: unknown;
    try {
      readProgramConfig({ 'modelfleet:models': '', 'modelfleet:renderYamlToDirectory': '  ' }, 'prod');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).message).toMatchInlineSnapshot(`
      "Pulumi.prod.yaml: modelfleet:models: is empty; give the fleet directory, e.g. "models"
      Pulumi.prod.yaml: modelfleet:renderYamlToDirectory: is empty; give a directory, e.g. "rendered", or remove the key to apply to the cluster"
    `);
  });
});

describe('parseConfigValue', () => {
  it('reads JSON as JSON and anything else as text, as the YAML stack file would', () => {
    expect(parseConfigValue('{"kind":"hpa"}')).toEqual({ kind: 'hpa' });
    expect(parseConfigValue('3')).toBe(3);
    expect(parseConfigValue('true')).toBe(true);
    expect(parseConfigValue('"quoted"')).toBe('quoted');
    expect(parseConfigValue('nvcr.io/nvidia/tritonserver:24.08-py3')).toBe('nvcr.io/nvidia/tritonserver:24.08-py3');
    expect(parseConfigValue('inference.prod.modelfleet.internal')).toBe('inference.prod.modelfleet.internal');
  });
});
