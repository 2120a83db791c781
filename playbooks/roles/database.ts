/**
 * database: PostgreSQL in a podman container whose data lives in a named volume (so the container
 * can be recreated, for a new image or setting, without losing data), published on the host's
 * loopback only (the firewall closes 5432 from outside as well), healthy before the role goes on,
 * and the application's database created in it.
 */
import { block, task, type HostContext, type Items } from '../../runner/index.js';
import { podman_container, podman_volume, shell } from '../../modules/index.js';
import { sh } from '../../runner/shell.js';
import { postgresImage, type ImageSource } from './images.js';
import { perHost, type PerHost } from './per-host.js';

export interface DatabaseVars {
  image: ImageSource;
  /** The application's database, created when missing. */
  database: string;
  /** Container name. @default 'postgres' */
  container?: string;
  /** Named volume holding the data directory. @default 'pgdata' */
  volume?: string;
  /** The data directory inside the container. @default the image's: /var/lib/postgresql/data (registry), /var/lib/pgdata (host-packages) */
  dataDir?: string;
  /** podman's `publish`. @default ['127.0.0.1:5432:5432'] */
  publish?: string[];
  /** The container's environment (POSTGRES_PASSWORD for the registry image). @default {} */
  env?: Record<string, string>;
}

export const pgContainer = (v: DatabaseVars): string => v.container ?? 'postgres';
export const pgVolume = (v: DatabaseVars): string => v.volume ?? 'pgdata';
/** The database's name, checked: it goes into SQL unquoted. */
function appDatabase(v: DatabaseVars): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(v.database)) throw new Error(`database name '${v.database}' must be a plain lower-case SQL identifier`);
  return v.database;
}
const dataDir = (v: DatabaseVars): string => v.dataDir ?? (v.image.source === 'registry' ? '/var/lib/postgresql/data' : '/var/lib/pgdata');

/** A psql command run inside the container as the superuser, over its Unix socket. */
export const psql = (v: DatabaseVars, sql: string, db = 'postgres'): string =>
  sh`podman exec ${pgContainer(v)} psql -h /run/postgresql -U postgres -d ${db} -v ON_ERROR_STOP=1 -Atc ${sql}`;

export function database(vars: PerHost<DatabaseVars>): Items {
  const v = perHost(vars);
  const name = (h: HostContext) => pgContainer(v(h));
  // A read-only look, run in check mode too (an error, as on a host without the container yet,
  // reads as "not there"), so check mode predicts whether the database is created.
  const dbThere = task(
    'application database there?',
    shell((h) => ({ cmd: psql(v(h), `SELECT 1 FROM pg_database WHERE datname = '${appDatabase(v(h))}'`) })),
    { check_mode: false, changed_when: () => false, failed_when: () => false },
  );
  return [
    block({
      tags: ['database'],
      block: [
        ...postgresImage((h) => v(h).image),
        task('database volume', podman_volume((h) => ({ name: pgVolume(v(h)) }))),
        task(
          'PostgreSQL container',
          podman_container((h) => ({
            name: name(h),
            image: v(h).image.name,
            volume: [`${pgVolume(v(h))}:${dataDir(v(h))}`],
            publish: v(h).publish ?? ['127.0.0.1:5432:5432'],
            env: v(h).env ?? {},
            restart_policy: 'always',
            healthcheck: 'pg_isready -h /run/postgresql -q',
            healthcheck_interval: '5s',
            wait_healthy: 120,
            stop_timeout: 30,
          })),
        ),
        dbThere,
        task('application database', shell((h) => ({ cmd: psql(v(h), `CREATE DATABASE ${appDatabase(v(h))}`) })), {
          when: (h) => dbThere.result(h)?.stdout?.trim() !== '1',
        }),
      ],
    }),
  ];
}
