/**
 * `pod-security-restricted`: every pod template (Pod, Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) meets the Pod Security
 * Standards "restricted" profile, which every team namespace enforces
 * (`pod-security.kubernetes.io/enforce: restricted`). Checking it here
 * turns a ReplicaSet that silently fails to create pods into an error before
 * anything is applied.
 *
 * Checked: no host namespaces (`hostNetwork`, `hostPID`, `hostIPC`), no
 * `hostPath` and only the allowed volume types, no host ports, no privileged
 * containers, `allowPrivilegeEscalation: false`, capabilities dropping `ALL`
 * and adding at most `NET_BIND_SERVICE`, `runAsNonRoot: true` (pod or every
 * container) and no `runAsUser: 0`, a `RuntimeDefault` or `Localhost`
 * seccomp profile (pod or every container), and the default `/proc` mount.
 * Not checked: AppArmor, SELinux options, sysctls, Windows host processes.
 */
import { asList, asRecord, asString, type KubeObject } from './kube-object.ts';
import type { ManifestRule, ReportViolation } from './manifest-rule.ts';
import { containersOf, describeContainer, podTemplatesIn } from './pod-templates.ts';

/** Configuration of `pod-security-restricted` (none: the profile is fixed). */
export type PodSecurityRestrictedConfig = Readonly<Record<string, never>>;

/** Volume types the restricted profile allows. */
export const RESTRICTED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'] as const;

const SECCOMP_TYPES = ['RuntimeDefault', 'Localhost'];
const PSS = '(Pod Security "restricted")';

const show = (value: unknown) => (value === undefined ? 'unset' : JSON.stringify(value));

/** Reports every field of every pod template that breaks the restricted profile. */
export function checkPodSecurityRestricted(objects: readonly KubeObject[], _config: PodSecurityRestrictedConfig, report: ReportViolation): void {
  for (const template of podTemplatesIn(objects)) {
    const { object, spec, path } = template;
    const pod = asRecord(spec.securityContext) ?? {};
    for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
      if (spec[field] === true) report(object, [...path, field], `${field} is true; host namespaces are not allowed ${PSS}: remove it`);
    }
    asList(spec.volumes).forEach((v, i) => {
      const volume = asRecord(v) ?? {};
      const type = Object.keys(volume).find((k) => k !== 'name');
      if (type === undefined || (RESTRICTED_VOLUME_TYPES as readonly string[]).includes(type)) return;
      const name = asString(volume.name) ?? `#${i}`;
      report(
        object,
        [...path, 'volumes', i, type],
        type === 'hostPath'
          ? `volume "${name}" is a hostPath volume; host paths are not allowed ${PSS}: use an emptyDir, a ConfigMap or a PersistentVolumeClaim`
          : `volume "${name}" is of type ${type}; allowed types are ${RESTRICTED_VOLUME_TYPES.join(', ')} ${PSS}`,
      );
    });
    if (pod.runAsUser === 0) report(object, [...path, 'securityContext', 'runAsUser'], `pods run as user 0 (root) ${PSS}; give a non-zero runAsUser`);
    const podSeccomp = asString(asRecord(pod.seccompProfile)?.type);
    if (podSeccomp !== undefined && !SECCOMP_TYPES.includes(podSeccomp)) {
      report(object, [...path, 'securityContext', 'seccompProfile', 'type'], `seccompProfile.type is ${show(podSeccomp)}; use RuntimeDefault or Localhost ${PSS}`);
    }

    for (const c of containersOf(template)) {
      const sc = asRecord(c.container.securityContext) ?? {};
      const at = (...fields: (string | number)[]) => [...c.path, 'securityContext', ...fields];
      const who = describeContainer(c);
      if (sc.privileged === true) report(object, at('privileged'), `${who} is privileged ${PSS}; remove securityContext.privileged`);
      if (sc.allowPrivilegeEscalation !== false) {
        const found = sc.allowPrivilegeEscalation === undefined ? 'leaves securityContext.allowPrivilegeEscalation unset' : `sets securityContext.allowPrivilegeEscalation to ${show(sc.allowPrivilegeEscalation)}`;
        report(object, at('allowPrivilegeEscalation'), `${who} ${found}; it must be false ${PSS}`);
      }
      const capabilities = asRecord(sc.capabilities) ?? {};
      if (!asList(capabilities.drop).includes('ALL')) {
        report(object, at('capabilities', 'drop'), `${who} does not drop all capabilities ${PSS}; set securityContext.capabilities.drop to ["ALL"]`);
      }
      const added = asList(capabilities.add).filter((cap) => cap !== 'NET_BIND_SERVICE');
      if (added.length) {
        report(object, at('capabilities', 'add'), `${who} adds capabilities ${added.map((x) => show(x)).join(', ')}; only NET_BIND_SERVICE may be added ${PSS}`);
      }
      if (sc.runAsNonRoot !== undefined && sc.runAsNonRoot !== true) {
        report(object, at('runAsNonRoot'), `${who} sets securityContext.runAsNonRoot to ${show(sc.runAsNonRoot)}; it must be true ${PSS}`);
      } else if (sc.runAsNonRoot === undefined && pod.runAsNonRoot !== true) {
        report(object, at('runAsNonRoot'), `${who} may run as root: runAsNonRoot is ${show(pod.runAsNonRoot)} on the pod and unset on the container; set securityContext.runAsNonRoot to true ${PSS}`);
      }
      if (sc.runAsUser === 0) report(object, at('runAsUser'), `${who} runs as user 0 (root) ${PSS}; give a non-zero runAsUser`);
      const seccomp = asString(asRecord(sc.seccompProfile)?.type);
      if (seccomp !== undefined && !SECCOMP_TYPES.includes(seccomp)) {
        report(object, at('seccompProfile', 'type'), `${who} sets seccompProfile.type ${show(seccomp)}; use RuntimeDefault or Localhost ${PSS}`);
      } else if (seccomp === undefined && (podSeccomp === undefined || !SECCOMP_TYPES.includes(podSeccomp))) {
        report(object, at('seccompProfile'), `${who} has no seccomp profile (none on the container or the pod); set seccompProfile.type to RuntimeDefault ${PSS}`);
      }
      if (sc.procMount !== undefined && sc.procMount !== 'Default') {
        report(object, at('procMount'), `${who} sets procMount ${show(sc.procMount)}; only Default is allowed ${PSS}`);
      }
      asList(c.container.ports).forEach((p, i) => {
        const hostPort = asRecord(p)?.hostPort;
        if (hostPort !== undefined && hostPort !== 0) {
          report(object, [...c.path, 'ports', i, 'hostPort'], `${who} binds host port ${show(hostPort)}; host ports are not allowed ${PSS}: use a Service`);
        }
      });
    }
  }
}

/** The `pod-security-restricted` rule. */
export const podSecurityRestrictedRule: ManifestRule<PodSecurityRestrictedConfig, 'pod-security-restricted'> = {
  id: 'pod-security-restricted',
  description: 'Every pod template meets the Pod Security Standards "restricted" profile.',
  defaultLevel: 'mandatory',
  scope: 'object',
  check: checkPodSecurityRestricted,
};
