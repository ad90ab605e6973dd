#!/usr/bin/env python3
"""Checks the deployment files in deploy/ against the code they deploy.

Usage: scripts/check-manifests.py PATH_TO_AMPLIFI_BINARY

- every YAML document and JSON file under deploy/ parses;
- every `amplifi` subcommand a container or compose service runs exists (`amplifi SUB --help`
  succeeds) and every `--flag` it passes is in that subcommand's help output;
- every AMPLIFI_* and TWILIO_* variable named in deploy/ is read somewhere in Sources/;
- every amplifi_* metric name in deploy/ is registered somewhere in Sources/.
Exits non-zero with one line per problem.
"""
import json
import pathlib
import re
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
problems = []
help_cache = {}


def help_text(binary, words):
    key = tuple(words)
    if key not in help_cache:
        run = subprocess.run([binary, *words, "--help"], capture_output=True, text=True)
        help_cache[key] = run.stdout + run.stderr if run.returncode == 0 else None
    return help_cache[key]


def check_command(binary, where, args):
    """`args` is what follows `amplifi`: subcommand words, then flags and values."""
    words = []
    for arg in args:
        if arg.startswith("-"):
            break
        words.append(arg)
        if help_text(binary, words) is None:
            words.pop()
            break
    if not words:
        problems.append(f"{where}: `amplifi {' '.join(args)}` names no amplifi subcommand")
        return
    text = help_text(binary, words)
    for arg in args:
        if arg.startswith("--"):
            flag = arg.split("=", 1)[0]
            if not re.search(re.escape(flag) + r"(?![\w-])", text):
                problems.append(f"{where}: `amplifi {' '.join(words)}` has no flag {flag}")


def commands(document):
    """(where, args) of every container and compose service in a parsed YAML document."""
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            if "image" in node and ("args" in node or "command" in node):
                args = node.get("args") or node.get("command")
                if isinstance(args, list) and str(node["image"]).startswith("amplifi"):
                    found.append((f"{path}/{node.get('name', '')}", [str(a) for a in args]))
            elif "build" in node and isinstance(node.get("command"), list):
                found.append((path, [str(a) for a in node["command"]]))
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")

    walk(document, "")
    return found


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    sources = "\n".join(p.read_text() for p in (ROOT / "Sources").rglob("*.swift"))
    for path in sorted(DEPLOY.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(ROOT)
        text = path.read_text()
        if path.suffix in (".yml", ".yaml"):
            try:
                documents = list(yaml.safe_load_all(text))
            except yaml.YAMLError as error:
                problems.append(f"{name}: does not parse: {error}")
                continue
            for document in documents:
                for where, args in commands(document):
                    check_command(binary, f"{name}{where}", args)
        elif path.suffix == ".json":
            try:
                json.loads(text)
            except ValueError as error:
                problems.append(f"{name}: does not parse: {error}")
        for variable in sorted(set(re.findall(r"\b(?:AMPLIFI|TWILIO)_[A-Z_]+\b", text))):
            if f'"{variable}"' not in sources:
                problems.append(f"{name}: {variable} is not read anywhere in Sources/")
        for metric in sorted(set(re.findall(r"\bamplifi_[a-z_]+\b", text))):
            base = re.sub(r"_(bucket|sum|count)$", "", metric)
            if f'"{metric}"' not in sources and f'"{base}"' not in sources:
                problems.append(f"{name}: metric {metric} is not registered anywhere in Sources/")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"deploy/: {len(help_cache)} amplifi commands checked, every file parses")


main()
