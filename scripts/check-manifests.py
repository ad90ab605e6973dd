#!/usr/bin/env python3
"""Checks the deployment files in deploy/ against the code they deploy.

Usage: scripts/check-manifests.py PATH_TO_AMPLIFI_BINARY
       scripts/check-manifests.py --metric-names

- every YAML document and JSON file under deploy/ parses;
- every `amplifi` subcommand a container or compose service runs exists (`amplifi SUB --help`
  succeeds) and every `--flag` it passes is in that subcommand's help output;
- every AMPLIFI_* and TWILIO_* variable named in deploy/ is read somewhere in Sources/ and named
  by the help of `amplifi` or of a command the manifests run (`--help` output, not a copied list);
- every amplifi_* metric name in deploy/ is registered somewhere in Sources/;
- every Prometheus rule file (deploy/prometheus/*.yml) has groups of rules, each rule an `alert`
  or a `record` with an `expr`, each alert a `labels.severity` and an `annotations.summary`;
- every Grafana dashboard (deploy/grafana/*.json) has a unique id on every panel and a query
  (`targets` with an `expr`) on every panel but rows and text panels;
- every PromQL expression in them has balanced brackets and quotes.
Exits non-zero with one line per problem.

AMPLIFI_DEPLOY_DIR checks another directory laid out like deploy/ (the tests' broken copies).

With --metric-names, prints the metric names (amplifi_* and process_*, without a histogram's
_bucket/_sum/_count suffix) that the PromQL expressions of the dashboards and rule files use, one
per line, sorted, and exits 0 (non-zero, with the problems, when one of those files does not parse).
"""
import json
import os
import pathlib
import re
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
# AMPLIFI_DEPLOY_DIR: check another copy of deploy/ (the tests prove each check catches its fault).
DEPLOY = pathlib.Path(os.environ.get("AMPLIFI_DEPLOY_DIR") or ROOT / "deploy").resolve()
DASHBOARDS = DEPLOY / "grafana"
RULES = DEPLOY / "prometheus"
problems = []
help_cache = {}

# A metric name PromQL can reference, limited to the ones the roles export.
METRIC_NAME = re.compile(r"(?<![A-Za-z0-9_:])(?:amplifi|process)_[A-Za-z0-9_:]*")
# A histogram's series are its name plus one of these suffixes.
HISTOGRAM_SUFFIX = re.compile(r"_(bucket|sum|count)$")
# A PromQL string literal: label values and regexes, never metric names.
PROMQL_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
# A list of label names: `by (...)`, `without (...)`, `on (...)`, `ignoring (...)`, `group_left (...)`.
PROMQL_LABEL_LIST = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
RULE_KEYS = {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}
GROUP_KEYS = {"name", "interval", "limit", "query_offset", "labels", "rules"}
PANELS_WITHOUT_QUERIES = {"row", "text"}


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


def registered(metric, sources):
    """Whether `metric` is a string literal in `sources`: as written (counters are registered with
    their `_total` name, e.g. amplifi_sender_rate_wait_seconds_total), or, for a histogram's series
    (amplifi_pool_wait_seconds_bucket), the histogram's name without the suffix."""
    return f'"{metric}"' in sources or f'"{HISTOGRAM_SUFFIX.sub("", metric)}"' in sources


def metric_names(expr):
    """The metric names `expr` uses, histogram suffixes stripped (string literals skipped)."""
    names = METRIC_NAME.findall(PROMQL_LABEL_LIST.sub("", PROMQL_STRING.sub('""', expr)))
    return {HISTOGRAM_SUFFIX.sub("", name) for name in names}


def check_expr(where, expr):
    """Problems a PromQL expression shows without a parser: unbalanced brackets or quotes."""
    if not isinstance(expr, str) or not expr.strip():
        problems.append(f"{where}: no expr")
        return
    text = PROMQL_STRING.sub('""', expr)
    if re.search(r"[\"'`]", text.replace('""', "")):
        problems.append(f"{where}: unterminated string in expr: {expr}")
        return
    stack = []
    for char in text:
        if char in "([{":
            stack.append(")]}"["([{".index(char)])
        elif char in ")]}":
            if not stack or stack.pop() != char:
                problems.append(f"{where}: unbalanced brackets in expr: {expr}")
                return
    if stack:
        problems.append(f"{where}: unbalanced brackets in expr: {expr}")


def dashboard_panels(dashboard):
    """Every panel of a dashboard, with the panels inside collapsed rows."""
    found = []

    def walk(panels):
        for panel in panels if isinstance(panels, list) else []:
            if isinstance(panel, dict):
                found.append(panel)
                walk(panel.get("panels"))

    walk(dashboard.get("panels") if isinstance(dashboard, dict) else None)
    return found


def dashboard_exprs(name, dashboard):
    """(where, expr) of every query of a dashboard."""
    found = []
    for panel in dashboard_panels(dashboard):
        where = f"{name}: panel {panel.get('id')} ({panel.get('title', '')!r})"
        targets = panel.get("targets")
        for target in targets if isinstance(targets, list) else []:
            if isinstance(target, dict) and "expr" in target:
                found.append((f"{where} target {target.get('refId', '?')}", target["expr"]))
    return found


def check_dashboard(name, dashboard):
    if not isinstance(dashboard, dict) or not isinstance(dashboard.get("panels"), list):
        problems.append(f"{name}: not a Grafana dashboard (no panels list)")
        return
    seen = set()
    for panel in dashboard_panels(dashboard):
        where = f"{name}: panel {panel.get('id')} ({panel.get('title', '')!r})"
        if not isinstance(panel.get("id"), int):
            problems.append(f"{where}: no numeric id")
        elif panel["id"] in seen:
            problems.append(f"{where}: id {panel['id']} is used by another panel")
        seen.add(panel.get("id"))
        if panel.get("type") in PANELS_WITHOUT_QUERIES:
            continue
        targets = panel.get("targets")
        if not isinstance(targets, list) or not targets:
            problems.append(f"{where}: no targets")
            continue
        for target in targets:
            if not isinstance(target, dict) or not target.get("expr"):
                problems.append(f"{where}: a target without an expr")
    for where, expr in dashboard_exprs(name, dashboard):
        check_expr(where, expr)


def known_keys_only(where, mapping, allowed):
    """False (with a problem) when `mapping` is not a mapping; else reports its keys outside `allowed`."""
    if not isinstance(mapping, dict):
        problems.append(f"{where}: not a mapping")
        return False
    for key in sorted(set(mapping) - allowed):
        problems.append(f"{where}: unknown key `{key}`")
    return True


def rules(document):
    """(where, rule) of every rule of a parsed rule file; [] when it has no groups of rules."""
    found = []
    groups = document.get("groups") if isinstance(document, dict) else None
    for index, group in enumerate(groups if isinstance(groups, list) else []):
        group_rules = group.get("rules") if isinstance(group, dict) else None
        for position, rule in enumerate(group_rules if isinstance(group_rules, list) else []):
            label = rule.get("alert") or rule.get("record") if isinstance(rule, dict) else None
            found.append((f"groups[{index}].rules[{position}] ({label or '?'})", rule))
    return found


def rule_exprs(name, document):
    """(where, expr) of every rule of a parsed rule file."""
    return [
        (f"{name}: {where}", rule["expr"])
        for where, rule in rules(document)
        if isinstance(rule, dict) and "expr" in rule
    ]


def check_rules(name, documents):
    if len(documents) != 1 or not isinstance(documents[0], dict):
        problems.append(f"{name}: a rule file is one YAML document, a mapping with `groups`")
        return
    document = documents[0]
    groups = document.get("groups")
    if not isinstance(groups, list) or not groups:
        problems.append(f"{name}: no `groups` list")
        return
    names = set()
    for index, group in enumerate(groups):
        where = f"{name}: groups[{index}]"
        if not known_keys_only(where, group, GROUP_KEYS):
            continue
        if not isinstance(group.get("name"), str) or not group["name"]:
            problems.append(f"{where}: no name")
        elif group["name"] in names:
            problems.append(f"{where}: group name {group['name']!r} is used twice")
        names.add(group.get("name"))
        if not isinstance(group.get("rules"), list) or not group["rules"]:
            problems.append(f"{where}: no `rules` list")
    for where, rule in rules(document):
        where = f"{name}: {where}"
        if not known_keys_only(where, rule, RULE_KEYS):
            continue
        if ("alert" in rule) == ("record" in rule):
            problems.append(f"{where}: a rule has one of `alert` and `record`, not both or neither")
        check_expr(where, rule.get("expr"))
        if "for" in rule and not re.fullmatch(r"(\d+(ms|s|m|h|d|w|y))+", str(rule["for"])):
            problems.append(f"{where}: `for: {rule['for']}` is not a duration")
        if "alert" in rule:
            labels = rule.get("labels")
            annotations = rule.get("annotations")
            if not isinstance(labels, dict) or not labels.get("severity"):
                problems.append(f"{where}: no labels.severity")
            if not isinstance(annotations, dict) or not annotations.get("summary"):
                problems.append(f"{where}: no annotations.summary")


def query_files():
    """The dashboards' and rule files' paths, sorted."""
    return sorted([*DASHBOARDS.glob("*.json"), *RULES.glob("*.yml"), *RULES.glob("*.yaml")])


def print_metric_names():
    names = set()
    for path in query_files():
        name = path.relative_to(DEPLOY.parent)
        try:
            if path.suffix == ".json":
                exprs = dashboard_exprs(name, json.loads(path.read_text()))
            else:
                documents = list(yaml.safe_load_all(path.read_text()))
                exprs = [item for document in documents for item in rule_exprs(name, document)]
        except (ValueError, yaml.YAMLError) as error:
            problems.append(f"{name}: does not parse: {error}")
            continue
        for _, expr in exprs:
            if isinstance(expr, str):
                names |= metric_names(expr)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        sys.exit(1)
    for metric in sorted(names):
        print(metric)


def main():
    if sys.argv[1:] == ["--metric-names"]:
        print_metric_names()
        return
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        sys.exit(__doc__)
    binary = sys.argv[1]
    sources = "\n".join(p.read_text() for p in (ROOT / "Sources").rglob("*.swift"))
    variables = {}
    for path in sorted(DEPLOY.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(DEPLOY.parent)
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
            if path.parent == RULES:
                check_rules(name, documents)
        elif path.suffix == ".json":
            try:
                document = json.loads(text)
            except ValueError as error:
                problems.append(f"{name}: does not parse: {error}")
                continue
            if path.parent == DASHBOARDS:
                check_dashboard(name, document)
        for variable in sorted(set(re.findall(r"\b(?:AMPLIFI|TWILIO)_[A-Z_]+\b", text))):
            if f'"{variable}"' not in sources:
                problems.append(f"{name}: {variable} is not read anywhere in Sources/")
            variables.setdefault(variable, name)
        for metric in sorted(set(re.findall(r"\bamplifi_[a-z0-9_]+\b", text))):
            if not registered(metric, sources):
                problems.append(f"{name}: metric {metric} is not registered anywhere in Sources/")
    # The CLI documents every variable a manifest sets: `amplifi --help` or the help of a command
    # the manifests run (a variable the help never names is one the operator cannot look up).
    documented = "\n".join(text for text in [help_text(binary, []), *help_cache.values()] if text)
    for variable, name in sorted(variables.items()):
        if not re.search(re.escape(variable) + r"(?![A-Z_])", documented):
            problems.append(f"{name}: {variable} is named by no `amplifi --help` output")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(
        f"deploy/: {len(help_cache)} amplifi commands checked, every file parses; "
        f"{len(query_files())} dashboards and rule files checked"
    )


main()
