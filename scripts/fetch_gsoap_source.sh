#!/usr/bin/env bash
# Fetches Debian's source of the installed gSOAP (the `gsoap` package's exact version) into
# CACHE_DIR and prints the path of the unpacked tree (it holds gsoap/stdsoap2.cpp, which the
# build compiles into the `contracts` library: generated/README.md, "The gSOAP runtime").
#
# usage: scripts/fetch_gsoap_source.sh CACHE_DIR
#
# The machine's apt configuration is read, never changed: the deb-src lines are derived from its
# own `deb` entries (/etc/apt/sources.list and /etc/apt/sources.list.d/*.list, *.sources) into
# CACHE_DIR/apt/sources.list, and apt keeps its index and cache under CACHE_DIR/apt. Once the
# tree is unpacked nothing is fetched again (an offline rebuild works); if only the downloaded
# .dsc and tarballs are left, they are unpacked again without the network.
set -euo pipefail

cache=${1:?usage: fetch_gsoap_source.sh CACHE_DIR}
version=$(dpkg-query -W -f='${Version}' gsoap 2>/dev/null) || {
  echo "fetch_gsoap_source: the Debian package gsoap is not installed (scripts/setup.sh installs it)" >&2
  exit 1
}
tree="$cache/gsoap-$version"
if [ -f "$tree/gsoap/stdsoap2.cpp" ]; then
  echo "$tree"
  exit 0
fi

mkdir -p "$cache/download"
dsc="$cache/download/gsoap_${version#*:}.dsc"

# Every `deb` entry of the machine, as a one-line deb-src entry (deb822 .sources included).
deb_src_lines() {
  local file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$file" ] && sed -n 's/^[[:space:]]*deb[[:space:]]\+/deb-src /p' "$file"
  done
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    awk '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && enabled != "no")
          for (u = 1; u <= nu; u++) for (s = 1; s <= ns; s++)
            print "deb-src " opts uris[u] " " suites[s] " " comps
        types = ""; enabled = ""; opts = ""; comps = ""; nu = 0; ns = 0
      }
      /^[[:space:]]*$/ { flush(); next }
      /^#/ { next }
      {
        key = tolower($1); sub(/:$/, "", key); $1 = ""; value = substr($0, 2)
        if (key == "types") types = value
        else if (key == "enabled") enabled = tolower(value)
        else if (key == "uris") nu = split(value, uris, " ")
        else if (key == "suites") ns = split(value, suites, " ")
        else if (key == "components") comps = value
        else if (key == "signed-by") opts = "[signed-by=" value "] "
      }
      END { flush() }' "$file"
  done
}

if [ ! -f "$dsc" ]; then
  mkdir -p "$cache/apt/lists/partial" "$cache/apt/cache/archives/partial"
  deb_src_lines > "$cache/apt/sources.list"
  if [ ! -s "$cache/apt/sources.list" ]; then
    echo "fetch_gsoap_source: no deb entries in /etc/apt/sources.list(.d) to derive a deb-src line from" >&2
    exit 1
  fi
  apt_options=(-o "Dir::Etc::SourceList=$cache/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$cache/apt/lists" -o "Dir::Cache=$cache/apt/cache" -o APT::Sandbox::User=root)
  echo "fetch_gsoap_source: apt-get source gsoap=$version into $cache/download" >&2
  # An entry without source indices fails its part of the update; what matters is the next step.
  apt-get "${apt_options[@]}" update -qq >&2 || true
  (cd "$cache/download" && apt-get "${apt_options[@]}" source --download-only -qq "gsoap=$version" >&2)
  rm -rf "$cache/apt/lists" "$cache/apt/cache"  # only needed to fetch; tens of MB
fi

rm -rf "$tree.partial"
# apt checked the files against the archive's signed index; dpkg-source applies Debian's patches.
dpkg-source --no-check -x "$dsc" "$tree.partial" >&2
if [ ! -f "$tree.partial/gsoap/stdsoap2.cpp" ]; then
  echo "fetch_gsoap_source: $dsc holds no gsoap/stdsoap2.cpp" >&2
  exit 1
fi
installed=$(grep -m1 "define GSOAP_VERSION" /usr/include/stdsoap2.h 2>/dev/null || true)
fetched=$(grep -m1 "define GSOAP_VERSION" "$tree.partial/gsoap/stdsoap2.h" || true)
if [ -z "$fetched" ] || [ "$installed" != "$fetched" ]; then
  echo "fetch_gsoap_source: the fetched stdsoap2.h says '$fetched', the installed one '$installed'" >&2
  exit 1
fi
mv "$tree.partial" "$tree"
rm -f "$cache"/gsoap_*.orig.tar.*  # dpkg-source's copy of the tarball beside the tree
echo "$tree"
