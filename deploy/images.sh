#!/usr/bin/env bash
# deploy/images.sh: builds Linnet's two container images with the .NET SDK's own container support (no Docker, no
# daemon) and pushes them to a registry:
#   <registry>/linnet/proxy:<tag>          linnet-proxy, Native AOT, user 2102 (the injected init container is
#                                           Linkerd's proxy-init image: docs/kubernetes.md#proxy-init)
#   <registry>/linnet/control-plane:<tag>  the linnet CLI, self-contained, user 2103; its Deployment runs
#                                           `linnet control-plane …` (deploy/control-plane.yaml)
#
#   LINNET_REGISTRY=ghcr.io/you deploy/images.sh
#   LINNET_REGISTRY=127.0.0.1:5000 LINNET_INSECURE=1 deploy/images.sh     # a plain-HTTP registry
#
# Environment:
#   LINNET_REGISTRY    where to push (required): host[:port][/namespace]; credentials as docker login keeps them
#                      (~/.docker/config.json), which the SDK reads
#   LINNET_TAG         the tag (default 0.1.0: what `linnet install` and `linnet inject` reference)
#   LINNET_BASE_IMAGE  the base of both images (default: the SDK's choice, mcr.microsoft.com/dotnet/runtime-deps:10.0)
#   LINNET_INSECURE=1  the registry (and the base image's) speaks plain HTTP
#   LINNET_BUILD_DIR   where the builds go (default ${TMPDIR:-/tmp}/linnet-images), outside the source tree
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${LINNET_REGISTRY:?set LINNET_REGISTRY to the registry to push to, e.g. ghcr.io/you or 127.0.0.1:5000}"
TAG=${LINNET_TAG:-0.1.0}
BUILD_DIR=${LINNET_BUILD_DIR:-${TMPDIR:-/tmp}/linnet-images}

# The registry part (host[:port]) and an optional namespace under it.
REGISTRY_HOST=${LINNET_REGISTRY%%/*}
NAMESPACE=
[[ $LINNET_REGISTRY == */* ]] && NAMESPACE=${LINNET_REGISTRY#*/}/

args=(-c Release -r linux-x64 -t:PublishContainer -nologo -v minimal
    "-p:ContainerRegistry=$REGISTRY_HOST" "-p:ContainerImageTags=$TAG")
[[ -n ${LINNET_BASE_IMAGE:-} ]] && args+=("-p:ContainerBaseImage=$LINNET_BASE_IMAGE")
if [[ ${LINNET_INSECURE:-0} == 1 ]]; then
    # The SDK reads a ';'-separated list (a ',' or a repeated entry and it falls back to HTTPS).
    insecure=$REGISTRY_HOST
    base_host=${LINNET_BASE_IMAGE%%/*}
    if [[ -n ${LINNET_BASE_IMAGE:-} && $base_host != "$REGISTRY_HOST" ]]; then insecure+=";$base_host"; fi
    export DOTNET_CONTAINER_INSECURE_REGISTRIES=$insecure
fi

publish() { # project repository
    echo "images: building and pushing $REGISTRY_HOST/$NAMESPACE$2:$TAG" >&2
    # --artifacts-path keeps obj/ and bin/ out of the source tree. --disable-build-servers: no MSBuild node, compiler
    # or MSBuild server of another build is attached to, and none is left running after the script (it runs inside
    # other builds, e.g. from `dotnet test` in ContainerImageTests).
    dotnet publish "$REPO/$1" "${args[@]}" --disable-build-servers --self-contained "-p:ContainerRepository=$NAMESPACE$2" \
        --artifacts-path "$BUILD_DIR/$2" >&2
}

publish src/Linnet.Proxy linnet/proxy
publish src/Linnet.Cli linnet/control-plane
echo "$REGISTRY_HOST/${NAMESPACE}linnet/proxy:$TAG"
echo "$REGISTRY_HOST/${NAMESPACE}linnet/control-plane:$TAG"
