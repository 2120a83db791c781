/**
 * A real signed apt repository, built and served inside a lab host: a .deb made with dpkg-deb,
 * its Packages and Release files, the Release signed (InRelease and Release.gpg) with a gpg key
 * generated here, and a second key that signs nothing (the wrong key). Served over HTTP by the
 * host's python3 on its lab address, port 8000:
 *
 *   http://ADDR:8000/repo/       flat repository (`./`), package hw-signed 1.0
 *   http://ADDR:8000/key.asc     the signing key, ASCII-armoured
 *   http://ADDR:8000/key.gpg     the same, binary
 *   http://ADDR:8000/wrong.asc   another key
 *
 * The serving host needs gpg and gpg-agent (installed with apt by the test, through the lab's proxy).
 */
export const SIGNED_REPO_PORT = 8000;

export const BUILD_SIGNED_REPO = String.raw`set -e
export GNUPGHOME=/root/hw-gnupg
rm -rf "$GNUPGHOME"; mkdir -m 700 "$GNUPGHOME"
gen() { gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-gen-key "$1" ed25519 sign never; }
gen 'Hostwright Test <hw@example.invalid>'
gen 'Wrong Key <wrong@example.invalid>'
w=/srv/www; r=$w/repo; rm -rf "$w"; mkdir -p "$r"
d=$(mktemp -d); mkdir -p "$d/DEBIAN" "$d/usr/share/hw-signed"
printf 'Package: hw-signed\nVersion: 1.0\nArchitecture: all\nMaintainer: Hostwright <hw@example.invalid>\nDescription: Hostwright signed repository test package\n' > "$d/DEBIAN/control"
echo hello > "$d/usr/share/hw-signed/hello"
dpkg-deb -Zgzip --build "$d" "$r/hw-signed_1.0_all.deb" >/dev/null; rm -rf "$d"
cd "$r"
{ dpkg-deb -f hw-signed_1.0_all.deb; printf 'Filename: ./hw-signed_1.0_all.deb\nSize: %s\nSHA256: %s\n\n' "$(stat -c %s hw-signed_1.0_all.deb)" "$(sha256sum < hw-signed_1.0_all.deb | cut -d' ' -f1)"; } > Packages
{
  printf 'Origin: Hostwright\nLabel: hw\nSuite: hw\nCodename: hw\nDate: %s\nArchitectures: all amd64\nSHA256:\n' "$(date -Ru)"
  printf ' %s %s Packages\n' "$(sha256sum < Packages | cut -d' ' -f1)" "$(stat -c %s Packages)"
} > Release
gpg --batch --yes --local-user hw@example.invalid --clearsign -o InRelease Release
gpg --batch --yes --local-user hw@example.invalid -abs -o Release.gpg Release
gpg --armor --export hw@example.invalid > "$w/key.asc"
gpg --export hw@example.invalid > "$w/key.gpg"
gpg --armor --export wrong@example.invalid > "$w/wrong.asc"
`;

/** Starts the HTTP server detached from the SSH session (tini reaps it when the host stops). */
export const serveSignedRepo = (address: string): string =>
  `setsid python3 -m http.server ${SIGNED_REPO_PORT} --bind ${address} --directory /srv/www >/tmp/hw-http.log 2>&1 </dev/null &`;
