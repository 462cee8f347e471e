// The WEFT app id rule: three or more dot-separated parts, each a lowercase letter then lowercase letters or digits.

const PART = /^[a-z][a-z0-9]*$/;

/** Why `id` is not a valid app id, or null when it is. */
export function appIdProblem(id: string): string | null {
  if (id.length === 0) return 'is empty';
  if (id.length > 255) return `is ${id.length} characters long; the limit is 255`;
  const parts = id.split('.');
  if (parts.length < 3) return `"${id}" has ${parts.length} part${parts.length === 1 ? '' : 's'}; an app id needs at least three, like org.example.app`;
  for (const [index, part] of parts.entries()) {
    if (part.length === 0) return `"${id}" has an empty part at position ${index + 1}`;
    if (!PART.test(part)) {
      return `"${id}": part "${part}" must start with a-z and contain only a-z and 0-9`;
    }
  }
  return null;
}

export function isValidAppId(id: string): boolean {
  return appIdProblem(id) === null;
}
