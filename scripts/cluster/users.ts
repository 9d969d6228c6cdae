import { readFileSync } from "node:fs";

export type SystemUser = { name: string; uid: number; gid: number };

function lookup(name: string): SystemUser | null {
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const [user, , uid, gid] = line.split(":");
      if (user === name) return { name, uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // no passwd file: not a system where we run as root
  }
  return null;
}

/**
 * The unprivileged user daemons that refuse root (PgBouncer) or should not keep it (nginx
 * workers) switch to when the cluster is started as root; null when not root.
 */
export function runAsUser(): SystemUser | null {
  if (process.getuid?.() !== 0) return null;
  return lookup("postgres") ?? lookup("nobody");
}
