/**
 * A small local apt repository built on a lab host with the host's own dpkg-deb, so package tests
 * have versions to pin, upgrade and downgrade, dependencies, recommends and a conffile, without
 * depending on what Debian's mirror carries today. `file:` repository, trusted, one Packages file.
 *
 *   hw-lib 1.0        hw-tool 1.0 (Depends: hw-lib)    hw-tool 2.0 (Depends: hw-lib, Recommends: hw-extra)
 *   hw-extra 1.0      hw-conf 1.0 and 1.1 (conffile /etc/hw-conf.conf, changed in 1.1)
 */
export const REPO_SCRIPT = String.raw`set -e
r=/srv/hw-repo; rm -rf "$r"; mkdir -p "$r"
mk() { # name version [depends] [recommends]
  d=$(mktemp -d); mkdir -p "$d/DEBIAN" "$d/etc"
  {
    printf 'Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: Hostwright <hw@example.invalid>\n' "$1" "$2"
    [ -z "$3" ] || printf 'Depends: %s\n' "$3"
    [ -z "$4" ] || printf 'Recommends: %s\n' "$4"
    printf 'Description: Hostwright test package\n'
  } > "$d/DEBIAN/control"
  printf '%s %s\n' "$1" "$2" > "$d/etc/$1.conf"
  echo "/etc/$1.conf" > "$d/DEBIAN/conffiles"
  dpkg-deb -Zgzip --build "$d" "$r/$1_$2_all.deb" >/dev/null
  rm -rf "$d"
}
mk hw-lib 1.0
mk hw-tool 1.0 hw-lib
mk hw-tool 2.0 hw-lib hw-extra
mk hw-extra 1.0
mk hw-conf 1.0
mk hw-conf 1.1
for f in "$r"/*.deb; do
  dpkg-deb -f "$f"
  printf 'Filename: ./%s\nSize: %s\nSHA256: %s\n\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(sha256sum < "$f" | cut -d' ' -f1)"
done > "$r/Packages"
echo 'deb [trusted=yes] file:/srv/hw-repo ./' > /etc/apt/sources.list.d/hw-repo.list
`;
