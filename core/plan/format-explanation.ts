/**
 * The text `npx modelfleet explain` prints: one block per copy, with labelled
 * sections (shard, share, why, route, rules). Pure: same explanation, same
 * text. `--json` prints the `FleetExplanation` itself instead.
 */
import { formatWholeUsd } from '../cost/cost-model.ts';
import { formatWindow } from '../spec/traffic-profile.ts';
import { formatMillicores, readableBytes } from '../spec/quantity.ts';
import type { CopyExplanation, FleetExplanation, ResourceShare } from './explain-copy.ts';

const label = (name: string) => `  ${name.padEnd(10)}`;
const cont = ' '.repeat(12);

function shareLine(what: string, s: ResourceShare, format: (n: number) => string): string {
  return `${cont}${what.padEnd(12)} ${format(s.copy).padStart(8)} of ${format(s.shardUsed)} used (${s.percentOfUsed}%), of ${format(s.shardCapacity)} capacity (${s.percentOfCapacity}%)`;
}

function replicas(c: CopyExplanation): string {
  const { min, max, peak } = c.shard.replicas;
  const gpus = c.shard.gpusPerReplica > 0 ? `, ${c.shard.gpusPerReplica} ${c.shard.gpuResource} per replica` : '';
  const peakText = peak ? `; ${peak.replicas} during ${peak.hoursUtc.map(([s, e]) => formatWindow({ startHourUtc: s, endHourUtc: e })).join(', ')} (declared peak hours)` : '';
  return `${min}–${max}${peakText}${gpus}`;
}

/** The text block of one copy. */
export function formatCopyExplanation(c: CopyExplanation): string {
  const out: string[] = [];
  const who = c.tenant !== null ? `${c.model} for tenant ${c.tenant}` : c.model;
  out.push(`${who} (${c.id}, Triton model ${c.tritonName})`);
  out.push(`${label('declared')}${c.file}: ${c.framework}, tier ${c.tier}, ${c.gpu ? 'GPU' : 'CPU'} model${c.peakQps !== null ? `, peak ${c.peakQps} requests/s` : ''}${c.dedicated ? ', dedicated' : ''}`);
  out.push(`${label('shard')}${c.shard.name} in namespace ${c.shard.namespace}, pool ${c.shard.pool} (${c.shard.poolKind.toUpperCase()}), ${c.shard.copies} of at most ${c.shard.maxCopies} copies`);
  out.push(`${label('replicas')}${replicas(c)}`);
  const sv = c.serving;
  out.push(
    `${label('at peak')}${sv.peakQps === null ? 'no peakQps declared' : `${sv.peakQps} requests/s, ${sv.perReplicaQps} per replica`}; batches of ${sv.batch} taking ${sv.batchLatencyMs} ms (${
      sv.latencySource === 'profile' ? `its profile on ${c.shard.pool}` : "the stack's throughput figure"
    }); the shard needs ${sv.shardReplicasAtPeak} replicas at peak, each ${Math.round(sv.shardUtilization * 100)}% busy`,
  );
  out.push(`${label('share')}of the shard, per replica:`);
  if (c.gpu || c.share.gpuMemory.shardCapacity > 0) out.push(shareLine('GPU memory', c.share.gpuMemory, readableBytes));
  out.push(shareLine('host memory', c.share.memory, readableBytes));
  out.push(shareLine('CPU', c.share.cpu, formatMillicores));
  const usd = (n: number) => formatWholeUsd(Math.round(n * 100));
  const m = c.cost.monthlyUsd;
  const sm = c.cost.shardMonthlyUsd;
  out.push(
    `${label('cost')}${usd(m.planned)} a month planned (range ${usd(m.min)}–${usd(m.max)}): its share by ${c.shard.poolKind === 'gpu' && c.gpu ? 'GPU memory' : 'CPU'} of the shard's ${usd(sm.planned)} (range ${usd(sm.min)}–${usd(sm.max)}; $${c.cost.hourlyUsdPerReplica} a replica-hour)`,
  );
  const g = c.why.group;
  out.push(`${label('why')}group ${g.team} / ${g.tier} / ${g.pool}: ${g.copies} copies in ${g.shards} shards (lower bound ${g.lowerBound})`);
  out.push(`${cont}pools of tier ${c.tier}, in order: ${c.why.pools.map((p) => `${p.pool} ${p.verdict === 'chosen' ? '(chosen)' : `(${p.note})`}`).join('; ')}`);
  out.push(`${cont}placement by the ${c.why.placement.source}: ${c.why.placement.reason}`);
  const r = c.route;
  out.push(`${label('route')}VirtualService ${r.virtualService.namespace}/${r.virtualService.name}${r.virtualService.parts > 1 ? ` (part ${r.virtualService.part} of ${r.virtualService.parts})` : ''} on gateway ${r.gateway}, host ${r.host}`);
  const headerText = Object.entries(r.rest.headers).map(([k, v]) => `${k}: ${v}`).join(', ');
  const rest = `${cont}REST  POST ${r.rest.path}${headerText ? ` with ${headerText}` : ''} → ${r.rest.destination} ${r.rest.upstreamPath}`;
  out.push(r.rest.canary ? `${rest} (${100 - r.rest.canary.weight}%), ${r.rest.canary.upstreamPath} (${r.rest.canary.weight}%, by x-request-id)` : rest);
  out.push(`${cont}gRPC  inference.GRPCInferenceService with ${Object.entries(r.grpc.metadata).map(([k, v]) => `${k}: ${v}`).join(', ')} and model_name "${r.grpc.modelName}" → ${r.grpc.destination}`);
  out.push(`${cont}rules ${r.rules.map((rule) => rule.name).join(', ')}`);
  out.push(`${label('curl')}${r.curl}`);
  out.push(`${label('grpcurl')}${r.grpcurl}`);
  const t = c.rules.tier;
  const scaler = t.autoscaler;
  out.push(
    `${label('tier')}${t.tier}: p99 ≤ ${t.p99LatencyMs} ms, max batch ${t.maxBatchSize}${t.maxBatchSize > 0 ? ` (queue delay ${t.maxQueueDelayMicroseconds} µs, preferred ${t.preferredBatchSizes.join(', ') || 'none'})` : ''}, queue ${t.queue.timeoutAction} after ${t.queue.timeoutMicroseconds} µs (at most ${t.queue.maxQueueSize} queued)`,
  );
  out.push(
    `${cont}PriorityClass ${t.priorityClass.name} (${t.priorityClass.value}, ${t.priorityClass.preemptionPolicy}), PDB max unavailable ${t.pdbMaxUnavailable}, ${t.headroomPercent}% headroom; ${scaler.kind} scales on queue time ${scaler.queueTimeTargetMicroseconds} µs, CPU ${scaler.cpuUtilizationPercent}%${scaler.gpuUtilizationPercent !== null ? `, GPU ${scaler.gpuUtilizationPercent}%` : ''}${scaler.scaleToZero ? ', to zero when idle' : ''}`,
  );
  out.push(`${label('isolation')}${c.rules.isolation.join(', ') || 'none'}`);
  const rules = c.rules.platform;
  out.push(`${label('platform')}${rules.map((p) => `${p.id} ${p.level === 'disabled' ? 'disabled' : `${p.level} ${p.result}`}`).join(', ')}`);
  for (const p of rules) for (const v of p.violations) out.push(`${cont}${v}`);
  return out.join('\n');
}

/** The whole text: one block per copy, then a note when the lockfile would change. */
export function formatExplanation(e: FleetExplanation): string {
  const blocks = e.copies.map(formatCopyExplanation);
  if (!e.lockfile.upToDate) blocks.push(`note: ${e.lockfile.file} is not up to date; this is where \`npx modelfleet synth\` would place the copies (run it and commit the lockfile)`);
  return blocks.join('\n\n');
}
