#!/usr/bin/env bash
# `npm run setup`: install what rabbit-lab needs on Debian/Ubuntu or macOS
# (npm dependencies, RabbitMQ, tmux, openssl, Python's pika, Chromium), then build. Safe to run
# again.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'setup: %s\n' "$*"; }
fail() {
  say "$*" >&2
  exit 1
}

# Same search as findRabbitmqServer() in source/broker/embedded/install.ts.
rabbitmq_installed() {
  local dir
  local IFS=:
  for dir in /usr/lib/rabbitmq/bin $PATH /usr/sbin /opt/homebrew/sbin /usr/local/sbin; do
    [ -n "$dir" ] && [ -x "$dir/rabbitmq-server" ] && return 0
  done
  return 1
}

have() { command -v "$1" >/dev/null 2>&1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  else
    sudo "$@"
  fi
}

APT_UPDATED=no
apt_install() {
  local package=$1
  if [ "$APT_UPDATED" = no ]; then
    say "running apt-get update"
    as_root apt-get update || return $?
    APT_UPDATED=yes
  fi
  say "running apt-get install -y $package"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$package"
}

# install_package <apt name> <brew name>: returns non-zero when it could not.
install_package() {
  local apt_name=$1 brew_name=$2
  case "$(uname -s)" in
    Linux)
      if ! have apt-get; then
        say "this Linux has no apt-get; install $apt_name with your package manager."
        return 1
      fi
      if [ "$(id -u)" -ne 0 ] && ! have sudo; then
        say "installing $apt_name needs root and sudo is missing; run this as root:"
        say "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $apt_name"
        return 1
      fi
      apt_install "$apt_name"
      ;;
    Darwin)
      if ! have brew; then
        say "Homebrew is missing; install it from https://brew.sh, then run: brew install $brew_name"
        return 1
      fi
      say "running brew install $brew_name"
      brew install "$brew_name"
      ;;
    *)
      say "$(uname -s) is not supported by this script; install $apt_name yourself."
      return 1
      ;;
  esac
}

# 1. npm dependencies
if ! have npm; then
  fail "npm is missing; install Node.js 20 or newer (https://nodejs.org) and run this again."
fi
if [ -f package-lock.json ]; then
  if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    say "npm dependencies are already installed"
  else
    say "installing npm dependencies (npm ci)"
    npm ci
  fi
else
  say "installing npm dependencies (npm install)"
  npm install
fi

# 2. RabbitMQ
if rabbitmq_installed; then
  say "RabbitMQ is already installed"
else
  say "RabbitMQ is not installed; installing it"
  if [ "$(uname -s)" = Linux ]; then
    say "note: on a systemd host the Debian package starts a system-wide RabbitMQ service;"
    say "      rabbit-lab does not need it (it runs its own private node) but can use it."
  fi
  install_package rabbitmq-server rabbitmq || fail "could not install RabbitMQ (see above)."
  rabbitmq_installed || fail "RabbitMQ was installed but rabbitmq-server was not found."
  say "RabbitMQ installed"
fi

# 3. tmux (only the end-to-end tests need it)
if have tmux; then
  say "tmux is already installed"
else
  say "tmux is not installed; installing it (the end-to-end tests need it)"
  if install_package tmux tmux; then
    say "tmux installed"
  else
    say "could not install tmux; rabbit-lab works without it, only the end-to-end tests need it."
  fi
fi

# 4. openssl (only the TLS tests need it, to make their certificates)
if have openssl; then
  say "openssl is already installed"
else
  say "openssl is not installed; installing it (the TLS tests make their certificates with it)"
  if install_package openssl openssl; then
    say "openssl installed"
  else
    say "could not install openssl; rabbit-lab works without it, only the TLS tests need it."
  fi
fi

# 5. Python's pika (only the tests need it: they run the Python programs `rabbit-lab code` prints)
# The same search as the tests: python3 on PATH, then Debian's own (a pyenv or venv python3 on
# PATH does not see the python3-pika package).
pika_installed() {
  local python
  for python in python3 /usr/bin/python3; do
    have "$python" && "$python" -c 'import pika' >/dev/null 2>&1 && return 0
  done
  return 1
}
if pika_installed; then
  say "Python's pika is already installed"
else
  say "Python's pika is not installed; installing it (the tests run the Python programs with it)"
  if [ "$(uname -s)" = Darwin ]; then
    say "pika has no Homebrew formula; install it with: python3 -m pip install --user pika"
  elif install_package python3-pika python3-pika && pika_installed; then
    say "pika installed"
  else
    say "could not install pika; rabbit-lab works without it, only the tests of its Python programs need it."
  fi
fi

# 6. Chromium (only the tests need it: they open the `report --html` page in it, headless)
chromium_installed() {
  have chromium || have chromium-browser
}
if chromium_installed; then
  say "Chromium is already installed"
else
  say "Chromium is not installed; installing it (the tests open the report page in it, headless)"
  if [ "$(uname -s)" = Darwin ]; then
    say "on macOS install it with: brew install --cask chromium (the tests look for chromium on PATH)"
  elif install_package chromium chromium && chromium_installed; then
    say "Chromium installed"
  else
    say "could not install Chromium; rabbit-lab works without it, only the tests of the report page need it."
  fi
fi

# 7. build
say "building (npm run build)"
npm run build
say "done; start the lab with: npm start"
