#!/usr/bin/env bash
# Runs every test. On a fresh Debian machine (as root) it first installs the Debian tools some tests
# drive: iptables and iproute2 (transparent interception in network namespaces), prometheus and promtool
# (metrics format; a real Prometheus scraping the proxies through the control plane's service discovery), curl,
# tshark (captures proving no plaintext crosses between meshed proxies), docker-registry and htpasswd
# (apache2-utils) for the OCI registry client's tests against a real registry, chromium (the dashboard's tests drive it through
# Playwright), kubectl (kubernetes-client: kustomize and local patches, no cluster), tmux (linnet top read off a
# terminal). Then it builds and runs the whole solution's tests.
set -euo pipefail
cd "$(dirname "$0")"

need=()
{ command -v promtool && command -v prometheus; } >/dev/null 2>&1 || need+=(prometheus)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
test -x /usr/bin/python3 || need+=(python3)   # PodNetworkTests listen and connect inside pods with python3
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
command -v flock >/dev/null 2>&1 || need+=(util-linux)   # MeshOwnershipTests hold another process's lock with flock(1)
command -v tshark >/dev/null 2>&1 || need+=(tshark)
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
dpkg -s python3-aiosmtpd >/dev/null 2>&1 || need+=(python3-aiosmtpd) # a real SMTP server receives the e-mail notifications
command -v clang >/dev/null 2>&1 || need+=(clang)      # the demo publishes linnet-proxy with Native AOT (clang links it)
dpkg -s zlib1g-dev >/dev/null 2>&1 || need+=(zlib1g-dev) # ... and zlib, the AOT runtime's
command -v chromium >/dev/null 2>&1 || need+=(chromium) # the dashboard's tests drive a real browser (Playwright, ExecutablePath)
command -v script >/dev/null 2>&1 || need+=(bsdutils)   # the stop test runs the demo on a pseudo-terminal
command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client) # kubectl kustomize deploy/ and kubectl patch --local, no cluster
command -v tmux >/dev/null 2>&1 || need+=(tmux)         # linnet top's live table is read off a real terminal
if ((${#need[@]})); then
  if [ "$(id -u)" -eq 0 ]; then
    echo "test.sh: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "test.sh: not root, cannot install ${need[*]}; tests that need them are skipped" >&2
  fi
fi

# linnet-proxy as users get it (Native AOT, warning-free): the demo's tests run it, and publishing it here keeps its
# build (a minute or two, once per change) out of the time those tests allow the demo.
if command -v clang >/dev/null 2>&1 && [ -e /usr/include/zlib.h ]; then
  dotnet publish src/Linnet.Proxy -c Release -r linux-x64 -o artifacts/linnet-proxy -warnaserror -nologo 2>&1 | tail -n 3
  test -x artifacts/linnet-proxy/linnet-proxy
else
  echo "test.sh: clang or zlib1g-dev missing: linnet-proxy is not published with Native AOT, and the demo's tests fail" >&2
fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
status=0
dotnet test Linnet.slnx -c Release --logger "trx" --results-directory "$results" "$@" || status=$?

# One plain summary line over every test project.
python3 - "$results" <<'PY' || true
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(f).getroot().find(".//t:ResultSummary/t:Counters", ns)
    if c is None:
        continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)); skipped += int(c.get("notExecuted", 0))
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
