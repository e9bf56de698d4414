#!/usr/bin/env bash
# The layers ldb's front ends may reach (docs/architecture.md): src/cli, the
# web server (src/server) and the Python module (python/src) include nothing
# of store/, index/, dataset/, formats/ or image/ (they call src/app), and
# src/app's public headers name only core/ and app/ (not app/detail/).
# Prints each offending include and exits 1; exits 0 when there is none.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
status=0
if grep -nE '#include "(store|index|dataset|formats|query|storage|image|app/detail)/' "$root"/src/cli/*.cpp "$root"/src/cli/*.hpp; then
  echo "src/cli reaches below src/app (the lines above)" >&2
  status=1
fi
# src/server: only public app/ and core/ headers and its own (server/); the
# front ends sit side by side, so not cli/ either.
if grep -nE '#include "' "$root"/src/server/*.cpp "$root"/src/server/*.hpp |
  grep -vE '#include "(app|core|server)/[^/"]+"'; then
  echo "src/server includes more than src/app, src/core and its own headers (the lines above)" >&2
  status=1
fi
# src/cli may start the server (ldb ui) but not reach into it.
if grep -nE '#include "server/' "$root"/src/cli/*.cpp "$root"/src/cli/*.hpp | grep -vE '#include "server/server.hpp"'; then
  echo "src/cli includes more of src/server than server/server.hpp (the lines above)" >&2
  status=1
fi
# python/src: only public app/ and core/ headers, and its own (no folder).
if grep -nE '#include "' "$root"/python/src/*.cpp "$root"/python/src/*.hpp |
  grep -vE '#include "((app|core)/[^/"]+|[^/"]+)"'; then
  echo "python/src includes more than src/app, src/core and its own headers (the lines above)" >&2
  status=1
fi
if grep -nE '#include "(store|index|dataset|formats|query|storage|image|app/detail)/' "$root"/src/app/*.hpp; then
  echo "a public src/app header names a lower layer (the lines above)" >&2
  status=1
fi
exit $status
