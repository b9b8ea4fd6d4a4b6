/** The build id a worker reports when FLEETFLOW_BUILD_ID does not set one: `0.1.0+3f2a9c1d0b7e` (package version + commit). */
export function buildIdFrom(packageVersion: string, commit: string | undefined): string | undefined {
  const short = commit?.trim().slice(0, 12);
  return short && /^[0-9a-f]{7,}$/.test(short) ? `${packageVersion}+${short}` : undefined;
}

/** Build ids are free text to Temporal; Fleetflow keeps them printable and short so they read well in commands. */
export function buildIdProblem(id: string): string | undefined {
  if (!id) return 'must not be empty';
  if (id.length > 255) return 'must be at most 255 characters';
  if (!/^[A-Za-z0-9._+-]+$/.test(id)) return 'may contain only letters, digits and . _ + -';
  return undefined;
}
