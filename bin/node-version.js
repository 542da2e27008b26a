// Latchkey runs on Node.js 22.12 or later (oidc-provider 9 needs it; Node 20 reached its end of life in
// April 2026). Checked before anything else loads, so an old Node prints one clear line instead of a
// library's warnings and a stack trace.

/** The line to print for an unsupported Node.js version, or null when `version` is supported. */
export function nodeVersionProblem(version) {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 12)) return null;
  return `latchkey: Node.js ${version} is not supported; use Node.js 22.12 or later (24 LTS recommended): run \`bash scripts/ensure-node.sh\` or a version manager (\`nvm install 24\`).`;
}

/** Prints the problem and sets exit status 1 on an unsupported Node.js; true when it refused. */
export function refuseUnsupportedNode() {
  const problem = nodeVersionProblem(process.versions.node);
  if (!problem) return false;
  process.stderr.write(`${problem}\n`);
  process.exitCode = 1;
  return true;
}
