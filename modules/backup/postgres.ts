/**
 * PostgreSQL as a backup source and restore target. The client tools (pg_dump, pg_dumpall,
 * pg_restore, psql, createdb, dropdb) run either on the host — as the `user`'s OS account when the
 * task runs as root, which is what Debian's peer authentication expects — or inside a podman
 * container through `podman exec -i`, NEVER with `-t`: a TTY turns "\n" into "\r\n" in the stream
 * and corrupts a binary custom-format dump (containers/podman#9718). Every output is redirected by
 * the script's own root shell, so the tools never need to write into the (root-only) series.
 *
 * In an archive the dumps are members below `.hostwright-backup/postgres/`: `<database>.dump`
 * (`pg_dump -Fc`) and `globals.sql` (`pg_dumpall --globals-only`: roles and tablespaces).
 */
import type { JSONSchemaType } from 'ajv';
import { sh } from '../../runner/shell.js';

/** The member directory of the dumps inside an archive. */
export const DUMP_DIR = '.hostwright-backup/postgres';

/** Database names this module accepts: they become file names in the archive. */
export const DATABASE_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.$-]*$';

export interface PostgresConnection {
  /**
   * Run the client tools inside this podman container (`podman exec -i`, never a TTY). The
   * container must be running and have the tools (any PostgreSQL image has).
   * @default the host's own tools
   */
  container?: string;
  /**
   * The role the tools connect as (`-U`). On the host, when the task runs as root, the tools also
   * run as this OS account (`runuser`), so Debian's default peer authentication lets them in.
   * @default postgres
   */
  user?: string;
  /** Server host name or socket directory (`-h`). @default the tools' default (the local socket) */
  host?: string;
  /** Server port (`-p`). @default the tools' default (5432) */
  port?: number;
}

/** What `backup` dumps. */
export interface PostgresBackupSource extends PostgresConnection {
  /** Databases dumped with `pg_dump -Fc` (custom format: compressed, restorable selectively). */
  databases: string[];
  /** Also dump roles and tablespaces (`pg_dumpall --globals-only`) as `globals.sql`. @default true */
  globals?: boolean;
}

/** One database to restore from an archive's dump. */
export interface RestoreDatabase {
  /** The dumped database (its dump `<name>.dump` in the archive). */
  name: string;
  /** The database to restore into; created when missing. @default name */
  target?: string;
  /**
   * Drop the target first (`dropdb --force`: connected sessions are ended) and restore into a new,
   * empty database. Without it the dump's objects are dropped and recreated inside the existing
   * database (`pg_restore --clean --if-exists`), in one transaction that fails as a whole.
   * @default false
   */
  drop?: boolean;
}

/** What `backup_restore` restores into PostgreSQL. */
export interface PostgresRestore extends PostgresConnection {
  databases: RestoreDatabase[];
  /** Replay the archive's `globals.sql` first (roles that already exist are reported by psql and left as they are). @default false */
  globals?: boolean;
}

/** Where backup_verify reads dumps with pg_restore. */
export interface DumpReader {
  /** The podman container whose pg_restore reads the dumps. @default the host's pg_restore */
  container?: string;
}

const containerName = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', nullable: true } as const;

export const dumpReaderSchema: JSONSchemaType<DumpReader> = {
  type: 'object',
  properties: { container: containerName },
  additionalProperties: false,
};

const connectionProperties = {
  container: containerName,
  user: { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]*$', nullable: true },
  host: { type: 'string', pattern: '^[^\\n]+$', nullable: true },
  port: { type: 'integer', minimum: 1, maximum: 65535, nullable: true },
} as const;

const databaseName = { type: 'string', pattern: DATABASE_PATTERN } as const;

export const postgresBackupSchema: JSONSchemaType<PostgresBackupSource> = {
  type: 'object',
  properties: {
    ...connectionProperties,
    databases: { type: 'array', minItems: 1, items: databaseName },
    globals: { type: 'boolean', nullable: true },
  },
  required: ['databases'],
  additionalProperties: false,
};

export const postgresRestoreSchema: JSONSchemaType<PostgresRestore> = {
  type: 'object',
  properties: {
    ...connectionProperties,
    databases: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: { name: databaseName, target: { ...databaseName, nullable: true }, drop: { type: 'boolean', nullable: true } },
        required: ['name'],
        additionalProperties: false,
      },
    },
    globals: { type: 'boolean', nullable: true },
  },
  required: ['databases'],
  additionalProperties: false,
};

/**
 * Shell function `hw_pg TOOL ARGS...` running a client tool where the database is, with stdin as
 * given by the caller (`</dev/null` for dumps, the dump file for restores).
 */
export function pgFunction(c: PostgresConnection): string {
  if (c.container) return sh`hw_pg() { podman exec -i ${c.container} "$@"; }`;
  const user = c.user ?? 'postgres';
  // runuser keeps the caller's cwd: / is readable by every account (the series dir is not).
  return sh`hw_pg() { if [ "$(id -u)" = 0 ] && [ ${user} != root ]; then (cd / && runuser -u ${user} -- "$@"); else "$@"; fi; }`;
}

/** The connection options every tool takes: `-U user [-h host] [-p port]`. */
export function pgConnArgs(c: PostgresConnection): string {
  return [sh`-U ${c.user ?? 'postgres'}`, c.host ? sh`-h ${c.host}` : '', c.port ? sh`-p ${c.port}` : ''].filter(Boolean).join(' ');
}

/** Where the tools run, for messages. */
export function pgWhere(c: PostgresConnection): string {
  return c.container ? `in container ${c.container}` : 'on the host';
}

/**
 * Probe lines listing the server's databases (`pgdb NAME`), or `pgerr` lines with why it could
 * not connect. Read-only: one psql query.
 */
export function pgDatabasesProbe(c: PostgresConnection): string {
  return [
    pgFunction(c),
    `if out=$(hw_pg psql ${pgConnArgs(c)} -d postgres -X -A -t -c 'SELECT datname FROM pg_database' </dev/null 2>&1); then`,
    `  printf '%s\\n' "$out" | sed 's/^/pgdb /'`,
    `else printf '%s\\n' "$out" | tail -n 3 | sed 's/^/pgerr /'; fi`,
  ].join('\n');
}
