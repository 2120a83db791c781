/**
 * images: where a container image comes from, as a typed variable. In production it is pulled from
 * a registry (`{ source: 'registry', name: 'docker.io/library/postgres:15' }`); on a host that
 * reaches no registry (the lab) it is built on the host from the host's own Debian packages
 * (`{ source: 'host-packages', name: 'localhost/postgres:15' }`): a root filesystem tarball of
 * the package's files, the libraries ldd names and busybox for a shell, imported with podman.
 *
 * The local build is a shell step guarded by a marker written after the import (`creates`), so a
 * second run does nothing and check mode on a fresh host reports it as "would run".
 */
import { task, type HostContext, type Items } from '../../runner/index.js';
import { apt, copy, file, podman_image, shell } from '../../modules/index.js';
import { sh } from '../../runner/shell.js';
import { perHost, type PerHost } from './per-host.js';

export interface ImageSource {
  /** The image's name and tag (`docker.io/library/postgres:15`, `localhost/postgres:15`). */
  name: string;
  /** `registry`: pulled. `host-packages`: built on the host from its Debian packages (no registry needed). */
  source: 'registry' | 'host-packages';
}

/** Where local builds keep their tarballs and markers. */
export const IMAGE_DIR = '/var/lib/hostwright/images';

/** The marker a local build leaves: one per image name, so a renamed image is built again. */
export const builtMarker = (name: string): string => `${IMAGE_DIR}/${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.built`;

/** How an image is built from the host's packages. */
interface HostRecipe {
  /** What the image is, in task names. */
  label: string;
  packages: string[];
  /** Files the packages must find before they are installed (their own configuration). */
  before?: { dir: string; file: string; content: string; why: string };
  tarball: (tar: string) => string;
  /** `podman import --change` instructions. */
  changes: string[];
}

const POSTGRES: HostRecipe = {
  label: 'PostgreSQL',
  packages: ['postgresql-15', 'busybox-static'],
  // The host never runs a PostgreSQL of its own: the package's cluster creation is switched off.
  before: { dir: '/etc/postgresql-common', file: '/etc/postgresql-common/createcluster.conf', content: 'create_main_cluster = false\n', why: 'no host cluster from postgresql-common' },
  tarball: (tar) => postgresTarball(tar),
  changes: ['ENV PATH=/usr/lib/postgresql/15/bin:/usr/bin TZ=UTC', 'USER postgres', 'CMD ["/usr/bin/pg-start"]'],
};

const BUSYBOX: HostRecipe = {
  label: 'busybox',
  packages: ['busybox-static'],
  tarball: (tar) => busyboxTarball(tar),
  changes: ['CMD ["/bin/sh"]'],
};

function imageFrom(recipe: HostRecipe, image: PerHost<ImageSource>): Items {
  const img = perHost(image);
  const tar = `${IMAGE_DIR}/${recipe.label.toLowerCase()}.tar`;
  const pulled = { when: (h: HostContext) => img(h).source === 'registry' };
  const local = { when: (h: HostContext) => img(h).source === 'host-packages' };
  const b = recipe.before;
  return [
    task(`${recipe.label} image from the registry`, podman_image((h) => ({ name: img(h).name })), pulled),
    ...(b
      ? [
          task(`${b.why}: directory`, file({ path: b.dir, state: 'directory', mode: '0755' }), local),
          task(b.why, copy({ dest: b.file, content: b.content, mode: '0644' }), local),
        ]
      : []),
    // update_cache (valid for an hour): a check run on a fresh host then sees the lists the base
    // role's apt run would fetch, and a real run after it does not fetch them again.
    task(`packages the ${recipe.label} image is built from`, apt({ name: recipe.packages, state: 'present', install_recommends: false, update_cache: true, cache_valid_time: 3600 }), local),
    task('image build directory', file({ path: IMAGE_DIR, state: 'directory', mode: '0700' }), local),
    task(
      `${recipe.label} image from the host's packages`,
      shell((h) => ({
        cmd: [
          recipe.tarball(tar),
          sh`podman import --quiet ${recipe.changes.flatMap((c) => ['--change', c])} -- ${tar} ${img(h).name} >/dev/null`,
          sh`rm -f -- ${tar} && touch -- ${builtMarker(img(h).name)}`,
        ].join('\n'),
        creates: builtMarker(img(h).name),
      })),
      local,
    ),
  ];
}

/** PostgreSQL 15: pulled, or built from the host's postgresql-15 package (initdb on an empty data directory, trust auth inside). */
export const postgresImage = (image: PerHost<ImageSource>): Items => imageFrom(POSTGRES, image);

/** busybox (the app's services start FROM it): pulled, or built from the host's busybox-static. */
export const busyboxImage = (image: PerHost<ImageSource>): Items => imageFrom(BUSYBOX, image);

/** A busybox root filesystem tarball at `tar` (world-readable, for rootless users too). */
export const busyboxTarball = (tar: string) => `set -e
r=$(mktemp -d); mkdir -p "$r/bin" "$r/etc" "$r/www" "$r/tmp"; chmod 1777 "$r/tmp"
cp /bin/busybox "$r/bin/busybox"
for a in $(/bin/busybox --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
echo 'root:x:0:0:root:/:/bin/sh' > "$r/etc/passwd"; echo busybox > "$r/www/index.html"
tar -C "$r" -cf ${tar} . && chmod 644 ${tar} && rm -rf "$r"`;

/** PostgreSQL 15 from the host's postgresql-15 package as a root filesystem tarball at `tar`. */
export const postgresTarball = (tar: string) => `set -e
R=$(mktemp -d); mkdir -p $R/usr/bin $R/usr/lib $R/usr/lib64 $R/usr/share $R/tmp $R/etc $R/var/lib/pgdata $R/run/postgresql
ln -s usr/bin $R/bin; ln -s usr/lib $R/lib; ln -s usr/lib64 $R/lib64
cp /bin/busybox $R/usr/bin/busybox
for a in $(/bin/busybox --list); do [ -e $R/usr/bin/$a ] || ln -s busybox $R/usr/bin/$a; done
files=$(find /usr/lib/postgresql/15 -type f ! -name 'llvmjit*' ! -path '*/bitcode/*')
for f in $files; do mkdir -p $R$(dirname $f); cp -p $f $R$f; done
cp -a /usr/share/postgresql $R/usr/share/
mkdir -p $R/usr/share/zoneinfo && cp -a /usr/share/zoneinfo/UTC /usr/share/zoneinfo/Etc $R/usr/share/zoneinfo/
# Merged /usr, as on the host: every library ldd names goes below $R/usr.
for lib in $(for f in $files; do ldd $f 2>/dev/null || true; done | grep -o '/[^ ]*' | sort -u); do
  case $lib in /usr/*) d=$lib ;; *) d=/usr$lib ;; esac; mkdir -p $R$(dirname $d); cp -pL $lib $R$d
done
cp /etc/ld.so.cache $R/etc/
grep -E '^(root|postgres):' /etc/passwd > $R/etc/passwd; grep -E '^(root|postgres):' /etc/group > $R/etc/group
chown postgres:postgres $R/var/lib/pgdata $R/run/postgresql; chmod 700 $R/var/lib/pgdata; chmod 1777 $R/tmp
cat > $R/usr/bin/pg-start <<'EOF'
#!/bin/sh
set -e
if [ ! -s /var/lib/pgdata/PG_VERSION ]; then initdb -D /var/lib/pgdata --no-locale -E UTF8 -A trust >/dev/null; fi
exec postgres -D /var/lib/pgdata -c listen_addresses='*' -c jit=off -c unix_socket_directories=/run/postgresql
EOF
chmod 755 $R/usr/bin/pg-start
tar -C $R -cf ${tar} . && rm -rf $R`;

