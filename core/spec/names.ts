/**
 * Name rules shared by declarations and generated objects.
 *
 * Model, tenant and team names end up in Kubernetes object names, label
 * values, Triton model names and URL paths, so they are restricted to
 * DNS-1123 labels (lower-case alphanumerics and `-`, starting and ending with
 * an alphanumeric). Team names also become Namespace and Service-name
 * prefixes, so they must start with a letter (DNS-1035) and are kept short
 * enough that every generated shard name fits in 63 characters.
 */

/** DNS-1123 label: what Kubernetes accepts for most names and label values. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** DNS-1035 label: like DNS-1123 but starting with a letter (Service names). */
export const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Longest model or tenant name. */
export const MAX_NAME_LENGTH = 63;

/** Longest team name: leaves room for `-<tier>-<pool>-<index>` in shard names. */
export const MAX_TEAM_NAME_LENGTH = 24;

/** Longest pool name, for the same reason. */
export const MAX_POOL_NAME_LENGTH = 20;

/** Longest Kubernetes object name that must also be a DNS label. */
export const MAX_OBJECT_NAME_LENGTH = 63;

/** The first character of `value` outside ASCII, as `"о" (U+043E)`, or `undefined`. */
function firstNonAscii(value: string): string | undefined {
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code > 0x7f) return `${JSON.stringify(ch)} (U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
  }
  return undefined;
}

/**
 * Explains why `value` is not a valid DNS label, or returns `undefined` when it is.
 *
 * @param lengthReason - why the length limit is what it is, for the message
 */
export function explainLabel(value: string, maxLength: number, mustStartWithLetter = false, lengthReason?: string): string | undefined {
  const shown = JSON.stringify(value);
  if (value.length === 0) return `must not be empty, got ""; give a name of lower-case letters, digits and "-"`;
  if (value.length > maxLength) return `${shown} is ${value.length} characters; at most ${maxLength} are allowed${lengthReason ? ` (${lengthReason})` : ''}; shorten it`;
  const re = mustStartWithLetter ? DNS1035_LABEL : DNS1123_LABEL;
  if (!re.test(value)) {
    // Full-width and accented look-alikes map to ASCII (NFKD, then drop combining marks); others (Cyrillic "о") do not.
    const ascii = value.normalize('NFKD').replace(/\p{M}/gu, '');
    const suggestion = /[^\x00-\x7f]/.test(ascii)
      ? ''
      : ascii
          .toLowerCase()
          .replace(/[^a-z0-9-]+/g, '-')
          .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
    const rule = mustStartWithLetter
      ? 'lower-case letters, digits and "-", starting with a letter and ending with a letter or digit'
      : 'lower-case letters, digits and "-", starting and ending with a letter or digit';
    const foreign = firstNonAscii(value);
    const why = foreign ? ` (${foreign} is not an ASCII letter or digit, though it may look like one)` : '';
    const fix = suggestion && suggestion !== value && (!mustStartWithLetter || /^[a-z]/.test(suggestion)) ? `; try ${JSON.stringify(suggestion)}` : '';
    return `${shown} is not a DNS label${why}: use ${rule}${fix}`;
  }
  return undefined;
}
