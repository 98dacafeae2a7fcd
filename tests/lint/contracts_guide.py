#!/usr/bin/python3
"""usage: contracts_guide.py SOURCE_DIR   (or: contracts_guide.py --self-test)

Keeps docs/contracts.md (how to replace the stand-in legacy WSDLs with an organisation's real
ones) true. The markers of the legacy contracts are read from the tree itself:
  - every C++ name generated for them: the identifiers of the work-order and MIDAS namespaces'
    prefixes (wsdl/typemap.dat: wo, midas) in generated/contracts.h (wo__*, _midas__*, ...),
  - the class names soapcpp2 makes of their bindings (WorkOrderBinding*, MidasCustomerBinding*),
  - their namespace URIs and their WSDL file names.
A product file (any file of the tree but docs/, generated/, build trees, node_modules and
.git) holding a marker must be listed in the guide's section "Every file that knows the legacy
contracts" (the first column of its table: paths or globs in backticks); a listed path that matches no file holding a marker
is stale. Prints each problem and exits 1 when there is any."""
import fnmatch, os, re, sys

GUIDE = "docs/contracts.md"
SECTION = "## Every file that knows the legacy contracts"
LEGACY_PREFIXES = ("wo", "midas")
SKIPPED_DIRS = {".git", "node_modules", "docs", "generated", "__pycache__"}


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def legacy_markers(src):
    """The words that only code about the legacy contracts holds."""
    typemap = read(os.path.join(src, "wsdl/typemap.dat"))
    uris = {}
    for prefix, uri in re.findall(r'^(\w+)\s*=\s*"([^"]+)"', typemap, re.M):
        uris[prefix] = uri
    contracts = read(os.path.join(src, "generated/contracts.h"))
    names = set(re.findall(r"\b_?(?:%s)__\w+" % "|".join(LEGACY_PREFIXES), contracts))
    bindings = set()
    for prefix in LEGACY_PREFIXES:
        bindings |= set(re.findall(r"//gsoap %s\s+service name:\s*(\w+)" % prefix, contracts))
    wsdls = set()
    wsdl_dir = os.path.join(src, "wsdl")
    for name in os.listdir(wsdl_dir):
        if name.endswith(".wsdl"):
            text = read(os.path.join(wsdl_dir, name))
            if any('targetNamespace="%s"' % uris[p] in text for p in LEGACY_PREFIXES if p in uris):
                wsdls.add(name[: -len(".wsdl")])
    words = sorted(names | bindings | wsdls, key=len, reverse=True)
    pattern = r"(?<![\w])(?:%s)" % "|".join(re.escape(w) for w in words)
    literal = "|".join(re.escape(uris[p]) for p in LEGACY_PREFIXES if p in uris)
    # A binding name is a marker also inside the names soapcpp2 derives from it (WorkOrderBindingProxy,
    # soapWorkOrderBindingProxy.h, WorkOrderBinding.nsmap).
    return re.compile(r"%s|(?<!\w)(?:soap)?(?:%s)\w*|%s" % (pattern, "|".join(map(re.escape, bindings)), literal))


def product_files(src):
    for root, dirs, files in os.walk(src):
        rel_root = os.path.relpath(root, src)
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(("build", ".")))
        for name in sorted(files):
            rel = os.path.normpath(os.path.join(rel_root, name))
            yield rel


def listed_paths(guide_text):
    if SECTION not in guide_text:
        return None
    section = guide_text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    paths = set()
    for line in section.splitlines():  # the table's first column: paths or globs in backticks
        cells = line.split("|")
        if len(cells) > 2 and not set(cells[1].strip()) <= set("-: "):
            paths |= set(re.findall(r"`([^`\s]+)`", cells[1]))
    return sorted(paths)


def check(src):
    guide_path = os.path.join(src, GUIDE)
    if not os.path.exists(guide_path):
        return [f"{GUIDE} is missing"]
    listed = listed_paths(read(guide_path))
    if listed is None:
        return [f"{GUIDE}: no section '{SECTION}'"]
    marker = legacy_markers(src)
    knowing = []
    for rel in product_files(src):
        try:
            text = read(os.path.join(src, rel))
        except OSError:
            continue
        m = marker.search(text)
        if m:
            knowing.append((rel, m.group(0)))
    problems = []
    for rel, word in knowing:
        if not any(fnmatch.fnmatchcase(rel, p) for p in listed):
            problems.append(f"{rel}: holds '{word}' of a legacy contract but {GUIDE} does not list it")
    for p in listed:
        if not any(fnmatch.fnmatchcase(rel, p) for rel, _ in knowing):
            problems.append(f"{GUIDE}: lists '{p}', but no file there knows the legacy contracts (stale)")
    return problems


def self_test():
    """A planted file with a generated legacy name and no line in the guide is found, a stale line
    in the guide is found, and a listed file passes."""
    import shutil, tempfile
    here = os.path.dirname(os.path.abspath(__file__))
    src = os.path.normpath(os.path.join(here, "..", ".."))
    tmp = tempfile.mkdtemp()
    try:
        for d in ("wsdl", "generated", "docs", "adapter"):
            os.makedirs(os.path.join(tmp, d))
        for f in ("wsdl/typemap.dat", "generated/contracts.h", "wsdl/WorkOrderService.wsdl",
                  "wsdl/VOIPMigrationWorkOrder.wsdl"):
            shutil.copy(os.path.join(src, f), os.path.join(tmp, f))
        with open(os.path.join(tmp, "adapter/new_mapping.cc"), "w") as f:
            f.write("_wo__CreateMigrationWorkOrderRequest body;\n")
        with open(os.path.join(tmp, "adapter/face_only.cc"), "w") as f:
            f.write("class X : public VOIPMigrationWorkOrderBindingService {};\n")
        guide = f"# x\n\n{SECTION}\n\n| `wsdl/*` | |\n| `adapter/gone.cc` | |\n"
        with open(os.path.join(tmp, GUIDE), "w") as f:
            f.write(guide)
        problems = check(tmp)
        expected = [
            f"adapter/new_mapping.cc: holds '_wo__CreateMigrationWorkOrderRequest' of a legacy contract but "
            f"{GUIDE} does not list it",
            f"{GUIDE}: lists 'adapter/gone.cc', but no file there knows the legacy contracts (stale)",
        ]
        if problems != expected:
            print("self-test failed:\n  got " + "\n  got ".join(problems) + "\n  expected " +
                  "\n  expected ".join(expected))
            return 1
        with open(os.path.join(tmp, GUIDE), "w") as f:
            f.write(guide.replace("adapter/gone.cc", "adapter/new_mapping.cc"))
        problems = check(tmp)
        if problems:
            print("self-test failed: a listed file was refused:\n  " + "\n  ".join(problems))
            return 1
        return 0
    finally:
        shutil.rmtree(tmp)


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 2:
        print(__doc__)
        return 2
    problems = check(argv[1])
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
