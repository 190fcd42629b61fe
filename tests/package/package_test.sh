#!/usr/bin/env bash
# The Debian package on this machine, as an operator meets it: cpack builds it
# from the build tree (into a temp dir), dpkg-deb lists exactly the expected
# files and the dependencies dpkg-shlibdeps found, dpkg -i installs it (the
# sitod user, /var/lib/sitod), /usr/bin/sitod --version runs, sitod started as
# the sitod user with the packaged config answers /health, dpkg -r removes the
# programs and keeps config and data, dpkg --purge removes the rest.
#
# Usage: package_test.sh BUILD_DIR VERSION [CPACK]
# Root only (it installs into /usr/bin): anyone else gets exit 77, which ctest
# reports as skipped; so does a sanitizer build (ops/test --asan). A missing tool (dpkg-dev, file, curl) skips too, except
# under CI (CI=true), where ops/setup installs them all and the test fails.
# A package named sito already installed (an earlier run) is purged first, and
# whatever this run installed or started is gone when it exits, pass or fail.
set -u
build="$1"
version="$2"
cpack="${3:-cpack}"

fail() { echo "package_test: FAIL: $*" >&2; exit 1; }
skip() { echo "package_test: SKIP: $*"; exit 77; }
need() {  # need TOOL PACKAGE
  command -v "$1" >/dev/null && return 0
  [ "${CI:-}" = true ] && fail "$1 is missing (Debian package $2; ops/setup installs it)"
  skip "$1 is missing (Debian package $2)"
}

[ "$(id -u)" -eq 0 ] || skip "not root: installing a package needs root (CI runs as root)"
need dpkg dpkg
need dpkg-deb dpkg
need dpkg-shlibdeps dpkg-dev
need file file
need curl curl
need setpriv util-linux
need "$cpack" cmake
[ -x "$build/server/sitod" ] && [ -f "$build/CPackConfig.cmake" ] || fail "no built tree at $build"
# ops/test --asan runs the suite in build-asan/: a sanitizer build is not what ships.
sanitize="$(sed -n 's/^SITO_SANITIZE:[A-Z]*=//p' "$build/CMakeCache.txt")"
[ -z "$sanitize" ] || skip "a sanitizer build ($sanitize) is not packaged: run it in the release tree"

tmp="$(mktemp -d)"
pid=""
installed=0
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  fi
  if [ "$installed" -eq 1 ] && [ -n "$(dpkg-query -W -f='${Status}' sito 2>/dev/null)" ]; then
    dpkg --purge sito >/dev/null 2>&1
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

status_of() { dpkg-query -W -f='${Status}' sito 2>/dev/null; }
if [ -n "$(status_of)" ] && [ "$(status_of)" != "unknown ok not-installed" ]; then
  echo "package_test: a package sito is there ($(status_of)): purging it first"
  dpkg --purge sito >"$tmp/purge0.log" 2>&1 || { cat "$tmp/purge0.log" >&2; fail "cannot purge the sito already installed"; }
fi
getent passwd sitod >/dev/null && fail "a sitod user exists without the package: remove it (deluser --system sitod)"

# --- build -------------------------------------------------------------------
arch="$(dpkg --print-architecture)"
t0=$(date +%s)
"$cpack" --config "$build/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log" >&2; fail "cpack failed"; }
deb="$tmp/pkg/sito_${version}_${arch}.deb"
[ -f "$deb" ] || { ls "$tmp/pkg" >&2; fail "cpack did not write $(basename "$deb")"; }
echo "package_test: $(basename "$deb"): $(stat -c %s "$deb") bytes, built in $(( $(date +%s) - t0 )) s"

# --- contents ------------------------------------------------------------------
# Every file (not directory) in the package, with its mode: exactly these.
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $1, $6 }' | sort >"$tmp/files"
cat >"$tmp/files.expected" <<'EOF'
-rw-r--r-- ./etc/sitod/sitod.yaml
-rw-r--r-- ./lib/systemd/system/sitod.service
-rwxr-xr-x ./usr/bin/sito
-rwxr-xr-x ./usr/bin/sitod
EOF
diff -u "$tmp/files.expected" "$tmp/files" >&2 || fail "dpkg-deb -c: not the expected files"
for f in conffiles postinst prerm postrm; do
  dpkg-deb -I "$deb" "$f" >"$tmp/control.$f" 2>/dev/null || fail "no $f in the control archive"
done
grep -qx /etc/sitod/sitod.yaml "$tmp/control.conffiles" || fail "the config is not a conffile"
[ "$(dpkg-deb -f "$deb" Package)" = sito ] || fail "Package: $(dpkg-deb -f "$deb" Package)"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version: $(dpkg-deb -f "$deb" Version)"
depends="$(dpkg-deb -f "$deb" Depends)"
echo "package_test: Depends: $depends"
# From dpkg-shlibdeps (the libraries the binaries link) and declared by hand
# (data read at run time, tools of the maintainer scripts).
for d in libc6 'libstdc\+\+6' 'libhyperscan[0-9]' 'libtesseract[0-9]' 'libssl[0-9]' libyaml-cpp 'libtbb[0-9]' 'libicu[0-9]' libstemmer \
         adduser hunspell-ru tzdata tesseract-ocr-rus tesseract-ocr-eng tesseract-ocr-kaz; do
  grep -Eq "(^|, )$d[^,]*" <<<"$depends" || fail "Depends lacks $d: $depends"
done
# The binaries are stripped (no symbol table), the unit runs the packaged paths.
dpkg-deb -x "$deb" "$tmp/root"
file "$tmp/root/usr/bin/sitod" | grep -q 'stripped' && ! file "$tmp/root/usr/bin/sitod" | grep -q 'not stripped' ||
  fail "sitod is not stripped: $(file "$tmp/root/usr/bin/sitod")"
grep -qx 'ExecStart=/usr/bin/sitod --config /etc/sitod/sitod.yaml' "$tmp/root/lib/systemd/system/sitod.service" ||
  fail "the unit does not start /usr/bin/sitod with /etc/sitod/sitod.yaml"
grep -qx 'User=sitod' "$tmp/root/lib/systemd/system/sitod.service" || fail "the unit does not run as sitod"

# --- install -------------------------------------------------------------------
installed=1
dpkg -i "$deb" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log" >&2; fail "dpkg -i failed"; }
[ "$(status_of)" = "install ok installed" ] || fail "after dpkg -i: $(status_of)"
uid="$(id -u sitod 2>/dev/null)" || fail "postinst made no sitod user"
[ "$uid" -lt 1000 ] || fail "sitod is not a system user (uid $uid)"
[ "$(stat -c '%U:%G %a' /var/lib/sitod)" = "sitod:sitod 750" ] ||
  fail "/var/lib/sitod is $(stat -c '%U:%G %a' /var/lib/sitod), expected sitod:sitod 750"
[ "$(stat -c '%U:%G %a' /etc/sitod/sitod.yaml)" = "root:sitod 640" ] ||
  fail "/etc/sitod/sitod.yaml is $(stat -c '%U:%G %a' /etc/sitod/sitod.yaml), expected root:sitod 640"
dpkg-query -W -f='${Conffiles}\n' sito | grep -q '/etc/sitod/sitod.yaml' || fail "dpkg does not know the conffile"
# A second configure (a reinstall) finds the user and keeps it.
dpkg -i "$deb" >"$tmp/reinstall.log" 2>&1 || { cat "$tmp/reinstall.log" >&2; fail "a reinstall failed"; }
[ "$(id -u sitod)" = "$uid" ] || fail "a reinstall changed the sitod user"

out="$(/usr/bin/sitod --version 2>&1)" || fail "/usr/bin/sitod --version: exit $? ($out)"
[ "$out" = "sitod $version" ] || fail "/usr/bin/sitod --version printed '$out', expected 'sitod $version'"
/usr/bin/sito validate 'курьер NEAR/3 опоздал' >/dev/null || fail "/usr/bin/sito validate failed"

# --- run -----------------------------------------------------------------------
# The packaged config as is, on its own ports when they are free; otherwise the
# same file with the listeners moved on the command line.
busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 30000 ))
    busy "$p" || { echo "$p"; return; }
  done
  fail "no free port found"
}
args=(--config /etc/sitod/sitod.yaml)
http_port=7401
if busy 7400 || busy 7401; then
  http_port="$(free_port)"
  args+=(--listen "127.0.0.1:$(free_port)" --http "127.0.0.1:$http_port")
  echo "package_test: 7400 or 7401 is busy: listeners moved to the command line (http $http_port)"
fi
# As systemd would run it: the sitod user and group, from /.
(cd / && exec setpriv --reuid=sitod --regid=sitod --init-groups /usr/bin/sitod "${args[@]}") >"$tmp/sitod.log" 2>&1 &
pid=$!
t0=$(date +%s%N)
health=""
for _ in $(seq 1 600); do
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/sitod.log" >&2; fail "sitod exited while starting"; }
  health="$(curl -fsS --max-time 2 "http://127.0.0.1:$http_port/health" 2>/dev/null)" && break
  health=""
  sleep 0.1
done
[ -n "$health" ] || { cat "$tmp/sitod.log" >&2; fail "no answer on /health within 60 s"; }
echo "package_test: /health after $(( ($(date +%s%N) - t0) / 1000000 )) ms: $health"
grep -q '"status":"ok"' <<<"$health" || fail "/health: $health"
[ "$(ps -o user= -p "$pid" | tr -d ' ')" = sitod ] || fail "sitod does not run as sitod: $(ps -o user= -p "$pid")"
curl -fsS --max-time 5 "http://127.0.0.1:$http_port/metrics" | grep -qx 'sito_store_writable 1' ||
  fail "/metrics has no sito_store_writable 1"
[ -n "$(find /var/lib/sitod -mindepth 1 -user sitod -print -quit)" ] || fail "sitod wrote nothing in /var/lib/sitod"
kill -TERM "$pid"
for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && { cat "$tmp/sitod.log" >&2; fail "sitod still runs 30 s after SIGTERM"; }
wait "$pid"
rc=$?
pid=""
[ "$rc" -eq 0 ] || { cat "$tmp/sitod.log" >&2; fail "sitod exited with $rc after SIGTERM"; }

# --- remove, purge -----------------------------------------------------------------
dpkg -r sito >"$tmp/remove.log" 2>&1 || { cat "$tmp/remove.log" >&2; fail "dpkg -r failed"; }
grep -qi warning "$tmp/remove.log" && { cat "$tmp/remove.log" >&2; fail "dpkg -r warned"; }
[ "$(status_of)" = "deinstall ok config-files" ] || fail "after dpkg -r: $(status_of)"
for f in /usr/bin/sitod /usr/bin/sito /lib/systemd/system/sitod.service; do
  [ ! -e "$f" ] || fail "dpkg -r left $f"
done
[ -f /etc/sitod/sitod.yaml ] || fail "dpkg -r removed the config (a conffile stays until purge)"
[ -d /var/lib/sitod ] || fail "dpkg -r removed the data (it stays until purge)"
dpkg --purge sito >"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log" >&2; fail "dpkg --purge failed"; }
grep -qi warning "$tmp/purge.log" && { cat "$tmp/purge.log" >&2; fail "dpkg --purge warned"; }
installed=0
[ -z "$(status_of)" ] || [ "$(status_of)" = "unknown ok not-installed" ] || fail "after dpkg --purge: $(status_of)"
for f in /etc/sitod /var/lib/sitod /etc/systemd/system/sitod.service \
         /etc/systemd/system/multi-user.target.wants/sitod.service; do
  [ ! -e "$f" ] && [ ! -L "$f" ] || fail "dpkg --purge left $f"
done
getent passwd sitod >/dev/null && fail "dpkg --purge left the sitod user"
getent group sitod >/dev/null && fail "dpkg --purge left the sitod group"
echo "package_test: ok"
