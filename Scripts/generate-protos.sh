#!/usr/bin/env bash
# Regenerates Sources/Wire/*.pb.swift and *.grpc.swift from Protos/: the messages, and the
# client stubs only (the agent's side; the hub serves AgentLink with its own SwiftNIO server,
# chosen by measurement — see BENCHMARKS.md).
# Needs Debian's protoc (`apt-get install protobuf-compiler`); the two Swift
# plugins are built from the package's own dependencies. Builds and CI use the
# committed output and never need protoc.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v protoc >/dev/null || { echo "protoc not found: apt-get update && apt-get install protobuf-compiler" >&2; exit 1; }

swift build --product protoc-gen-swift >&2
swift build --product protoc-gen-grpc-swift-2 >&2
bin=$(swift build --show-bin-path)

protos=$(cd Protos && find . -name '*.proto' | sed 's|^\./||' | sort)
(
  cd Protos
  # shellcheck disable=SC2086
  protoc \
    --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
    --swift_out=../Sources/Wire \
    --swift_opt=Visibility=Public \
    --swift_opt=FileNaming=DropPath \
    --plugin=protoc-gen-grpc-swift-2="$bin/protoc-gen-grpc-swift-2" \
    --grpc-swift-2_out=../Sources/Wire \
    --grpc-swift-2_opt=Visibility=Public \
    --grpc-swift-2_opt=FileNaming=DropPath \
    --grpc-swift-2_opt=Server=false \
    $protos
)
echo "generated: $(ls Sources/Wire/*.pb.swift Sources/Wire/*.grpc.swift | tr '\n' ' ')"
