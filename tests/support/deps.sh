# shellcheck shell=bash
# Sourced by the scripts under tests/: their pinned Python and Node packages. Each set is
# installed once into a folder of its own in the cache, named by a hash of its pins and of
# the interpreter's version, and reused while both are unchanged. Nothing goes into the
# user's Python or Node: pip runs only inside a venv (--require-virtualenv), npm only with
# --prefix.
#
#   ALEXA_PE_CACHE   the cache (default: ${XDG_CACHE_HOME:-~/.cache}/alexa-proactive-events)
#
#   python_env NAME REQUIREMENTS   sets $python: a venv's interpreter with REQUIREMENTS in it
#   node_env NAME DIR              sets $node_modules: DIR's package-lock.json installed;
#                                  DIR/node_modules links to it, for DIR's scripts' imports
#   cargo_tool CRATE VERSION [ARG...]
#                                  sets $tool_bin: the folder of CRATE's binaries, VERSION
#                                  installed from crates.io (cargo install --locked ARG...)
#   target_dir                     prints cargo's target directory
# The installers return non-zero, with a message, when the install fails.

# shellcheck disable=SC2034 # $python, $node_modules and $tool_bin are for the caller
deps_cache="${ALEXA_PE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/alexa-proactive-events}"

python_env() {
  local name="$1" requirements="$2" key dir
  key="$({ cat "$requirements"; python3 --version 2>&1; } | sha256sum | cut -c1-16)"
  dir="$deps_cache/$name-python-$key"
  if [[ ! -f "$dir/installed" ]]; then
    rm -rf "$dir" || return 1
    python3 -m venv "$dir/venv" || {
      echo "error: python3 -m venv failed (on Debian: apt-get install python3-venv)" >&2
      return 1
    }
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore "$dir/venv/bin/python" -m pip \
      install --quiet --require-virtualenv -r "$requirements" || {
      echo "error: cannot install $requirements into $dir/venv" >&2
      return 1
    }
    touch "$dir/installed" || return 1
  fi
  python="$dir/venv/bin/python"
}

node_env() {
  local name="$1" src="$2" key dir
  key="$({ cat "$src/package.json" "$src/package-lock.json"; node --version; } | sha256sum | cut -c1-16)"
  dir="$deps_cache/$name-node-$key"
  if [[ ! -f "$dir/installed" ]]; then
    rm -rf "$dir" && mkdir -p "$dir" && cp "$src/package.json" "$src/package-lock.json" "$dir/" || return 1
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error || {
      echo "error: npm ci failed for $src/package-lock.json in $dir" >&2
      return 1
    }
    touch "$dir/installed" || return 1
  fi
  node_modules="$dir/node_modules"
  # Node resolves a script's imports from its own folder up: link the cached copy there
  # (replacing a node_modules that an older run installed in place).
  if [[ -e "$src/node_modules" && ! -L "$src/node_modules" ]]; then
    rm -rf "$src/node_modules" || return 1
  fi
  ln -sfn "$node_modules" "$src/node_modules"
}

cargo_tool() {
  local crate="$1" version="$2" dir started=$SECONDS
  shift 2
  dir="$deps_cache/$crate-$version"
  if [[ ! -f "$dir/installed" ]]; then
    echo "installing $crate $version into $dir (once)" >&2
    rm -rf "$dir" || return 1
    # A tool's release profile may ask for fat LTO and one codegen unit: minutes of a CI run
    # for a tool that runs for seconds here. Cargo's config (here, the environment) takes
    # precedence over the tool's manifest.
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo install --quiet --locked --version "$version" "$@" --root "$dir" "$crate" || {
      echo "error: cannot install $crate $version from crates.io into $dir" >&2
      return 1
    }
    touch "$dir/installed" || return 1
    echo "installed $crate $version in $((SECONDS - started))s" >&2
  fi
  tool_bin="$dir/bin"
}

target_dir() {
  cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
}
